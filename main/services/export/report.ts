/**
 * One self-contained HTML report of a search: its Pareto front (SVG), every trial (a sortable table),
 * learning curves, the front's architectures, the devices and backends that timed it, provenance
 * (settings, progress, exports with checksums) and the command that reproduces it. Everything is
 * inline (CSS, a few lines of JS, SVG) and a Content-Security-Policy forbids any fetch, so the file
 * opens offline in any browser and never reaches the network. Pure: data in, a string out.
 */
import type { ArtifactRecord, CurvePoint, DeviceRecord, LatencySample, StudyRecord, TrialRecord } from '../../../shared/types/index.js';
import type { StudySummary } from '../../core/summary.js';

export interface ReportData {
  readonly study: StudyRecord;
  readonly trials: readonly TrialRecord[];
  readonly summary: StudySummary;
  /** Learning curves by trial number (the trials to draw; the front first). */
  readonly curves: ReadonlyMap<number, readonly CurvePoint[]>;
  readonly latency: readonly LatencySample[];
  readonly devices: readonly DeviceRecord[];
  readonly artifacts: readonly ArtifactRecord[];
  /** The command line that runs the same search again. */
  readonly command: string;
  readonly version: string;
  readonly generatedAt: number;
  /** Where the study came from (database file), shown under provenance. */
  readonly source?: string;
}

const esc = (s: unknown): string => String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
const time = (ms: number | undefined): string => (ms === undefined ? '—' : new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC'));

export function fmtNum(v: number | undefined): string {
  if (v === undefined) return '';
  if (!Number.isFinite(v)) return String(v);
  if (Number.isInteger(v)) return String(v);
  const a = Math.abs(v);
  return a >= 1000 ? v.toFixed(0) : a >= 1 ? v.toFixed(3).replace(/\.?0+$/, '') : v.toPrecision(4).replace(/\.?0+$/, '');
}

const PALETTE = ['#4f8cff', '#f5a524', '#17c964', '#f31260', '#9353d3', '#06b7db', '#ff7eb6', '#a3a3a3'];

/** 5 round tick values across [lo, hi]. */
function ticks(lo: number, hi: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / 4;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * mag >= raw) ?? 10) * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

interface Series {
  readonly label: string;
  readonly points: readonly { x: number; y: number; title: string }[];
  readonly color: string;
  readonly line?: 'step' | 'straight';
  readonly dots?: boolean;
  readonly faint?: boolean;
}

/** A small SVG chart with axes, ticks, labels and a legend. */
function chart(o: { id: string; title: string; xLabel: string; yLabel: string; series: readonly Series[]; width?: number; height?: number }): string {
  const W = o.width ?? 640;
  const H = o.height ?? 360;
  const m = { l: 64, r: 16, t: 16, b: 48 };
  const all = o.series.flatMap((s) => s.points);
  if (all.length === 0) return `<p class="muted">No data for ${esc(o.title)}.</p>`;
  let [x0, x1] = [Math.min(...all.map((p) => p.x)), Math.max(...all.map((p) => p.x))];
  let [y0, y1] = [Math.min(...all.map((p) => p.y)), Math.max(...all.map((p) => p.y))];
  const pad = (a: number, b: number) => (b > a ? (b - a) * 0.05 : Math.abs(a) * 0.05 || 1);
  [x0, x1] = [x0 - pad(x0, x1), x1 + pad(x0, x1)];
  [y0, y1] = [y0 - pad(y0, y1), y1 + pad(y0, y1)];
  const sx = (x: number) => m.l + ((x - x0) / (x1 - x0)) * (W - m.l - m.r);
  const sy = (y: number) => H - m.b - ((y - y0) / (y1 - y0)) * (H - m.t - m.b);
  const parts: string[] = [];
  for (const t of ticks(x0, x1)) parts.push(`<line class="grid" x1="${sx(t)}" x2="${sx(t)}" y1="${m.t}" y2="${H - m.b}"/><text class="tick" x="${sx(t)}" y="${H - m.b + 16}" text-anchor="middle">${esc(fmtNum(t))}</text>`);
  for (const t of ticks(y0, y1)) parts.push(`<line class="grid" x1="${m.l}" x2="${W - m.r}" y1="${sy(t)}" y2="${sy(t)}"/><text class="tick" x="${m.l - 6}" y="${sy(t) + 4}" text-anchor="end">${esc(fmtNum(t))}</text>`);
  parts.push(`<line class="axis" x1="${m.l}" x2="${W - m.r}" y1="${H - m.b}" y2="${H - m.b}"/><line class="axis" x1="${m.l}" x2="${m.l}" y1="${m.t}" y2="${H - m.b}"/>`);
  parts.push(`<text class="label" x="${(m.l + W - m.r) / 2}" y="${H - 8}" text-anchor="middle">${esc(o.xLabel)}</text>`);
  parts.push(`<text class="label" transform="translate(14 ${(m.t + H - m.b) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`);
  for (const s of o.series) {
    const pts = s.points;
    if (s.line && pts.length > 1) {
      let d = `M${sx((pts[0] as { x: number }).x)},${sy((pts[0] as { y: number }).y)}`;
      for (let i = 1; i < pts.length; i++) {
        const p = pts[i] as { x: number; y: number };
        d += s.line === 'step' ? `H${sx(p.x)}V${sy(p.y)}` : `L${sx(p.x)},${sy(p.y)}`;
      }
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.faint ? ' opacity="0.5"' : ''}/>`);
    }
    if (s.dots !== false) {
      for (const p of pts) parts.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="${s.faint ? 3 : 4.5}" fill="${s.color}"${s.faint ? ' opacity="0.45"' : ''}><title>${esc(p.title)}</title></circle>`);
    }
  }
  const legend = o.series.map((s) => `<span class="key"><i style="background:${s.color}"></i>${esc(s.label)}</span>`).join('');
  return `<figure id="${esc(o.id)}"><svg viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${esc(o.title)}">${parts.join('')}</svg><figcaption>${legend}</figcaption></figure>`;
}

function frontChart(d: ReportData): string {
  const objs = d.study.spec.objectives;
  const complete = d.trials.filter((t) => t.state === 'complete' && objs.every((o) => Number.isFinite(t.metrics[o.metric])));
  const onFront = new Set(d.summary.front.map((t) => t.number));
  const label = (o: { metric: string; direction: string }) => `${o.metric} (${o.direction})`;
  const title = (t: TrialRecord) => `trial ${t.number} ${t.key}\n${objs.map((o) => `${o.metric} ${fmtNum(t.metrics[o.metric])}`).join(', ')}`;
  if (objs.length >= 2) {
    const [y, x] = [objs[0] as { metric: string; direction: string }, objs[1] as { metric: string; direction: string }];
    const pt = (t: TrialRecord) => ({ x: t.metrics[x.metric] as number, y: t.metrics[y.metric] as number, title: title(t) });
    const front = d.summary.front.map(pt).sort((a, b) => a.x - b.x);
    return chart({
      id: 'front-chart', title: 'Pareto front', xLabel: label(x), yLabel: label(y),
      series: [
        { label: `other trials (${complete.length - onFront.size})`, points: complete.filter((t) => !onFront.has(t.number)).map(pt), color: '#8a8f98', faint: true },
        { label: `Pareto front (${d.summary.front.length})`, points: front, color: '#4f8cff', line: 'step' },
      ],
    });
  }
  const o = objs[0];
  if (!o) return '<p class="muted">The search has no objective.</p>';
  const sorted = [...complete].sort((a, b) => a.number - b.number);
  let best: number | undefined;
  const bestSoFar = sorted.map((t) => {
    const v = t.metrics[o.metric] as number;
    best = best === undefined ? v : o.direction === 'max' ? Math.max(best, v) : Math.min(best, v);
    return { x: t.number, y: best, title: `after trial ${t.number}: ${fmtNum(best)}` };
  });
  return chart({
    id: 'front-chart', title: `best ${o.metric}`, xLabel: 'trial', yLabel: label(o),
    series: [
      { label: 'trials', points: sorted.map((t) => ({ x: t.number, y: t.metrics[o.metric] as number, title: title(t) })), color: '#8a8f98', faint: true },
      { label: 'best so far', points: bestSoFar, color: '#4f8cff', line: 'step', dots: false },
    ],
  });
}

function curvesChart(d: ReportData): string {
  const metricsSeen = new Map<string, number>();
  for (const pts of d.curves.values()) for (const p of pts) metricsSeen.set(p.metric, (metricsSeen.get(p.metric) ?? 0) + 1);
  if (metricsSeen.size === 0) return '<p class="muted">This search recorded no learning curves (table replays have none).</p>';
  const metric = ['val_accuracy', ...d.study.spec.objectives.map((o) => o.metric)].find((m) => metricsSeen.has(m)) ?? ([...metricsSeen.keys()][0] as string);
  const series: Series[] = [...d.curves.entries()].map(([n, pts], i) => ({
    label: `trial ${n}`,
    points: pts.filter((p) => p.metric === metric && Number.isFinite(p.value)).sort((a, b) => a.step - b.step).map((p) => ({ x: p.step, y: p.value, title: `trial ${n}, step ${fmtNum(p.step)}: ${metric} ${fmtNum(p.value)}` })),
    color: PALETTE[i % PALETTE.length] as string,
    line: 'straight' as const,
  })).filter((s) => s.points.length > 0);
  return chart({ id: 'curves-chart', title: `learning curves (${metric})`, xLabel: 'epoch', yLabel: metric, series });
}

function trialsTable(d: ReportData): string {
  const objs = d.study.spec.objectives.map((o) => o.metric);
  const metrics = [...new Set([...objs, ...d.study.spec.constraints.map((c) => c.metric), ...d.study.spec.report, ...d.trials.flatMap((t) => Object.keys(t.metrics))])];
  const onFront = new Set(d.summary.front.map((t) => t.number));
  const head = ['trial', 'front', 'state', 'architecture', ...metrics, 'error'];
  const rows = d.trials.map((t) => `<tr${onFront.has(t.number) ? ' class="front"' : ''}><td>${t.number}</td><td>${onFront.has(t.number) ? '★' : ''}</td><td>${esc(t.state)}</td><td class="key">${esc(t.key)}</td>${metrics.map((m) => `<td class="num">${esc(fmtNum(t.metrics[m]))}</td>`).join('')}<td>${esc(t.error ?? '')}</td></tr>`);
  return `<p class="muted">${d.trials.length} trials; click a column to sort.</p><div class="scroll"><table id="trials" class="sortable"><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join('')}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

/** A drawing of an architecture key: mobilenet stages of blocks, NAS-Bench-201 cell edges, or the key. */
export function architectureFigure(space: string, key: string): string {
  const nb = /^\|.+\|$/.test(key) ? key.split('+').map((node) => node.split('|').filter(Boolean)) : undefined;
  if (nb && nb.every((n) => n.every((e) => /^[a-z_0-9x]+~\d$/.test(e)))) {
    // Cell DAG: nodes 0..3 on a line; neighbours joined straight, 0→2 arcs above, 1→3 and 0→3 below.
    const X = (i: number) => 40 + i * 150;
    const Y = 78;
    const edges = nb.flatMap((n, to) => n.map((e) => ({ op: e.split('~')[0] as string, from: Number(e.split('~')[1]), to: to + 1 })));
    const arcs = edges.map((e) => {
      const span = e.to - e.from;
      const h = span === 1 ? 0 : span === 2 && e.from === 0 ? -44 : span === 2 ? 40 : 62;
      const mx = (X(e.from) + X(e.to)) / 2;
      const none = e.op === 'none';
      const labelY = h === 0 ? Y - 6 : h < 0 ? Y + h - 4 : Y + h + 12;
      const d = h === 0 ? `M${X(e.from) + 11},${Y} L${X(e.to) - 11},${Y}` : `M${X(e.from)},${Y} Q${mx},${Y + 2 * h} ${X(e.to)},${Y}`;
      return `<path d="${d}" fill="none" stroke="${none ? '#666' : '#4f8cff'}" stroke-width="1.5"${none ? ' stroke-dasharray="3 3"' : ''}/><text class="tick" x="${mx}" y="${labelY}" text-anchor="middle">${esc(e.op)}</text>`;
    });
    const nodes = [0, 1, 2, 3].map((i) => `<circle cx="${X(i)}" cy="${Y}" r="11" fill="#1f2430" stroke="#cfd3dc"/><text class="tick" x="${X(i)}" y="${Y + 4}" text-anchor="middle">${i}</text>`);
    return `<svg class="arch" viewBox="0 0 530 160" width="530" height="160" role="img" aria-label="cell ${esc(key)}">${arcs.join('')}${nodes.join('')}</svg>`;
  }
  const stages = key.split('/').map((s) => /^w([\d.]+):(.+)$/.exec(s));
  if (space !== 'nb201' && stages.length > 0 && stages.every((s) => s && s[2]?.split('-').every((b) => /^k\d+e\d+(se)?$/.test(b)))) {
    const rows = stages.map((s, i) => {
      const blocks = (s as RegExpExecArray)[2]?.split('-').map((b) => {
        const [, k, e, se] = /^k(\d+)e(\d+)(se)?$/.exec(b) as RegExpExecArray;
        return `<span class="block k${k}">${k}×${k} · e${e}${se ? ' · <b>SE</b>' : ''}</span>`;
      }) ?? [];
      return `<div class="stage"><span class="muted">stage ${i + 1} · width ×${esc((s as RegExpExecArray)[1])}</span>${blocks.join('')}</div>`;
    });
    return `<div class="mbconv">${rows.join('')}</div>`;
  }
  return `<code>${esc(key)}</code>`;
}

function architectures(d: ReportData): string {
  const shown = d.summary.front.slice(0, 12);
  if (shown.length === 0) return '<p class="muted">No complete trial yet.</p>';
  const objs = d.study.spec.objectives.map((o) => o.metric);
  const cost = ['params', 'flops'].filter((m) => !objs.includes(m));
  return shown.map((t) => `<div class="arch-card"><h3>trial ${t.number} <code>${esc(t.key)}</code></h3><p class="muted">${[...objs, ...cost].filter((m) => t.metrics[m] !== undefined).map((m) => `${esc(m)} ${esc(fmtNum(t.metrics[m]))}`).join(' · ')}</p>${architectureFigure(d.study.spec.space, t.key)}</div>`).join('');
}

function devicesSection(d: ReportData): string {
  const by = new Map<string, LatencySample[]>();
  for (const s of d.latency) by.set(s.deviceId, [...(by.get(s.deviceId) ?? []), s]);
  const known = new Map(d.devices.map((x) => [x.id, x]));
  const latencyMetrics = [...new Set(d.trials.flatMap((t) => Object.keys(t.metrics)).filter((m) => /latency|hwnb_/.test(m)))];
  const rows = [...by.entries()].map(([id, ss]) => {
    const meds = ss.map((s) => s.medianMs).filter(Number.isFinite).sort((a, b) => a - b);
    const dev = known.get(id);
    const detail = (ss[0]?.provenance as { detail?: unknown } | undefined)?.detail;
    return `<tr><td>${esc(id)}</td><td>${esc(dev ? `${dev.kind}: ${dev.name}` : typeof detail === 'string' ? detail : '')}</td><td class="num">${ss.length}</td><td class="num">${esc(fmtNum(meds[Math.floor(meds.length / 2)]))}</td><td class="num">${esc(fmtNum(meds[0]))} – ${esc(fmtNum(meds[meds.length - 1]))}</td></tr>`;
  });
  const table = rows.length ? `<table><thead><tr><th>device</th><th>what</th><th>samples</th><th>median ms</th><th>range ms</th></tr></thead><tbody>${rows.join('')}</tbody></table>` : '<p class="muted">No latency was measured on a device for this search.</p>';
  const phones = d.devices.filter((x) => !by.has(x.id));
  return `${table}${latencyMetrics.length ? `<p class="muted">latency metrics of the trials: ${latencyMetrics.map(esc).join(', ')}</p>` : ''}${phones.length ? `<p class="muted">other devices known to this database: ${phones.map((x) => esc(`${x.name} (${x.id})`)).join(', ')}</p>` : ''}`;
}

function provenance(d: ReportData): string {
  const s = d.study;
  const p = s.progress;
  const facts: [string, string][] = [
    ['study', `${s.id} — ${s.spec.name}`], ['status', s.status + (s.error ? ` (${s.error})` : '')],
    ['created', time(s.createdAt)], ['started', time(s.startedAt)], ['finished', time(s.finishedAt)],
    ['evaluations', `${p.evals} (${p.failed} failed, ${p.rejected} rejected by constraints)`],
    ['simulated time', `${fmtNum(p.costSeconds)} s`], ['wall time', `${fmtNum(p.wallMs / 1000)} s`],
    ['space', s.spec.space], ['strategy', s.spec.strategy], ['evaluator', String(s.spec.evaluator.kind)], ['seed', String(s.spec.seed)],
    ['objectives', s.spec.objectives.map((o) => `${o.metric} (${o.direction})`).join(', ')],
    ['constraints', s.spec.constraints.map((c) => `${c.metric} ${c.op} ${c.value}`).join(', ') || 'none'],
    ['hypervolume', d.summary.hypervolume !== undefined ? fmtNum(d.summary.hypervolume) : '—'],
    ['report made by', `Frontier ${d.version} at ${time(d.generatedAt)}${d.source ? ` from ${d.source}` : ''}`],
  ];
  const arts = d.artifacts.length
    ? `<h3>Exports and artifacts</h3><div class="scroll"><table><thead><tr><th>trial</th><th>kind</th><th>path</th><th>bytes</th><th>SHA-256</th><th>made</th></tr></thead><tbody>${d.artifacts.map((a) => `<tr><td>${a.trialNumber ?? ''}</td><td>${esc(a.kind)}</td><td class="key">${esc(a.path)}</td><td class="num">${a.bytes}</td><td class="key">${esc(a.sha256)}</td><td>${esc(time(a.createdAt))}</td></tr>`).join('')}</tbody></table></div>`
    : '';
  return `<dl>${facts.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v)}</dd>`).join('')}</dl>${arts}<details><summary>Full settings (JSON)</summary><pre>${esc(JSON.stringify(s.spec, null, 2))}</pre></details>`;
}

const CSS = `
:root{color-scheme:dark;--bg:#111418;--fg:#e6e8eb;--muted:#9aa0aa;--card:#181c22;--line:#2a2f38;--accent:#4f8cff}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:var(--bg);color:var(--fg)}
header,main{max-width:1180px;margin:0 auto;padding:16px 24px}header h1{margin:8px 0 4px;font-size:22px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin:16px 0}
h2{font-size:17px;margin:4px 0 10px}h3{font-size:14px;margin:8px 0 4px}.muted{color:var(--muted)}
code,.key,pre{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12px}pre{white-space:pre-wrap;overflow:auto}
.scroll{overflow:auto;max-height:560px}table{border-collapse:collapse;width:100%}th,td{padding:3px 8px;border-bottom:1px solid var(--line);text-align:left;white-space:nowrap}
th{position:sticky;top:0;background:var(--card);cursor:pointer;user-select:none}td.num{text-align:right;font-variant-numeric:tabular-nums}tr.front td{background:#1b2540}
svg text{fill:var(--fg)}svg .tick{font-size:11px;fill:var(--muted)}svg .label{font-size:12px}svg .grid{stroke:var(--line)}svg .axis{stroke:var(--muted)}
figure{margin:0}figcaption{margin-top:4px}.key i{display:inline-block;width:10px;height:10px;border-radius:50%;margin:0 6px 0 12px}
.cmd{display:flex;gap:8px;align-items:flex-start}.cmd pre{flex:1;background:#0b0d10;border:1px solid var(--line);border-radius:6px;padding:8px;margin:0}
button{background:var(--accent);color:#fff;border:0;border-radius:6px;padding:6px 10px;cursor:pointer}
.arch-card{border-top:1px solid var(--line);padding:6px 0}.stage{display:flex;gap:6px;align-items:center;margin:3px 0;flex-wrap:wrap}
.block{border:1px solid var(--line);border-radius:4px;padding:1px 6px;background:#1f2430}.block.k5{border-color:#f5a524}.block.k7{border-color:#f31260}.block.k3{border-color:#4f8cff}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 16px;margin:0}dt{color:var(--muted)}dd{margin:0}
nav a{color:var(--accent);margin-right:12px;text-decoration:none}
@media print{body{background:#fff;color:#000}section{break-inside:avoid;border-color:#ccc;background:#fff}.scroll{max-height:none}svg text{fill:#000}button{display:none}tr.front td{background:#e8efff}}
`;

const JS = `
document.querySelectorAll('table.sortable').forEach(function(t){t.querySelectorAll('th').forEach(function(th,i){th.addEventListener('click',function(){
var b=t.tBodies[0],rows=[].slice.call(b.rows),dir=th.dataset.dir==='asc'?-1:1;th.dataset.dir=dir===1?'asc':'desc';
rows.sort(function(x,y){var a=x.cells[i].textContent,c=y.cells[i].textContent,na=parseFloat(a),nc=parseFloat(c);
if(!isNaN(na)&&!isNaN(nc))return (na-nc)*dir;if(a===''&&c!=='')return 1;if(c===''&&a!=='')return -1;return a.localeCompare(c)*dir});rows.forEach(function(r){b.appendChild(r)})})})});
document.querySelectorAll('button[data-copy]').forEach(function(btn){btn.addEventListener('click',function(){var text=document.getElementById(btn.dataset.copy).textContent;
if(navigator.clipboard){navigator.clipboard.writeText(text).then(function(){btn.textContent='copied'},function(){btn.textContent='select and copy'})}})});
`;

export function renderReportHtml(d: ReportData): string {
  const s = d.study;
  const best = Object.entries(d.summary.best).map(([m, t]) => `best ${esc(m)} ${esc(fmtNum(t.metrics[m]))} (trial ${t.number})`).join(' · ');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="generator" content="Frontier ${esc(d.version)}">
<title>Frontier report — study ${esc(s.id)}: ${esc(s.spec.name)}</title>
<style>${CSS}</style></head>
<body><header><div class="muted">Frontier report · study ${esc(s.id)}</div><h1>${esc(s.spec.name)}</h1>
<div class="muted">${esc(s.spec.space)} space · ${esc(s.spec.strategy)} · ${esc(s.status)} · ${s.progress.evals} evaluations · ${d.summary.front.length} on the front</div>
<div>${best}</div>
<nav><a href="#front">Front</a><a href="#trials-section">Trials</a><a href="#curves">Curves</a><a href="#architectures">Architectures</a><a href="#devices">Devices</a><a href="#provenance">Provenance</a><a href="#reproduce">Reproduce</a></nav></header>
<main>
<section id="front"><h2>Pareto front</h2>${frontChart(d)}</section>
<section id="trials-section"><h2>Trials</h2>${trialsTable(d)}</section>
<section id="curves"><h2>Learning curves</h2>${curvesChart(d)}</section>
<section id="architectures"><h2>Architectures on the front</h2>${architectures(d)}</section>
<section id="devices"><h2>Devices</h2>${devicesSection(d)}</section>
<section id="provenance"><h2>Provenance</h2>${provenance(d)}</section>
<section id="reproduce"><h2>Reproduce</h2><p class="muted">Runs the same search again (same space, strategy, objectives, budget and seed):</p>
<div class="cmd"><pre id="command">${esc(d.command)}</pre><button data-copy="command">copy</button></div></section>
</main><script>${JS}</script></body></html>
`;
}
