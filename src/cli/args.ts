// Flag value parsers shared by commands.
import { InvalidArgumentError } from 'commander';

export function intArg(name: string, min: number): (v: string) => number {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} takes a whole number >= ${min}, got "${v}"`);
    return n;
  };
}
