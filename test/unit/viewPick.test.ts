// bench view's pure pieces: which tasks flipped between two sides, the trial shown for each side, the
// grid's filters and sort; and the timeline's text blocks (whole input and output, clipped for the page).
import { describe, expect, test } from 'vitest';
import { filterRows, flips, outcomeOf, representative, sortRows, type GridRow } from '../../src/report/view/pick.ts';
import { timelineOf } from '../../src/report/view/timeline.ts';
import { trial } from '../helpers/records.ts';

describe('flips', () => {
  test('resolved on one side only: broken or fixed, both outcomes counted; equal shares and one-sided tasks are no flip', () => {
    const a = [
      trial({ task: 'x', resolved: true }),
      trial({ task: 'x', repeat: 1, resolved: true }),
      trial({ task: 'y', resolved: false }),
      trial({ task: 'same', resolved: true }),
      trial({ task: 'only-a', resolved: true }),
    ];
    const b = [
      trial({ task: 'x', resolved: false }),
      trial({ task: 'x', repeat: 1, resolved: false }),
      trial({ task: 'y', resolved: true }),
      trial({ task: 'same', resolved: true }),
      trial({ task: 'only-b', resolved: false }),
    ];
    const out = flips(a, b);
    expect(out.map((f) => [f.task, f.change, `${f.a.resolved}/${f.a.judged}`, `${f.b.resolved}/${f.b.judged}`])).toEqual([
      ['x', 'broken', '2/2', '0/2'],
      ['y', 'fixed', '0/1', '1/1'],
    ]);
  });

  test('repeats that disagree are "changed"; a side with no judged trial is no flip', () => {
    const a = [trial({ task: 'x', resolved: true }), trial({ task: 'x', repeat: 1, resolved: false }), trial({ task: 'z', status: 'infra_error' })];
    const b = [trial({ task: 'x', resolved: true }), trial({ task: 'x', repeat: 1, resolved: true }), trial({ task: 'z', resolved: true })];
    expect(flips(a, b).map((f) => [f.task, f.change])).toEqual([['x', 'changed']]);
  });

  test("the trial shown for a side has the side's majority outcome", () => {
    const [f] = flips(
      [trial({ task: 'x', resolved: false }), trial({ task: 'x', repeat: 1, resolved: true }), trial({ task: 'x', repeat: 2, resolved: true })],
      [trial({ task: 'x', resolved: false })],
    );
    expect(representative(f!.a).repeat).toBe(1);
    expect(outcomeOf(representative(f!.b))).toBe('escaped');
  });
});

describe('grid', () => {
  const rows: GridRow[] = [
    { r: trial({ task: 'a', workflow: 'broad', wall: 300, resolved: true }), tags: ['ui'] },
    { r: trial({ task: 'b', workflow: 'roles', wall: 100, resolved: false, accepted: false }), tags: [] },
    { r: trial({ task: 'c', workflow: 'broad', wall: 200, kind: 'docs', status: 'timeout' }), tags: ['ui', 'slow'] },
  ];
  const ids = (rs: GridRow[]) => rs.map((x) => x.r.task_id);

  test('filters: each narrows, together they intersect, empty means any', () => {
    expect(ids(filterRows(rows, {}))).toEqual(['a', 'b', 'c']);
    expect(ids(filterRows(rows, { outcome: 'unresolved' }))).toEqual(['b']);
    expect(ids(filterRows(rows, { outcome: 'not judged' }))).toEqual(['c']);
    expect(ids(filterRows(rows, { kind: 'docs' }))).toEqual(['c']);
    expect(ids(filterRows(rows, { status: 'ok' }))).toEqual(['a', 'b']);
    expect(ids(filterRows(rows, { tag: 'ui' }))).toEqual(['a', 'c']);
    expect(ids(filterRows(rows, { tag: 'ui', workflow: 'broad', status: 'ok' }))).toEqual(['a']);
    expect(ids(filterRows(rows, { role: 'broad' }))).toEqual(['a', 'b', 'c']);
    expect(ids(filterRows(rows, { role: 'reviewer' }))).toEqual([]);
    expect(ids(filterRows(rows, { q: 'B__ROLES' }))).toEqual(['b']);
  });

  test('sort by a column, either way; ties keep trial order', () => {
    expect(ids(sortRows(rows, 'wall', false))).toEqual(['b', 'c', 'a']);
    expect(ids(sortRows(rows, 'wall', true))).toEqual(['a', 'c', 'b']);
    expect(ids(sortRows(rows, 'outcome', false))).toEqual(['a', 'b', 'c']);
    expect(ids(sortRows(rows, 'cost', true))).toEqual(['a', 'b', 'c']);
  });
});

describe('timeline blocks', () => {
  test("a tool call's command and its result's output are kept whole, clipped on the page with the rest counted", () => {
    const events = [
      { t: 1, type: 'tool_call', role: 'worker', tool: 'exec_command', call_id: 'c1', input: '{"cmd":"npm test"}', command: 'npm test' },
      { t: 2, type: 'tool_result', role: 'worker', tool: 'exec_command', call_id: 'c1', ok: true, exit_code: 1, output: 'x'.repeat(50) },
      { t: 3, type: 'span', role: 'worker' },
    ];
    const tl = timelineOf(events.map((e) => JSON.stringify(e)).join('\n') + '\n{torn', { clip: 20, max: 10 });
    expect(tl.events.map((e) => [e.n, e.type, e.call])).toEqual([
      [0, 'tool_call', 'c1'],
      [1, 'tool_result', 'c1'],
    ]);
    expect(tl.events[0]!.blocks).toEqual([{ field: 'command', text: 'npm test', clipped: 0 }]);
    expect(tl.events[1]!.blocks).toEqual([{ field: 'output', text: 'x'.repeat(20), clipped: 30 }]);
    expect(timelineOf(events.map((e) => JSON.stringify(e)).join('\n'), { clip: 20, max: 1 }).omitted).toBe(1);
  });
});
