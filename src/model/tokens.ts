// Token counts from real text (o200k tokenizer), memoised per piece: a conversation re-sends the same
// items on every turn, so each piece is tokenised once.
import { countTokens } from 'gpt-tokenizer';

/** Longer texts are counted in pieces: BPE is quadratic on long runs without a break (64 KB of one letter takes seconds whole). */
const CHUNK = 4096;

function countChunked(text: string): number {
  if (text.length <= CHUNK) return countTokens(text);
  let n = 0;
  for (let i = 0; i < text.length;) {
    let end = Math.min(text.length, i + CHUNK);
    // Cut after a space where there is one, so few tokens straddle a cut.
    if (end < text.length) {
      const space = text.lastIndexOf(' ', end);
      if (space > i + CHUNK / 2) end = space + 1;
    }
    n += countTokens(text.slice(i, end));
    i = end;
  }
  return n;
}

export class TokenCounter {
  private readonly memo = new Map<string, number>();
  private readonly limit: number;
  constructor(limit = 20_000) {
    this.limit = limit;
  }
  count(text: string): number {
    if (!text) return 0;
    const hit = this.memo.get(text);
    if (hit !== undefined) return hit;
    const n = countChunked(text);
    if (this.memo.size >= this.limit) this.memo.delete(this.memo.keys().next().value!);
    this.memo.set(text, n);
    return n;
  }
  sum(parts: readonly string[]): number {
    let n = 0;
    for (const p of parts) n += this.count(p);
    return n;
  }
}
