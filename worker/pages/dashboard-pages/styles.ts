/** The dashboard's one stylesheet (inline: CSP allows inline styles, never inline scripts). Phone first. */
export const dashboardStyles = `
:root { color-scheme: light; --ink: #1d232b; --muted: #5b6672; --accent: #0b5fa5; --line: #d9dee4; --bg: #f5f6f8;
  --warn-bg: #fff4e0; --warn: #7a4b00; --bad: #a12622; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--accent); }
.skip { position: absolute; left: -10000px; } .skip:focus { left: .5rem; top: .5rem; background: #fff; padding: .5rem; z-index: 2; }
header.bar { background: #1d232b; color: #fff; }
header.bar .in { max-width: 72rem; margin: 0 auto; padding: .5rem 1rem; display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: center; }
header.bar .brand { font-weight: 700; letter-spacing: .04em; margin-right: auto; color: #fff; text-decoration: none; }
header.bar nav { display: flex; flex-wrap: wrap; gap: .25rem; }
header.bar nav a { color: #dbe7f3; text-decoration: none; padding: .5rem .6rem; border-radius: 6px; min-height: 44px; display: inline-flex; align-items: center; }
header.bar nav a[aria-current=page] { background: #3a4654; color: #fff; }
header.bar form { margin: 0; }
header.bar button { background: transparent; color: #dbe7f3; border: 1px solid #5b6672; margin: 0; min-height: 40px; padding: .35rem .8rem; }
main { max-width: 72rem; margin: 0 auto; padding: 1.25rem 1rem 3rem; }
h1 { font-size: 1.6rem; line-height: 1.2; margin: .25rem 0 1rem; }
h2 { font-size: 1.2rem; margin: 0 0 .75rem; }
h3 { font-size: 1rem; margin: 1rem 0 .5rem; }
.grid { display: grid; gap: 1rem; grid-template-columns: minmax(0, 1fr); }
@media (min-width: 900px) { .grid.two { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); } }
section.card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1rem; min-width: 0; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .9rem; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.wrap { overflow-wrap: anywhere; min-width: 10rem; }
caption { text-align: left; font-weight: 600; padding: 0 0 .4rem; }
.muted, .hint { color: var(--muted); font-size: .9rem; }
.notice { background: var(--warn-bg); color: var(--warn); border: 1px solid #e8c27a; border-radius: 8px; padding: .6rem .8rem; margin: 0 0 1rem; }
.error { background: #fdecec; border: 1px solid #e3a4a4; color: #8a1c1c; border-radius: 8px; padding: .6rem .8rem; margin: 0 0 1rem; }
.ok { background: #e8f5ec; border: 1px solid #9fd3ae; color: #1f5e31; border-radius: 8px; padding: .6rem .8rem; margin: 0 0 1rem; }
.badge { display: inline-block; border-radius: 999px; padding: 0 .55rem; font-size: .8rem; font-weight: 600; background: #e8edf2; }
.badge.paused { background: var(--warn-bg); color: var(--warn); }
.badge.running { background: #e8f5ec; color: #1f5e31; }
.badge.scheduled { background: #eaf0fb; color: #1d4f91; margin-left: .4rem; }
label { display: block; font-weight: 600; margin: .5rem 0 .25rem; font-size: .95rem; }
input[type=text], input[type=password], input[type=search], select { width: 100%; font: inherit; padding: .55rem .7rem; border: 1px solid #9aa5b1; border-radius: 6px; background: #fff; min-height: 44px; }
input:focus, button:focus, select:focus, a:focus { outline: 3px solid #7fb4e6; outline-offset: 1px; }
button { font: 600 1rem system-ui, sans-serif; background: var(--accent); color: #fff; border: 0; border-radius: 6px; padding: .6rem 1.1rem; min-height: 44px; cursor: pointer; }
button.secondary { background: #fff; color: var(--accent); border: 1px solid var(--accent); }
button.danger { background: var(--bad); }
a.button { display: inline-flex; align-items: center; font: 600 1rem system-ui, sans-serif; text-decoration: none; border-radius: 6px;
  padding: .6rem 1.1rem; min-height: 44px; background: var(--accent); color: #fff; }
a.button.secondary { background: #fff; color: var(--accent); border: 1px solid var(--accent); }
a.button.danger { background: var(--bad); color: #fff; }
h1.wrap, .wrap { overflow-wrap: anywhere; }
.position-card + .position-card { border-top: 1px solid var(--line); margin-top: .75rem; padding-top: .25rem; }
.position-card h3 { margin-top: .25rem; }
input[type=email], input[type=file] { width: 100%; font: inherit; padding: .55rem .7rem; border: 1px solid #9aa5b1; border-radius: 6px; background: #fff; min-height: 44px; }
iframe.email { width: 100%; height: 75vh; border: 1px solid var(--line); border-radius: 8px; background: #fff; }
pre.text { white-space: pre-wrap; overflow-wrap: anywhere; font-size: .85rem; }
progress { width: 100%; height: 1.25rem; }
nav.parts { display: flex; flex-wrap: wrap; gap: .25rem .5rem; margin: 0 0 1rem; }
nav.parts a { padding: .35rem .6rem; border: 1px solid var(--line); border-radius: 6px; background: #fff; text-decoration: none; min-height: 36px; display: inline-flex; align-items: center; }
nav.parts a[aria-current=page] { background: var(--accent); color: #fff; border-color: var(--accent); }
nav.filters { display: flex; flex-wrap: wrap; gap: .25rem .75rem; margin: 0 0 .75rem; }
nav.filters a[aria-current=page] { font-weight: 700; color: var(--ink); text-decoration: none; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-end; }
.actions > * { margin: 0; }
.inline { display: inline; margin: 0; }
form.search { display: flex; flex-wrap: wrap; gap: .5rem; align-items: flex-end; margin-bottom: 1rem; }
form.search .field { flex: 1 1 14rem; } form.search label { margin-top: 0; }
.signin { max-width: 24rem; margin: 3rem auto; }
figure.funnel { margin: 0 0 1rem; }
figure.funnel svg { width: 100%; max-width: 26rem; height: auto; display: block; }
figure.funnel figcaption { font-weight: 600; margin-bottom: .25rem; }
.legend { display: flex; flex-wrap: wrap; gap: .25rem .9rem; font-size: .85rem; color: var(--muted); margin: .25rem 0 .75rem; padding: 0; list-style: none; }
.legend i { display: inline-block; width: .8rem; height: .8rem; border-radius: 2px; margin-right: .3rem; vertical-align: -1px; }
details { margin: .5rem 0; } summary { cursor: pointer; color: var(--accent); min-height: 32px; }
dl.kv { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: .2rem .9rem; margin: 0; font-size: .95rem; }
dl.kv dt { color: var(--muted); } dl.kv dd { margin: 0; font-variant-numeric: tabular-nums; }
dl.counts { display: flex; flex-wrap: wrap; gap: .5rem; margin: 0 0 .75rem; }
dl.counts div { background: var(--bg); border-radius: 8px; padding: .4rem .7rem; min-width: 5.5rem; }
dl.counts dt { font-size: .8rem; color: var(--muted); } dl.counts dd { margin: 0; font-size: 1.25rem; font-weight: 700; font-variant-numeric: tabular-nums; }
div.position { min-width: 8rem; overflow-wrap: anywhere; } div.position + div.position { margin-top: .4rem; }
/* On a phone a wide table becomes one block per row (the header is for wider screens). */
@media (max-width: 599px) {
  table.stack thead { position: absolute; left: -10000px; }
  table.stack tr { display: block; border-bottom: 1px solid var(--line); padding: .5rem 0; }
  table.stack td { display: block; border: 0; padding: .1rem 0; min-width: 0; }
  table.stack td.num { text-align: left; color: var(--muted); }
  table.report td.num::before { content: "Row "; }
}
td.when { min-width: 5.5rem; }
.split { display: grid; gap: 0 1.5rem; grid-template-columns: minmax(0, 1fr); }
@media (min-width: 900px) { .split { grid-template-columns: minmax(0, 2fr) minmax(0, 3fr); } }
ol.mail { list-style: none; padding: 0; margin: 0; } ol.mail li { padding: .5rem 0; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
`;
