/** The dashboard's stylesheet, served as `/assets/app.css` (no inline styles: the CSP forbids them). */
export const STYLES = `
:root { --bg: #f6f7f9; --panel: #fff; --ink: #1d2330; --muted: #667085; --line: #e3e6ec; --accent: #1f6feb;
  --ok: #1a7f37; --bad: #cf222e; --warn: #bf8700; --idle: #8c959f;
  --llm: #8250df; --stt: #0a8f8f; --tts: #e8710a; --rt: #d63384; --eou: #57606a;
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--accent); text-decoration: none; }
a:hover { text-decoration: underline; }
.top { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #0d1117; color: #fff; }
.top .brand { color: #fff; font-weight: 700; font-size: 16px; letter-spacing: .02em; }
.top nav { display: flex; gap: 4px; }
.top nav a { color: #c9d1d9; padding: 6px 12px; border-radius: 6px; }
.top nav a.active { background: #30363d; color: #fff; }
.conn { margin-left: auto; font-size: 12px; color: #8b949e; }
.store { margin-left: 12px; font-size: 12px; color: #8b949e; font-family: ui-monospace, monospace; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; max-width: 40ch; }
.conn.live::before { content: "\\25CF  "; color: #3fb950; }
main { padding: 20px 24px 48px; max-width: 1280px; margin: 0 auto; }
h1 { font-size: 20px; margin: 0 0 12px; }
h2 { font-size: 15px; margin: 0 0 10px; }
.muted { color: var(--muted); }
.small { font-size: 12px; }
.mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; }
.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 10px; margin-bottom: 16px; }
.seg { display: inline-flex; border: 1px solid var(--line); border-radius: 6px; overflow: hidden; background: var(--panel); }
.seg a { padding: 5px 12px; color: var(--ink); border-right: 1px solid var(--line); }
.seg a:last-child { border-right: 0; }
.seg a.active { background: var(--accent); color: #fff; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(128px, 1fr)); gap: 12px; margin-bottom: 16px; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 10px 14px; }
a.card.link { color: inherit; display: block; }
a.card.link:hover { border-color: var(--accent); text-decoration: none; }
.empty-state { border-color: var(--accent); }
.empty-state code, td code { font-family: ui-monospace, monospace; background: #eef1f5; padding: 1px 4px; border-radius: 4px; }
td.bar progress { width: 100%; min-width: 60px; height: 10px; }
.waterfall.target { outline: 2px solid var(--accent); outline-offset: 3px; border-radius: 6px; }
.sys { font-size: 12px; padding: 4px 8px; margin: 6px 0; border-left: 3px solid var(--bad); background: #fff5f5; overflow-wrap: anywhere; }
.sys.warn { border-left-color: var(--warn); background: #fffbea; }
.when { font-family: ui-monospace, monospace; font-size: 12px; color: var(--muted); }
.card .label { font-size: 12px; color: var(--muted); }
.card .value { font-size: 22px; font-weight: 600; }
.card .value.bad { color: var(--bad); }
.grid2 { display: grid; grid-template-columns: repeat(auto-fit, minmax(480px, 1fr)); gap: 16px; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin-bottom: 16px; min-width: 0; }
.chart { width: 100%; height: auto; display: block; }
.chart text { font-size: 12px; fill: var(--muted); }
.chart .grid { stroke: var(--line); stroke-width: 1; }
.chart .axis { stroke: #c4c9d2; }
.chart .line { fill: none; stroke-width: 2; }
.chart .threshold { stroke: var(--bad); stroke-dasharray: 5 4; stroke-width: 1.5; }
.chart .threshold-label { fill: var(--bad); }
.chart .empty { font-size: 13px; }
.fig { margin: 0; position: relative; min-width: 0; }
.fig .plot { min-height: 180px; }
.fig .empty-note { position: absolute; top: 40%; left: 0; right: 0; text-align: center; color: var(--muted); font-size: 13px; pointer-events: none; }
.fig figcaption { margin-top: 2px; }
.uplot { font-family: inherit; }
.uplot .u-legend { font-size: 12px; color: var(--muted); text-align: left; }
.uplot .u-legend th { font-weight: 500; }
.uplot .u-legend .u-value { color: var(--ink); }
.legend { display: flex; flex-wrap: wrap; gap: 14px; font-size: 12px; color: var(--muted); margin-top: 6px; }
.legend .sw { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.c-completed { fill: var(--ok); stroke: var(--ok); background: var(--ok); }
.c-failed { fill: var(--bad); stroke: var(--bad); background: var(--bad); }
.c-abandoned { fill: var(--warn); stroke: var(--warn); background: var(--warn); }
.c-active { fill: var(--accent); stroke: var(--accent); background: var(--accent); }
.c-p50 { fill: var(--accent); stroke: var(--accent); background: var(--accent); }
.c-p95 { fill: var(--llm); stroke: var(--llm); background: var(--llm); }
.c-rate { fill: var(--ok); stroke: var(--ok); background: var(--ok); }
.c-sla { fill: var(--bad); stroke: var(--bad); background: var(--bad); }
.c-llm { fill: var(--llm); stroke: var(--llm); background: var(--llm); }
.c-stt { fill: var(--stt); stroke: var(--stt); background: var(--stt); }
.c-tts { fill: var(--tts); stroke: var(--tts); background: var(--tts); }
.c-realtime { fill: var(--rt); stroke: var(--rt); background: var(--rt); }
.c-eou { fill: var(--eou); stroke: var(--eou); background: var(--eou); }
.c-hook { fill: var(--idle); stroke: var(--idle); background: var(--idle); }
.c-play { fill: #3fb950; stroke: #3fb950; background: #3fb950; }
.c-other { fill: #d0d7de; stroke: #8c959f; background: #d0d7de; }
ul.models { margin: 0; padding: 0; list-style: none; }
.c-e2e { fill: #0d1117; stroke: #0d1117; background: #0d1117; }
.c-heard { fill: #bf3989; stroke: #bf3989; background: #bf3989; }
table.data { width: 100%; border-collapse: collapse; background: var(--panel); }
table.data th, table.data td { text-align: left; padding: 7px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
table.data th { font-size: 12px; color: var(--muted); font-weight: 600; white-space: nowrap; }
table.data td.num, table.data th.num { text-align: right; font-variant-numeric: tabular-nums; }
table.data tr:hover td { background: #f9fafb; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 11px; font-weight: 600; color: #fff; background: var(--idle); }
.badge.completed { background: var(--ok); } .badge.failed { background: var(--bad); }
.badge.abandoned { background: var(--warn); } .badge.active { background: var(--accent); }
.badge.warn { background: var(--warn); } .badge.bad { background: var(--bad); } .badge.info { background: var(--idle); }
form.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 12px; margin-bottom: 12px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); gap: 3px; }
input, select, button { font: inherit; padding: 5px 8px; border: 1px solid #c4c9d2; border-radius: 6px; background: #fff; color: var(--ink); }
input[type=number] { width: 110px; }
button { background: var(--accent); border-color: var(--accent); color: #fff; cursor: pointer; }
button.secondary { background: #fff; color: var(--ink); border-color: #c4c9d2; }
.pager { display: flex; gap: 12px; align-items: center; margin-top: 10px; }
.chat { display: flex; flex-direction: column; gap: 10px; }
.msg { max-width: 78%; padding: 9px 13px; border-radius: 12px; border: 1px solid var(--line); background: var(--panel); }
.msg .text { white-space: pre-wrap; overflow-wrap: anywhere; }
.msg .meta { font-size: 11px; color: var(--muted); margin-top: 4px; display: flex; flex-wrap: wrap; gap: 8px; align-items: center; }
.msg.user { align-self: flex-start; background: #eef4ff; border-color: #d3e2ff; }
.msg.assistant { align-self: flex-end; background: #fff; }
.msg.system { align-self: center; background: #f3f4f6; font-size: 12px; }
.msg.interrupted { border-color: var(--warn); }
.msg.playing, .tool.playing { outline: 2px solid var(--accent); outline-offset: 2px; }
.player { margin: 6px 0 10px; }
.player audio { width: 100%; }
.seek { margin-left: 8px; font-size: 11px; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); cursor: pointer; padding: 0 6px; }
.who { font-size: 11px; font-weight: 700; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin-bottom: 2px; }
.tool { align-self: flex-end; width: 78%; border: 1px dashed #c4c9d2; border-radius: 10px; padding: 8px 12px; background: #fbfbfc; }
.tool.error { border-color: var(--bad); }
.tool .name { font-weight: 600; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { margin: 4px 0 0; padding: 8px; background: #f6f8fa; border-radius: 6px; overflow: auto; max-height: 320px; white-space: pre-wrap; overflow-wrap: anywhere; font-size: 12px; }
.waterfall { margin-top: 8px; border-top: 1px solid var(--line); padding-top: 6px; }
.waterfall svg text { font-size: 11px; fill: var(--muted); }
.waterfall svg text.value { fill: var(--ink); }
.kv { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; font-size: 13px; }
.kv dt { color: var(--muted); } .kv dd { margin: 0; overflow-wrap: anywhere; }
details summary { cursor: pointer; }
.feed { list-style: none; margin: 0; padding: 0; }
.feed li { display: grid; grid-template-columns: 90px 150px 190px 1fr; gap: 10px; padding: 6px 4px; border-bottom: 1px solid var(--line); align-items: baseline; }
.feed li.fresh { animation: flash 1.5s ease-out; }
@keyframes flash { from { background: #fff8c5; } to { background: transparent; } }
.problems { list-style: none; margin: 0; padding: 0; }
.problems li { padding: 6px 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
.problems li .head { display: flex; gap: 8px; align-items: center; font-size: 12px; }
.msg.target, .tool.target { outline: 3px solid var(--warn); outline-offset: 2px; }
form.filters label.grow { flex: 1 1 320px; } form.filters label.grow input { width: 100%; }
.search-results .snippet { margin-top: 3px; overflow-wrap: anywhere; }
mark { background: #fff3b0; color: inherit; padding: 0 1px; border-radius: 2px; }
.error-box { background: #ffebe9; border: 1px solid #ffcecb; color: #82071e; padding: 10px 14px; border-radius: 8px; }
.split { display: grid; grid-template-columns: minmax(0, 2fr) minmax(280px, 1fr); gap: 16px; align-items: start; }
td.num, th.num { white-space: nowrap; }
.seg a { white-space: nowrap; }
table.data.events { table-layout: fixed; width: 100%; }
table.data.events th:nth-child(1), table.data.events th:nth-child(2) { width: 70px; }
table.data.events th:nth-child(3) { width: 150px; }
table.data.events th:nth-child(4) { width: 150px; }
table.data.events summary, table.data.events pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.feed li > * { min-width: 0; overflow-wrap: anywhere; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; }
@media (max-width: 520px) {
  main { padding: 12px 10px 40px; }
  table.data th, table.data td { padding: 5px 5px; }
  .panel { overflow-x: auto; }
  .grid2 .panel table.data { font-size: 13px; }
  table.data.calls th:nth-child(1), table.data.calls td:nth-child(1),
  table.data.calls th:nth-child(3), table.data.calls td:nth-child(3),
  table.data.calls th:nth-child(5), table.data.calls td:nth-child(5),
  table.data.calls th:nth-child(6), table.data.calls td:nth-child(6),
  table.data.calls th:nth-child(9), table.data.calls td:nth-child(9),
  table.data.calls th:nth-child(10), table.data.calls td:nth-child(10),
  table.data.calls th:nth-child(11), table.data.calls td:nth-child(11) { display: none; }
  table.data.calls td { overflow-wrap: anywhere; }
  table.data.active-calls th:nth-child(1), table.data.active-calls td:nth-child(1),
  table.data.active-calls th:nth-child(3), table.data.active-calls td:nth-child(3) { display: none; }
  table.data.active-calls td { overflow-wrap: anywhere; }
  table.data.events th:nth-child(1), table.data.events td:nth-child(1),
  table.data.events th:nth-child(2), table.data.events td:nth-child(2) { display: none; }
  table.data.events th:nth-child(3) { width: 84px; }
  table.data.events th:nth-child(4) { width: 100px; }
  table.data.events td { overflow-wrap: anywhere; }
  .top { gap: 8px; padding: 8px 10px; flex-wrap: wrap; }
  .top nav a { padding: 6px 8px; }
  .top .store { display: none; }
  .seg a { padding: 5px 8px; }
  .panel { padding: 10px; }
}
@media (max-width: 900px) { .split, .grid2 { grid-template-columns: minmax(0, 1fr); } .feed li { grid-template-columns: minmax(0, 1fr); } }
`;
