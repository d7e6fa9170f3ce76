// What `bench workflow check` warns about: approver rules that give away more than a workflow's roles
// have. The approver answers for every role, so a rule meant for the worker also answers a read-only
// role that may ask for the network; a rule that lets lifecycle scripts run approves code the agent
// can write (a package.json) together with the network; an unanchored pattern approves whatever a
// command appends to the text it was written for.
import type { Workflow } from './types.ts';

export function workflowWarnings(w: Workflow): string[] {
  const out: string[] = [];
  const rules = w.approver.rules.map((r, i) => ({ ...r, n: i + 1 }));
  const grantsNetwork = rules.filter((r) => r.decision === 'allow' && (r.permissions ?? ['network']).includes('network'));
  for (const r of rules.filter((x) => x.decision === 'allow' && x.lifecycle_scripts))
    out.push(
      `approver rule ${r.n} lets package lifecycle scripts run in what it approves: an approved install then runs scripts the agent can write (its package.json), with the network`,
    );
  for (const role of w.roles.filter((x) => x.sandbox === 'read-only' && x.network === 'ask')) {
    const by = grantsNetwork.map((r) => r.n);
    if (by.length || w.approver.default === 'allow')
      out.push(
        `role ${role.name} is read-only but its network is "ask": ${by.length ? `approver rule${by.length > 1 ? 's' : ''} ${by.join(', ')}` : 'the approver default (allow)'} can give it the network`,
      );
  }
  for (const role of w.roles.filter((x) => x.sandbox === 'read-only' && x.network === 'allow'))
    out.push(`role ${role.name} is read-only but has network "allow": it can send what it reads anywhere`);
  for (const r of grantsNetwork)
    if (r.match && !(r.match.startsWith('^') && r.match.endsWith('$')))
      out.push(
        `approver rule ${r.n} allows /${r.match}/ without anchoring it (^...$): a command that only contains that text is approved too (e.g. "npm ci && curl ...")`,
      );
  if (w.approver.default === 'allow') out.push('the approver allows whatever no rule matches (default = "allow")');
  // MCP servers act with their own rights: outside the role's sandbox, or where nobody is asked, a role's
  // capability becomes authority.
  for (const role of w.roles) {
    for (const s of role.mcpServers ?? []) {
      if (s.transport === 'stdio' && s.sandbox === 'none')
        out.push(`MCP server ${s.name} of role ${role.name} runs without a sandbox ([mcp.${s.name}] sandbox = "none"): it can read and write what bench can`);
      if (s.transport === 'stdio' && s.sandbox === 'role' && s.network === 'allow' && role.network !== 'allow')
        out.push(`MCP server ${s.name} of role ${role.name} has the network ([mcp.${s.name}] network = "allow") though the role does not`);
      if (role.approval === 'never')
        out.push(`role ${role.name} never asks (approval_policy = "never"): the side-effecting tools of MCP server ${s.name} run without approval`);
    }
  }
  return out;
}
