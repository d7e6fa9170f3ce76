// What `bench workflow check` prints about a workflow: roles, tools, sandbox modes, hooks and approver.
import { table } from '../report/format.ts';
import type { Workflow } from '../workflow/types.ts';
import { workflowWarnings } from '../workflow/warnings.ts';

export function describeWorkflow(w: Workflow): string {
  const lines: string[] = [];
  lines.push(`workflow ${w.name}${w.plugin ? ` (plugin ${w.plugin.name} ${w.plugin.version})` : ''}: ${w.source}`);
  lines.push(`digest ${w.digest}`);
  const l = w.limits;
  lines.push(
    `routing: ${w.routing}, entry ${w.entry}${w.graph ? `, graph ${w.graph.start} -> ${w.graph.edges.map((e) => `${e.from}->${e.to}${e.when === 'always' ? '' : ` (${e.when})`}`).join(', ')}` : ''}`,
    ...Object.entries(w.routes ?? {}).map(([kind, rule]) => `expected route (${kind}): ${rule!.text}`),
  );
  lines.push(
    `limits: max_threads ${l.maxThreads}, max_depth ${l.maxDepth}, job_max_runtime_seconds ${l.jobMaxRuntimeSeconds}, max_turns ${l.maxTurns}, max_rounds ${l.maxRounds}`,
  );
  lines.push('');
  lines.push(
    table(
      ['role', 'model', 'effort', 'sandbox', 'network', 'approval', 'output', 'skills', 'tools'],
      w.roles.map((r) => [
        r.name === w.entry ? `${r.name} (entry)` : r.name,
        r.model ?? '(run model)',
        r.reasoningEffort ?? '-',
        r.sandbox,
        r.network,
        r.approval,
        r.output?.kind ?? '-',
        r.skills.map((s) => s.name).join(',') || '-',
        r.tools.join(','),
      ]),
    ),
  );
  lines.push('');
  if (w.hooks.length) {
    lines.push('hooks (Codex trust key and hash):');
    for (const g of w.hooks)
      for (const h of g.handlers)
        lines.push(`  ${g.event.padEnd(17)} matcher ${g.matcher ?? '*'}  ${h.command}  (timeout ${h.timeoutS}s)\n    ${h.key}\n    ${h.hash}`);
  } else lines.push('hooks: none');
  const g = w.guidance;
  if (g)
    lines.push(
      `AGENTS.md: global ${g.global ? `${g.global.name} (${Buffer.byteLength(g.global.text)} bytes)` : 'none'}, then the repository's from its root down, capped at ${g.maxBytes} bytes${g.fallbackFilenames.length ? `, fallback names ${g.fallbackFilenames.join(', ')}` : ''}`,
    );
  const servers = w.roles.flatMap((r) => (r.mcpServers ?? []).map((s) => ({ role: r.name, s })));
  if (servers.length) {
    lines.push('MCP servers (started per trial and role; tools offered as mcp__<server>__<tool>):');
    for (const { role, s } of servers) {
      const what = s.transport === 'stdio' ? [s.command, ...s.args].join(' ') : s.url;
      const tools = s.enabledTools ? ` only ${s.enabledTools.join(',')}` : '';
      const off = s.disabledTools.length ? ` without ${s.disabledTools.join(',')}` : '';
      const sandbox = s.transport === 'stdio' ? (s.sandbox === 'none' ? ', no sandbox' : `, role sandbox, network ${s.network}`) : '';
      lines.push(`  ${role}: ${s.name} (${s.transport}) ${what}${tools}${off}; startup ${s.startupTimeoutSec}s, calls ${s.toolTimeoutSec}s${sandbox}`);
    }
  }
  const a = w.approver;
  lines.push(`approver: ${a.rules.length} rule(s), default ${a.default}, modelled human wait ${a.wait_ms} ms on average`);
  for (const [i, r] of a.rules.entries())
    lines.push(
      `  ${i + 1}. ${r.decision} ${r.tool ?? 'any tool'}${r.match ? ` matching /${r.match}/` : ''}${r.workdir ? ` in /${r.workdir}/` : ''}${r.decision === 'allow' ? `, grants ${(r.permissions ?? ['network']).join('+')}${r.paths?.length ? ` on ${r.paths.join(', ')}` : ''}${r.lifecycle_scripts ? ', lifecycle scripts' : ''}` : ''}`,
    );
  const warnings = workflowWarnings(w);
  if (warnings.length) {
    lines.push('warnings:');
    for (const m of warnings) lines.push(`  ! ${m}`);
  }
  if (w.notes.length) {
    lines.push('notes:');
    for (const n of w.notes) lines.push(`  - ${n}`);
  }
  return lines.join('\n');
}
