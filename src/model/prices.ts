// USD per million tokens. The defaults are OpenAI's published list prices for the models bench's
// examples name; a run records the table it used in run.json, and `--prices <file>` (YAML/JSON map of
// model -> {input, cached_input, output}) replaces entries. A model without a price costs `null`,
// never 0. The simulated model is priced like a mid-sized model so cost comparisons have a scale.
import { readYamlFile } from '../input/validate.ts';
import { PriceTable, type Tokens } from '../record/schema.ts';

export const DEFAULT_PRICES: PriceTable = {
  sim: { input: 1.25, cached_input: 0.125, output: 10 },
  'gpt-5': { input: 1.25, cached_input: 0.125, output: 10 },
  'gpt-5-mini': { input: 0.25, cached_input: 0.025, output: 2 },
  'gpt-5-nano': { input: 0.05, cached_input: 0.005, output: 0.4 },
  'gpt-5-codex': { input: 1.25, cached_input: 0.125, output: 10 },
  'gpt-4.1': { input: 2, cached_input: 0.5, output: 8 },
  'gpt-4.1-mini': { input: 0.4, cached_input: 0.1, output: 1.6 },
  'o4-mini': { input: 1.1, cached_input: 0.275, output: 4.4 },
};

export function loadPrices(file: string | undefined): PriceTable {
  return file ? { ...DEFAULT_PRICES, ...readYamlFile(file, PriceTable) } : DEFAULT_PRICES;
}

/** Cost of some tokens on a model; null when the table has no price for it. */
export function costUsd(prices: PriceTable, model: string, t: Pick<Tokens, 'input' | 'cached_input' | 'output'>): number | null {
  const p = prices[model] ?? prices[model.replace(/-\d{4}-\d{2}-\d{2}$/, '')];
  if (!p) return null;
  const uncached = Math.max(0, t.input - t.cached_input);
  return (uncached * p.input + t.cached_input * p.cached_input + t.output * p.output) / 1e6;
}
