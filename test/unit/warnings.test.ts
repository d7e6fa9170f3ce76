import { describe, expect, test } from 'vitest';
import { broadWorkflow } from '../../src/workflow/builtin.ts';
import type { Workflow } from '../../src/workflow/types.ts';
import { workflowWarnings } from '../../src/workflow/warnings.ts';

function withRules(rules: Workflow['approver']['rules'], readOnlyNetwork: 'deny' | 'ask' | 'allow' = 'deny', def: 'allow' | 'deny' = 'deny'): Workflow {
  const w = broadWorkflow();
  const explorer = { ...w.roles[0]!, name: 'explorer', sandbox: 'read-only' as const, network: readOnlyNetwork };
  return { ...w, roles: [...w.roles, explorer], approver: { rules, default: def, wait_ms: 0 } };
}

describe('bench workflow check warnings', () => {
  test('the shipped built-in workflow has none', () => {
    expect(workflowWarnings(broadWorkflow())).toEqual([]);
  });
  test('an approver rule that lets lifecycle scripts run', () => {
    expect(workflowWarnings(withRules([{ decision: 'allow', match: '^npm ci$', lifecycle_scripts: true }]))).toEqual([
      expect.stringMatching(/rule 1 lets package lifecycle scripts run/),
    ]);
  });
  test('a rule (or an allowing default) that can give a read-only role the network', () => {
    expect(workflowWarnings(withRules([{ decision: 'allow', match: '^npm ci$' }], 'ask'))).toEqual([
      expect.stringMatching(/role explorer is read-only but its network is "ask": approver rule 1 can give it the network/),
    ]);
    expect(workflowWarnings(withRules([{ decision: 'allow', match: '^cp .*$', permissions: ['write'] }], 'ask'))).toEqual([]);
    expect(workflowWarnings(withRules([], 'ask', 'allow'))).toEqual([
      expect.stringMatching(/the approver default \(allow\) can give it the network/),
      expect.stringMatching(/default = "allow"/),
    ]);
    expect(workflowWarnings(withRules([], 'allow'))).toEqual([expect.stringMatching(/read-only but has network "allow"/)]);
  });
  test('an unanchored pattern in a rule that grants the network', () => {
    expect(workflowWarnings(withRules([{ decision: 'allow', match: 'npm install' }]))).toEqual([
      expect.stringMatching(/rule 1 allows \/npm install\/ without anchoring/),
    ]);
  });
  test('MCP servers that act beyond their role: no sandbox, their own network, a role that never asks', () => {
    const w = broadWorkflow();
    const spec = {
      name: 'tracker',
      transport: 'stdio' as const,
      command: 'node',
      args: [],
      env: {},
      envVars: [],
      httpHeaders: {},
      disabledTools: [],
      startupTimeoutSec: 10,
      toolTimeoutSec: 60,
      sandbox: 'role' as const,
      network: 'role' as const,
      source: 'test',
    };
    const role = (over: object, server: object) => ({
      ...w,
      roles: [{ ...w.roles[0]!, approval: 'on-request' as const, ...over, mcpServers: [{ ...spec, ...server }] }],
    });
    expect(workflowWarnings(role({}, {}))).toEqual([]);
    expect(workflowWarnings(role({}, { sandbox: 'none' }))).toEqual([expect.stringMatching(/MCP server tracker of role broad runs without a sandbox/)]);
    expect(workflowWarnings(role({}, { network: 'allow' }))).toEqual([
      expect.stringMatching(/has the network \(\[mcp\.tracker\] network = "allow"\) though the role does not/),
    ]);
    expect(workflowWarnings(role({ approval: 'never' }, {}))).toEqual([
      expect.stringMatching(/role broad never asks .* MCP server tracker run without approval/),
    ]);
  });
});
