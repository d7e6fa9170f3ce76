// The simulated coordinator routes by role descriptions, as a model does: the best-fitting description
// gets each step, ties are drawn from the seed (so overlapping descriptions mis-route, deterministically
// per seed), names decide only when no description speaks of a step; told to work in parallel, it asks
// every equally fitting worker in one response.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Conversation } from '../../src/model/conversation.ts';
import { decide } from '../../src/model/sim/policy.ts';
import { SimProfile } from '../../src/model/sim/profile.ts';
import type { SimOracle } from '../../src/model/sim/oracle.ts';
import { SHIPPED } from '../helpers/workflows.ts';

const oracle: SimOracle = { taskId: 'fix-clamp', kind: 'pr', request: 'clamp is wrong', testCommand: 'npm test', outOfScope: [], changes: [] };
const profile = SimProfile.parse({});
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'workflows');

/** A role's description as its agent file gives it. */
const describedIn = (dir: string, role: string) => /^description = "(.*)"$/m.exec(readFileSync(join(dir, 'agents', `${role}.toml`), 'utf8'))![1]!;

/** The orchestrator's first turn: the role tools it is offered (named and described), and its instructions. */
function coordinator(roles: Array<{ name: string; description: string }>, instructions = 'You coordinate a small team on one task.'): Conversation {
  return {
    model: 'sim',
    instructions,
    items: [{ kind: 'message', role: 'user', text: 'fix clamp' }],
    tools: [...roles.map((r) => ({ name: r.name, description: r.description })), { name: 'read_file', description: '' }],
    outputSchema: null,
    reasoningEffort: null,
  };
}

/** The role the coordinator hands its first step (exploring) to. */
const firstCall = (c: Conversation, seed: number) => decide(c, oracle, profile, seed).items.map((i) => (i.kind === 'call' ? i.name : `message`));

describe('description routing in the simulated model', () => {
  test('the shipped roles: the explorer gets exploration, for every seed', () => {
    const roles = ['explorer', 'worker', 'reviewer'].map((name) => ({ name, description: describedIn(join(SHIPPED, 'roles'), name) }));
    for (let seed = 0; seed < 20; seed++) expect(firstCall(coordinator(roles), seed)).toEqual(['explorer']);
  });

  test('overlapping descriptions: the step goes to either look-alike, the same one for a seed', () => {
    const roles = ['explorer', 'worker', 'reviewer'].map((name) => ({ name, description: describedIn(join(FIXTURES, 'roles-overlap'), name) }));
    const picks = Array.from({ length: 20 }, (_, seed) => firstCall(coordinator(roles), seed)[0]);
    expect(new Set(picks)).toEqual(new Set(['explorer', 'reviewer']));
    expect(firstCall(coordinator(roles), 7)).toEqual([picks[7]]);
  });

  test('descriptions win over names; names decide only when no description speaks of the step', () => {
    // A role named "worker" whose description says it investigates gets exploration; the "explorer" described as a fixer does not.
    const misnamed = [
      { name: 'explorer', description: 'Fixes bugs.' },
      { name: 'worker', description: 'Investigates the code and finds where the change goes.' },
    ];
    expect(firstCall(coordinator(misnamed), 0)).toEqual(['worker']);
    const terse = [
      { name: 'scout', description: 'x' },
      { name: 'coder', description: 'y' },
    ];
    expect(firstCall(coordinator(terse), 0)).toEqual(['scout']);
  });

  test('told to work in parallel, it asks every equally fitting worker in one response, each told of the other', () => {
    const dir = join(FIXTURES, 'roles-parallel');
    const roles = ['explorer', 'worker', 'helper', 'reviewer'].map((name) => ({ name, description: describedIn(dir, name) }));
    const instructions = readFileSync(join(dir, 'agents', 'orchestrator.toml'), 'utf8');
    const c = coordinator(roles, instructions);
    const explore = decide(c, oracle, profile, 0).items[0]!;
    if (explore.kind !== 'call') throw new Error('no call');
    c.items.push(
      { kind: 'call', callId: explore.callId, name: explore.name, args: explore.args },
      { kind: 'result', callId: explore.callId, output: 'Relevant: src/math.js' },
    );
    const fanOut = decide(c, oracle, profile, 0).items;
    expect(fanOut.map((i) => (i.kind === 'call' ? i.name : ''))).toEqual(['worker', 'helper']);
    const asks = fanOut.map((i) => (i.kind === 'call' ? (JSON.parse(i.args) as { input: string }).input : ''));
    expect(asks[0]).toMatch(/You are 1 of 2 working on this at the same time \(worker, helper\)/);
    expect(asks[1]).toMatch(/You are 2 of 2/);
    // Without the instruction, one worker at a time.
    const sequential = coordinator(roles);
    sequential.items.push(c.items[1]!, c.items[2]!);
    expect(decide(sequential, oracle, profile, 0).items).toHaveLength(1);
  });
});
