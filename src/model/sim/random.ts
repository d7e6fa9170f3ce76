// Deterministic draws for the simulated model. Each decision gets its own uniform number from a hash
// of its key, so adding a decision never shifts the others, and the same (seed, task, decision) gives
// the same draw under every workflow: paired comparisons see common random numbers.
import { createHash } from 'node:crypto';

export function draw(...key: Array<string | number>): number {
  const h = createHash('sha256').update(key.join('\u241f')).digest();
  // 48 bits are plenty for a probability and exact in a double.
  return h.readUIntBE(0, 6) / 2 ** 48;
}

/** An integer in [0, n). */
export function pick(n: number, ...key: Array<string | number>): number {
  return Math.min(n - 1, Math.floor(draw(...key) * n));
}
