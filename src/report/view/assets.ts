// What the pages of `bench view` load besides themselves, all from the server (the page's policy allows
// nothing else): its stylesheet and small script, and diff2html's bundle and stylesheet from node_modules.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** Static files by URL path: content type and either their text or the file to read. */
export function assets(): Map<string, { type: string; text?: string; file?: string }> {
  const d2h = dirname(createRequire(import.meta.url).resolve('diff2html/package.json'));
  return new Map([
    ['/static/view.css', { type: 'text/css; charset=utf-8', text: CSS }],
    ['/static/view.js', { type: 'text/javascript; charset=utf-8', text: SCRIPT }],
    ['/static/diff2html.min.js', { type: 'text/javascript; charset=utf-8', file: join(d2h, 'bundles', 'js', 'diff2html.min.js') }],
    ['/static/diff2html.min.css', { type: 'text/css; charset=utf-8', file: join(d2h, 'bundles', 'css', 'diff2html.min.css') }],
  ]);
}

const CSS = `
:root{--fg:#1d2330;--muted:#6b7280;--line:#e3e6ec;--soft:#f6f7f9;--ok:#2f7d4f;--bad:#b3423a;--esc:#c26a00;--infra:#7b61a8;--link:#2b5fa8}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;color:var(--fg);background:#fff}
header{padding:12px 24px;border-bottom:1px solid var(--line);display:flex;gap:18px;align-items:baseline;flex-wrap:wrap}header b{font-size:16px}
header a,main a{color:var(--link);text-decoration:none}header a:hover,main a:hover{text-decoration:underline}
main{padding:4px 24px 40px}h1{font-size:19px;margin:14px 0 6px}h2{font-size:16px;margin:22px 0 8px}.muted,.note{color:var(--muted)}.note{font-size:12px}
table{border-collapse:collapse;width:100%;margin:8px 0;font-variant-numeric:tabular-nums}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
thead th{background:var(--soft);font-weight:600;white-space:nowrap}th a{color:inherit}td.num{text-align:right}
.state{display:inline-block;padding:0 6px;border-radius:4px;font-size:12px}.state.running{background:#fff4d6;color:#8a6100}.state.stopped{background:#fbe7e5;color:var(--bad)}.state.finished{background:#e3f3ea;color:var(--ok)}
.o{display:inline-block;padding:0 6px;border-radius:4px;font-weight:600}.o.resolved{background:#e3f3ea;color:var(--ok)}.o.unresolved{background:#fbe7e5;color:var(--bad)}.o.escaped{background:#fff0dc;color:var(--esc)}.o.not-judged{background:#efeaf7;color:var(--infra)}
.wf{white-space:nowrap}.fig{display:block;font-size:12px;color:var(--muted)}.fig b{color:var(--fg);font-weight:600}
form.bar{display:flex;gap:10px;flex-wrap:wrap;align-items:center;margin:8px 0;padding:8px;background:var(--soft);border-radius:6px}form.bar label{font-size:12px;color:var(--muted)}
.tl td.what{white-space:pre-wrap;word-break:break-word}.tl tr.alarm td{color:var(--bad)}.tl td.t{white-space:nowrap;color:var(--muted)}
pre{background:#0f1520;color:#e6e6e6;padding:8px 10px;border-radius:6px;overflow:auto;max-height:420px;font-size:12px;white-space:pre-wrap;word-break:break-word;margin:4px 0}
pre .field{color:#9aa4b2}.more{font-size:12px}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:16px}.pair>div{min-width:0;border:1px solid var(--line);border-radius:8px;padding:8px 12px}
.flips tr.sel td{background:#eef3fb}dl{display:grid;grid-template-columns:160px 1fr;gap:2px 12px;margin:6px 0}dt{color:var(--muted)}dd{margin:0;word-break:break-word}
.banner{padding:8px 12px;border-radius:6px;margin:8px 0;background:#fff4d6;border:1px solid #f0d68a}
`;

// Plain DOM: text from a trial goes in through textContent; the only HTML set is diff2html's output,
// which escapes the patch's lines and file names.
const SCRIPT = `
(() => {
  document.addEventListener('click', async (ev) => {
    const b = ev.target.closest('button[data-more]');
    if (!b) return;
    b.disabled = true;
    const res = await fetch(b.dataset.more);
    const j = await res.json();
    document.getElementById(b.dataset.target).textContent = j.text;
    b.remove();
  });
  for (const f of document.querySelectorAll('form.auto')) f.addEventListener('change', () => f.submit());
  const diffs = document.querySelectorAll('[data-diff]');
  const fmt = document.getElementById('diff-format');
  const drawDiffs = async () => {
    for (const box of diffs) {
      const j = await (await fetch(box.dataset.diff)).json();
      if (!j.text) { box.textContent = j.note || '(no change)'; continue; }
      box.innerHTML = Diff2Html.html(j.text, { drawFileList: true, matching: 'lines', outputFormat: fmt ? fmt.value : 'line-by-line' });
      if (j.note) { const p = document.createElement('p'); p.className = 'note'; p.textContent = j.note; box.append(p); }
    }
  };
  if (diffs.length) { drawDiffs(); if (fmt) fmt.addEventListener('change', drawDiffs); }
  const poll = document.body.dataset.poll;
  if (poll) setInterval(async () => {
    try { const j = await (await fetch(poll)).json(); if (j.stamp !== document.body.dataset.stamp) location.reload(); } catch {}
  }, 3000);
})();
`;
