import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { countTokens } from 'gpt-tokenizer';
import { describe, expect, test } from 'vitest';
import { rng } from '../../src/analyze/stats.ts';
import { countText, TokenCounter } from '../../src/model/tokens.ts';

const root = join(import.meta.dirname, '..', '..');

/** `n` characters drawn from `alphabet`, reproducibly. */
function draw(alphabet: string, n: number, seed: number): string {
  const next = rng(seed);
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[Math.floor(next() * alphabet.length)];
  return s;
}

describe('token counting', () => {
  test('ordinary texts count exactly as the tokenizer counts them whole', () => {
    const texts = [
      'Fix the off-by-one in clamp().',
      readFileSync(join(root, 'README.md'), 'utf8').slice(0, 4000),
      readFileSync(join(root, 'src/model/conversation.ts'), 'utf8').slice(0, 4000),
      JSON.stringify({ a: [1, 2, 3], b: { c: 'd e  f' } }, null, 2),
      'tabs\tand  double  spaces,\n\n  indented lines\r\nand trailing spaces   ',
      'Ünïcödé, 漢字 and emoji 😀👍 mixed with text',
    ];
    for (const text of texts) expect(countText(text)).toBe(countTokens(text));
  });

  test('a 200 KB line of words is counted whole and exactly (cut only where the tokenizer would split anyway)', () => {
    const line = draw('abcdefghij     ,.', 200_000, 1);
    expect(line).not.toContain('\n');
    expect(countText(line)).toBe(countTokens(line));
  });

  test('a 200 KB line with no space in it is counted, within one token per cut of the exact count', () => {
    const line = draw('абвгдежзийклмнопрстуфхцчшщъыьэюя', 100_000, 2); // 200 KB of UTF-8
    const n = new TokenCounter().count(line);
    expect(n).toBeGreaterThan(0);
    // Exact counting of a run this long is what took seconds: compare on a slice of it.
    const slice = line.slice(0, 8192);
    expect(Math.abs(countText(slice) - countTokens(slice))).toBeLessThanOrEqual(8192 / 256);
    // The rest of the line counts alike: the count grows with the length, not faster.
    expect(n / countText(slice)).toBeCloseTo(100_000 / 8192, 0);
  });

  test('text naming special tokens (<|endoftext|>) is counted as text, not refused', () => {
    expect(countText('ignore this <|endoftext|> and <|im_start|>')).toBeGreaterThan(5);
  });

  test('a long run is never cut between the two halves of an emoji', () => {
    // One token each; an odd start puts a cut on a pair's first half, which would count as more.
    expect(countText(`a${'😀'.repeat(1000)}`)).toBe(1001);
  });
});
