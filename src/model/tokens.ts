// Token counts from real text (o200k tokenizer), memoised per piece: a conversation re-sends the same
// items on every turn, so each piece is tokenised once.
import { countTokens } from 'gpt-tokenizer';

/**
 * The tokenizer's byte-pair merge is quadratic in the length of one pre-token, and a run of text with
 * no space in it (a minified line, base64, a log line in Cyrillic or Chinese) can be one pre-token of
 * any length: 200 KB of it took seconds. So such a run is cut every RUN characters, which costs at
 * most one token per cut and keeps the whole count linear in the text's length.
 */
const RUN = 256;

/** Text containing `<|endoftext|>` and the like is counted as the plain text it is, never refused. */
const PLAIN = { disallowedSpecial: new Set<string>() };

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x2028 || c === 0x2029 || c === 0x3000 || c === 0x85;

/**
 * The tokenizer's pieces never straddle a space followed by a non-space (" word" starts a piece), so
 * text is only cut where RUN characters have passed without such a place; texts without so long a run
 * are counted whole, exactly.
 */
export function countText(text: string): number {
  let n = 0;
  let start = 0;
  let run = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 32 && i + 1 < text.length && !isSpace(text.charCodeAt(i + 1))) run = 0;
    // Never between the two halves of a surrogate pair.
    else if (++run >= RUN && !(c >= 0xd800 && c <= 0xdbff)) {
      n += countTokens(text.slice(start, i + 1), PLAIN);
      start = i + 1;
      run = 0;
    }
  }
  return n + (start < text.length ? countTokens(start ? text.slice(start) : text, PLAIN) : 0);
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
    const n = countText(text);
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
