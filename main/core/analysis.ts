/**
 * Read-side analyses of a study for the workbench: best-so-far and hypervolume over the evaluations,
 * which choices the best architectures share, and an architecture drawn as a graph. Pure.
 */
import type { ArchGraph, StudyHistory, StudyInsights, TrialPoints } from '../../shared/ipc/contract.js';
import type { ObjectiveSpec, TrialRecord } from '../../shared/types/index.js';
import { TRIAL_STATES } from '../../shared/types/index.js';
import { dominates, hypervolume, toMinimization, type Point } from './pareto.js';
import type { SearchSpace } from './search-space.js';
import { NB201_EDGES, NB201_OPS } from './spaces/nb201.js';

/** Trials in columns (see TrialPoints); `metrics` lists the columns wanted. */
export function trialPoints(trials: readonly TrialRecord[], metrics: readonly string[]): TrialPoints {
  const n = trials.length;
  const out: TrialPoints = { numbers: new Array(n), states: new Array(n), metrics: {}, finishedAt: new Array(n) };
  const cols = metrics.map((m) => (out.metrics[m] = new Array<number | null>(n)));
  const stateIndex = new Map(TRIAL_STATES.map((s, i) => [s, i]));
  for (let i = 0; i < n; i++) {
    const t = trials[i] as TrialRecord;
    out.numbers[i] = t.number;
    out.states[i] = stateIndex.get(t.state) ?? 0;
    out.finishedAt[i] = t.finishedAt ?? 0;
    for (let k = 0; k < metrics.length; k++) {
      const v = t.metrics[metrics[k] as string];
      (cols[k] as (number | null)[])[i] = v === undefined || !Number.isFinite(v) ? null : v;
    }
  }
  return out;
}

/**
 * Best-so-far of each objective and hypervolume of the running front after each finished trial
 * (in trial-number order), sampled at no more than `maxPoints` evaluations (the last one always).
 * The hypervolume reference is the nadir of all complete trials, as in `summarize` (so the last
 * value equals the study summary's hypervolume), or `reference` (minimisation space) when given,
 * e.g. one point shared by studies being compared. O(n·|front|).
 */
export function studyHistory(trials: readonly TrialRecord[], objectives: readonly ObjectiveSpec[], maxPoints = 400, reference?: readonly number[]): StudyHistory {
  const finished = trials.filter((t) => t.state !== 'running');
  const n = finished.length;
  const step = Math.max(1, Math.ceil(n / Math.max(1, maxPoints)));
  const isComplete = (t: TrialRecord) => t.state === 'complete' && objectives.every((o) => Number.isFinite(t.metrics[o.metric]));
  const vec = (t: TrialRecord) => toMinimization(objectives.map((o) => t.metrics[o.metric] as number), objectives);
  const hvOk = objectives.length >= 1 && objectives.length <= 3;
  let ref: number[] | undefined;
  for (const t of finished) {
    if (!isComplete(t)) continue;
    const p = vec(t);
    ref = ref ? ref.map((r, k) => Math.max(r, p[k] as number)) : p;
  }
  if (reference && reference.length === objectives.length) ref = [...reference];
  const history: StudyHistory = { evals: [], best: {}, hypervolume: [] };
  const best: (number | null)[] = objectives.map(() => null);
  for (const o of objectives) history.best[o.metric] = [];
  let front: Point[] = [];
  for (let i = 0; i < n; i++) {
    const t = finished[i] as TrialRecord;
    if (isComplete(t)) {
      objectives.forEach((o, k) => {
        const v = t.metrics[o.metric] as number;
        const b = best[k];
        if (b === null || b === undefined || (o.direction === 'max' ? v > b : v < b)) best[k] = v;
      });
      const p = vec(t);
      if (!front.some((f) => dominates(f, p) || f.every((v, k) => v === p[k]))) front = [...front.filter((f) => !dominates(p, f)), p];
    }
    if ((i + 1) % step === 0 || i === n - 1) {
      history.evals.push(i + 1);
      objectives.forEach((o, k) => (history.best[o.metric] as (number | null)[]).push(best[k] ?? null));
      history.hypervolume.push(hvOk && ref && front.length > 0 ? hypervolume(front, ref) : null);
    }
  }
  return history;
}

/**
 * Which choices the top trials share, per decision, and how much of the metric's variance each
 * decision explains (η² = between-choice variance / total variance over complete trials).
 */
export function studyInsights(
  trials: readonly TrialRecord[],
  space: SearchSpace,
  objective: ObjectiveSpec,
  topFraction = 0.1,
): StudyInsights {
  const complete = trials.filter((t) => t.state === 'complete' && Number.isFinite(t.metrics[objective.metric]) && t.sample.length === space.dims.length);
  const value = (t: TrialRecord) => t.metrics[objective.metric] as number;
  const sorted = complete.slice().sort((a, b) => (objective.direction === 'max' ? value(b) - value(a) : value(a) - value(b)));
  const top = sorted.slice(0, Math.max(1, Math.round(sorted.length * topFraction)));
  const mean = complete.reduce((a, t) => a + value(t), 0) / Math.max(1, complete.length);
  const total = complete.reduce((a, t) => a + (value(t) - mean) ** 2, 0);
  const decisions = space.dims.map((d, i) => {
    const share = (set: readonly TrialRecord[]) => {
      const c = new Array<number>(d.choices.length).fill(0);
      let active = 0;
      for (const t of set) {
        if (!space.isActive(t.sample, i)) continue;
        c[t.sample[i] as number]!++;
        active++;
      }
      return c.map((x) => (active ? x / active : 0));
    };
    const sums = new Array<number>(d.choices.length).fill(0);
    const counts = new Array<number>(d.choices.length).fill(0);
    for (const t of complete) {
      const c = t.sample[i] as number;
      sums[c]! += value(t);
      counts[c]!++;
    }
    let between = 0;
    for (let c = 0; c < d.choices.length; c++) if (counts[c]) between += (counts[c] as number) * ((sums[c] as number) / (counts[c] as number) - mean) ** 2;
    return {
      name: d.name,
      choices: d.choices.map(String),
      topShare: share(top),
      allShare: share(complete),
      importance: total > 0 ? between / total : 0,
    };
  });
  return { metric: objective.metric, direction: objective.direction, top: complete.length ? top.length : 0, total: complete.length, decisions };
}

/**
 * An architecture as a graph: the NAS-Bench-201 cell as its 4-node DAG with one operation per edge;
 * a custom space as its chain of layers; any other space as a chain of blocks (decisions grouped by
 * the name before their last dot), inactive decisions left out.
 */
export function architectureGraph(space: SearchSpace, sample: readonly number[], key: string): ArchGraph {
  if (space.id === 'nb201') {
    const nodes: ArchGraph['nodes'] = [0, 1, 2, 3].map((i) => ({
      id: `n${i}`,
      label: i === 0 ? 'input (node 0)' : i === 3 ? 'output (node 3)' : `node ${i}`,
      kind: i === 0 ? 'input' : i === 3 ? 'output' : 'node',
    }));
    // `none` edges are kept (drawn faded by the renderer): the cell's full wiring stays visible.
    const edges = NB201_EDGES.map(([to, from], e) => ({ from: `n${from}`, to: `n${to}`, label: NB201_OPS[sample[e] as number] ?? '?' }));
    return { nodes, edges };
  }
  const nodes: ArchGraph['nodes'] = [{ id: 'in', label: 'input', kind: 'input' }];
  if (space.id.startsWith('custom') || (key.includes('|') && key.includes(':'))) {
    key.split('|').forEach((layer, i) => nodes.push({ id: `l${i}`, label: layer, kind: 'block' }));
  } else {
    const groups = new Map<string, string[]>();
    space.dims.forEach((d, i) => {
      if (!space.isActive(sample, i)) return;
      const dot = d.name.lastIndexOf('.');
      const group = dot > 0 ? d.name.slice(0, dot) : d.name;
      const label = `${dot > 0 ? d.name.slice(dot + 1) : ''}${dot > 0 ? ' ' : ''}${String(d.choices[sample[i] as number])}`;
      const list = groups.get(group) ?? [];
      list.push(label);
      groups.set(group, list);
    });
    let i = 0;
    for (const [g, labels] of groups) nodes.push({ id: `b${i++}`, label: `${g}: ${labels.join(', ')}`, kind: 'block' });
  }
  nodes.push({ id: 'out', label: 'output', kind: 'output' });
  const edges = nodes.slice(1).map((n, i) => ({ from: (nodes[i] as { id: string }).id, to: n.id }));
  return { nodes, edges };
}
