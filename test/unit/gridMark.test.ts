// The report's task grid: one mark per trial, and an escaped trial that resolved the task (accepted with
// out-of-scope writes) is marked apart from one that did not (the legend's "accepted but not resolved").
import { describe, expect, test } from 'vitest';
import { gridMark } from '../../src/report/html.ts';
import { sampleRecord } from '../helpers/records.ts';

const judged = (resolved: boolean | null, accepted: boolean, escaped: boolean | null, outOfScope: string[] = [], status: 'ok' | 'infra_error' = 'ok') => {
  const r = sampleRecord({ status });
  return { ...r, quality: { ...r.quality, resolved, accepted, escaped_defect: escaped }, output: { ...r.output, out_of_scope: outOfScope } };
};

describe('gridMark', () => {
  test('resolved, not resolved, not judged', () => {
    expect(gridMark(judged(true, true, false))).toEqual(['ok', '✓']);
    expect(gridMark(judged(false, false, false))).toEqual(['bad', '✗']);
    expect(gridMark(judged(null, false, null))).toEqual(['infra', '⚠']);
    expect(gridMark(judged(true, true, false, [], 'infra_error'))).toEqual(['infra', '⚠']);
  });

  test('"!" is accepted but not resolved; a resolved trial accepted with out-of-scope writes has its own mark', () => {
    expect(gridMark(judged(false, true, true))).toEqual(['esc', '!']);
    const scope = gridMark(judged(true, true, true, ['package-lock.json']));
    expect(scope[1]).not.toBe('!');
    expect(scope).toEqual(['scope', '✓!']);
  });
});
