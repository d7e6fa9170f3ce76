// Token counts from real text (o200k tokenizer), memoised per piece: a conversation re-sends the same
// items on every turn, so each piece is tokenised once.
import { countTokens } from 'gpt-tokenizer';

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
    const n = countTokens(text);
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
