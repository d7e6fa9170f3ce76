// Stop hook: the orchestrator may finish only once the reviewer approved (asked once; a second stop passes).
import { readFileSync } from 'node:fs';

const payload = JSON.parse(readFileSync(0, 'utf8'));
const last = String(payload.last_assistant_message ?? '');
if (!payload.stop_hook_active && !/\bapproved\b/i.test(last)) {
  process.stdout.write(JSON.stringify({ decision: 'block', reason: 'The reviewer has not approved the change yet. If it asked for changes, send them to the worker and review again; otherwise explain why the work cannot be approved.' }));
}
