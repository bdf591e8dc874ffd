/**
 * Finding trials: columns by key, the filters and parallel-coordinates brushes as one mask, the
 * architecture of a trial from its decisions, and CSV / JSON of the shown trials. Pure.
 */
import type { TrialPoints } from '../../api/index.js';
import { TRIAL_STATES } from '../../../shared/types/index.js';
import type { TrialFilter } from './initialState.js';

/** Column keys: `number`, `state`, a metric, or `d:<decision>` (choice index, -1 inactive). */
export function decisionKey(name: string): string {
  return `d:${name}`;
}

/** The values of a column, or undefined for an unknown key. */
export function columnValues(points: TrialPoints, key: string): ArrayLike<number | null> | undefined {
  if (key === 'number') return points.numbers;
  if (key === 'state') return points.states;
  if (key.startsWith('d:')) {
    const d = points.dims?.findIndex((x) => x.name === key.slice(2)) ?? -1;
    return d >= 0 ? points.decisions?.[d] : undefined;
  }
  return points.metrics[key];
}

/** Every filterable column: trial number, state, metrics, then decisions. */
export function filterColumns(points: TrialPoints): { key: string; label: string; kind: 'number' | 'label' }[] {
  return [
    { key: 'number', label: 'trial number', kind: 'number' },
    { key: 'state', label: 'state', kind: 'label' },
    ...Object.keys(points.metrics).map((m) => ({ key: m, label: m, kind: 'number' as const })),
    ...(points.dims ?? []).map((d) => ({ key: decisionKey(d.name), label: d.name, kind: 'label' as const })),
  ];
}

/** The label values a `label` column can take (states, or a decision's choices). */
export function columnLabels(points: TrialPoints, key: string): readonly string[] {
  if (key === 'state') return ['interrupted', ...TRIAL_STATES];
  if (key.startsWith('d:')) return points.dims?.find((d) => d.name === key.slice(2))?.choices ?? [];
  return [];
}

/** Why a filter cannot apply (shown next to it), or null. */
export function filterProblem(points: TrialPoints, f: TrialFilter): string | null {
  if (!columnValues(points, f.column)) return `no column ${f.column}`;
  const labels = columnLabels(points, f.column);
  if (labels.length > 0) {
    if (f.op !== '=' && f.op !== '!=') return `${f.column.replace(/^d:/, '')} is compared with = or ≠`;
    return labels.includes(f.value) ? null : `${f.value} is not one of ${labels.join(', ')}`;
  }
  return f.value.trim() !== '' && Number.isFinite(Number(f.value)) ? null : `'${f.value}' is not a number`;
}

function compare(op: TrialFilter['op'], a: number, b: number): boolean {
  switch (op) {
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    case '>=': return a >= b;
    case '=': return a === b;
    case '!=': return a !== b;
  }
}

/**
 * 1 for each trial (column index) that meets every valid filter and lies in every brushed range;
 * null when nothing filters (every trial shown). A trial without the value fails the condition.
 */
export function trialMask(points: TrialPoints, filters: readonly TrialFilter[], brushes: Readonly<Record<string, readonly [number, number]>>): Uint8Array | null {
  const active = filters.filter((f) => filterProblem(points, f) === null);
  const ranges = Object.entries(brushes).filter(([k]) => columnValues(points, k));
  if (active.length === 0 && ranges.length === 0) return null;
  const n = points.numbers.length;
  const mask = new Uint8Array(n).fill(1);
  const interrupted = new Set(points.interrupted ?? []);
  for (const f of active) {
    const col = columnValues(points, f.column) as ArrayLike<number | null>;
    let target: number;
    if (f.column === 'state') {
      if (f.value === 'interrupted') {
        for (let i = 0; i < n; i++) if (interrupted.has(points.numbers[i] as number) !== (f.op === '=')) mask[i] = 0;
        continue;
      }
      target = TRIAL_STATES.indexOf(f.value as (typeof TRIAL_STATES)[number]);
    } else if (f.column.startsWith('d:')) target = columnLabels(points, f.column).indexOf(f.value);
    else target = Number(f.value);
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      const v = col[i];
      if (v === null || v === undefined || !compare(f.op, v, target)) mask[i] = 0;
    }
  }
  for (const [k, [lo, hi]] of ranges) {
    const col = columnValues(points, k) as ArrayLike<number | null>;
    for (let i = 0; i < n; i++) {
      if (!mask[i]) continue;
      const v = col[i];
      if (v === null || v === undefined || v < lo || v > hi) mask[i] = 0;
    }
  }
  return mask;
}

/** A trial's architecture from its decisions (`choice choice …`, inactive ones left out), or ''. */
export function architectureOf(points: TrialPoints, i: number): string {
  const dims = points.dims;
  if (!dims || !points.decisions) return '';
  const parts: string[] = [];
  dims.forEach((d, k) => {
    const c = points.decisions![k]![i] as number;
    if (c >= 0) parts.push(d.choices[c] ?? '?');
  });
  return parts.join(' ');
}

function stateLabel(points: TrialPoints, i: number, interrupted: ReadonlySet<number>): string {
  const s = TRIAL_STATES[points.states[i] as number] ?? '?';
  return s === 'failed' && interrupted.has(points.numbers[i] as number) ? 'interrupted' : s;
}

/** The trials of `rows` (column indices, in order) as records: number, state, metrics, decisions. */
export function trialRows(points: TrialPoints, rows: ArrayLike<number>): Record<string, string | number | null>[] {
  const interrupted = new Set(points.interrupted ?? []);
  const metrics = Object.keys(points.metrics);
  const out: Record<string, string | number | null>[] = [];
  for (let r = 0; r < rows.length; r++) {
    const i = rows[r] as number;
    const row: Record<string, string | number | null> = { number: points.numbers[i] as number, state: stateLabel(points, i, interrupted) };
    for (const m of metrics) row[m] = points.metrics[m]?.[i] ?? null;
    points.dims?.forEach((d, k) => {
      const c = points.decisions?.[k]?.[i] ?? -1;
      row[d.name] = c >= 0 ? (d.choices[c] ?? null) : null;
    });
    out.push(row);
  }
  return out;
}

function csvCell(v: string | number | null): string {
  if (v === null) return '';
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** CSV (RFC 4180) of the trials of `rows`: a header, one line per trial. */
export function trialsCsv(points: TrialPoints, rows: ArrayLike<number>): string {
  const header = ['number', 'state', ...Object.keys(points.metrics), ...(points.dims ?? []).map((d) => d.name)];
  const lines = [header.map(csvCell).join(',')];
  for (const row of trialRows(points, rows)) lines.push(header.map((h) => csvCell(row[h] ?? null)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
