/**
 * Read-side analyses of a study for the workbench: best-so-far and hypervolume over the evaluations,
 * which choices the best architectures share, and an architecture drawn as a graph. Pure.
 */
import type { ArchGraph, StudyHistory, StudyInsights, StudyResources, TrialPoints } from '../../shared/ipc/contract.js';
import type { ObjectiveSpec, TrialRecord } from '../../shared/types/index.js';
import { TRIAL_STATES } from '../../shared/types/index.js';
import { dominates, hypervolume, nonDominatedSort, toMinimization, type Point } from './pareto.js';
import { Rng } from './rng.js';
import type { SearchSpace } from './search-space.js';
import { NB201_EDGES, NB201_OPS } from './spaces/nb201.js';

/**
 * Trials in columns (see TrialPoints); `metrics` lists the columns wanted. With `space`, each
 * decision's choice index too (-1 when inactive, or when a trial's sample does not fit the space).
 */
export function trialPoints(trials: readonly TrialRecord[], metrics: readonly string[], space?: SearchSpace): TrialPoints {
  const n = trials.length;
  const out: TrialPoints = { numbers: new Array(n), states: new Array(n), metrics: {}, finishedAt: new Array(n) };
  const cols = metrics.map((m) => (out.metrics[m] = new Array<number | null>(n)));
  const stateIndex = new Map(TRIAL_STATES.map((s, i) => [s, i]));
  const interrupted: number[] = [];
  const dims = space?.dims ?? [];
  const decisions = dims.map(() => new Array<number>(n));
  for (let i = 0; i < n; i++) {
    const t = trials[i] as TrialRecord;
    out.numbers[i] = t.number;
    out.states[i] = stateIndex.get(t.state) ?? 0;
    out.finishedAt[i] = t.finishedAt ?? 0;
    if (t.state === 'failed' && isInterrupted(t)) interrupted.push(t.number);
    for (let k = 0; k < metrics.length; k++) {
      const v = t.metrics[metrics[k] as string];
      (cols[k] as (number | null)[])[i] = v === undefined || !Number.isFinite(v) ? null : v;
    }
    const fits = t.sample.length === dims.length;
    for (let d = 0; d < dims.length; d++) (decisions[d] as number[])[i] = fits && space!.isActive(t.sample, d) ? (t.sample[d] as number) : -1;
  }
  const extra = interrupted.length > 0 ? { interrupted } : {};
  if (space) return { ...out, dims: dims.map((d) => ({ name: d.name, choices: d.choices.map(String) })), decisions, ...extra };
  return { ...out, ...extra };
}

/** A trial recorded `failed` because its search stopped or died while it ran (Study.abandonRunning), not by itself. */
export function isInterrupted(t: TrialRecord): boolean {
  return t.state === 'failed' && (t.error ?? '').startsWith('interrupted:');
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
  // One objective has no hypervolume (it would be best minus worst): its curve is best-so-far.
  const hvOk = objectives.length >= 2 && objectives.length <= 3;
  let ref: number[] | undefined;
  for (const t of finished) {
    if (!isComplete(t)) continue;
    const p = vec(t);
    ref = ref ? ref.map((r, k) => Math.max(r, p[k] as number)) : p;
  }
  if (reference && reference.length === objectives.length) ref = [...reference];
  const history = { evals: [] as number[], best: {} as Record<string, (number | null)[]>, hypervolume: [] as (number | null)[], cost: [] as number[], wallMs: [] as number[] };
  let cost = 0;
  let wall = 0;
  const t0 = finished.reduce((a, t) => Math.min(a, t.startedAt), Infinity);
  const best: (number | null)[] = objectives.map(() => null);
  for (const o of objectives) history.best[o.metric] = [];
  let front: Point[] = [];
  for (let i = 0; i < n; i++) {
    const t = finished[i] as TrialRecord;
    cost += Number.isFinite(t.cost) ? t.cost : 0;
    if (t.finishedAt !== undefined && Number.isFinite(t0)) wall = Math.max(wall, t.finishedAt - t0);
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
      history.cost.push(cost);
      history.wallMs.push(wall);
    }
  }
  return history;
}

/** How the bootstrap of `studyInsights` is drawn (fixed seed: the same study gives the same interval). */
const BOOTSTRAP = { rounds: 200, seed: 7 };
/** Fewer complete trials than this (or than 5 per choice of the largest decision) get a warning. */
const MIN_TRIALS = 30;

/**
 * η² of each decision for `values` over `rows` (indices into trials); `choices[d][i]` the choice, −1
 * where decision d is inactive in trial i (a block past the depth, a conv block's heads): a
 * conditional decision is scored over the trials that use it, its variance against theirs.
 */
function etaSquared(rows: ArrayLike<number>, values: Float64Array, choices: Int32Array[], sizes: readonly number[]): number[] {
  const n = rows.length;
  return choices.map((col, d) => {
    const k = sizes[d] as number;
    const sums = new Float64Array(k);
    const counts = new Float64Array(k);
    let sum = 0;
    let m = 0;
    for (let r = 0; r < n; r++) {
      const i = rows[r] as number;
      const c = col[i] as number;
      if (c < 0) continue;
      sums[c]! += values[i] as number;
      counts[c]!++;
      sum += values[i] as number;
      m++;
    }
    if (m < 2) return 0;
    const mean = sum / m;
    let total = 0;
    for (let r = 0; r < n; r++) {
      const i = rows[r] as number;
      if ((col[i] as number) >= 0) total += ((values[i] as number) - mean) ** 2;
    }
    let between = 0;
    for (let c = 0; c < k; c++) if (counts[c]) between += (counts[c] as number) * ((sums[c] as number) / (counts[c] as number) - mean) ** 2;
    return total > 0 ? between / total : 0;
  });
}

/**
 * Pareto rank of each point (0: on the front, 1: on the front once those are removed, …), in
 * minimisation space. Two objectives: O(n log n) sweep; more: the O(M·n²) non-dominated sort.
 */
export function paretoRanks(points: readonly Point[]): number[] {
  const n = points.length;
  const rank = new Array<number>(n).fill(0);
  if (n === 0) return rank;
  if ((points[0] as Point).length !== 2) {
    nonDominatedSort(points).forEach((f, r) => f.forEach((i) => (rank[i] = r)));
    return rank;
  }
  const order = points.map((_, i) => i).sort((a, b) => ((points[a] as Point)[0] as number) - ((points[b] as Point)[0] as number) || ((points[a] as Point)[1] as number) - ((points[b] as Point)[1] as number));
  // lastY[r]: the smallest y of front r so far (non-decreasing in r). A point joins the first front
  // none of whose members dominates it; equal points share a front.
  const lastY: number[] = [];
  const lastX: number[] = [];
  for (const i of order) {
    const [x, y] = points[i] as [number, number];
    let lo = 0;
    let hi = lastY.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const dominated = (lastY[mid] as number) < y || ((lastY[mid] as number) === y && (lastX[mid] as number) < x);
      if (dominated) lo = mid + 1;
      else hi = mid;
    }
    rank[i] = lo;
    lastY[lo] = y;
    lastX[lo] = x;
  }
  return rank;
}

/**
 * Which choices the top trials share, per decision, and how much of the metric's variance each
 * decision explains (η² = between-choice variance / total variance over complete trials), with a
 * 95% bootstrap interval and the η² a decision that does not matter would get by chance. The
 * metric is an objective, any recorded metric (direction given, default min) or `pareto_rank`
 * (the trial's non-dominated rank over the objectives). A warning says when too few trials back it.
 */
export function studyInsights(
  trials: readonly TrialRecord[],
  space: SearchSpace,
  objective: ObjectiveSpec,
  topFraction = 0.1,
  objectives: readonly ObjectiveSpec[] = [objective],
): StudyInsights {
  const rankMetric = objective.metric === PARETO_RANK;
  const complete = trials.filter((t) => t.state === 'complete' && t.sample.length === space.dims.length && (rankMetric ? objectives.every((o) => Number.isFinite(t.metrics[o.metric])) : Number.isFinite(t.metrics[objective.metric])));
  const ranks = rankMetric ? paretoRanks(complete.map((t) => toMinimization(objectives.map((o) => t.metrics[o.metric] as number), objectives))) : [];
  const n = complete.length;
  const values = Float64Array.from(complete, (t, i) => (rankMetric ? (ranks[i] as number) : (t.metrics[objective.metric] as number)));
  const direction = rankMetric ? 'min' : objective.direction;
  const byValue = Array.from({ length: n }, (_, i) => i).sort((a, b) => (direction === 'max' ? (values[b] as number) - (values[a] as number) : (values[a] as number) - (values[b] as number)));
  const topIdx = byValue.slice(0, Math.max(1, Math.round(n * topFraction)));
  const choices = space.dims.map((_, d) => Int32Array.from(complete, (t) => (space.isActive(t.sample, d) ? (t.sample[d] as number) : -1)));
  const sizes = space.dims.map((d) => d.choices.length);
  const all = Int32Array.from({ length: n }, (_, i) => i);
  const importance = etaSquared(all, values, choices, sizes);
  // Bootstrap: resample the complete trials with replacement, recompute every η².
  const boot: number[][] = space.dims.map(() => []);
  if (n >= 3) {
    const rng = new Rng(BOOTSTRAP.seed);
    const rows = new Int32Array(n);
    for (let b = 0; b < BOOTSTRAP.rounds; b++) {
      for (let r = 0; r < n; r++) rows[r] = rng.int(n);
      etaSquared(rows, values, choices, sizes).forEach((v, d) => (boot[d] as number[]).push(v));
    }
  }
  const quantile = (xs: number[], q: number) => {
    const s = xs.slice().sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.max(0, Math.round(q * (s.length - 1))))] as number;
  };
  const decisions = space.dims.map((d, i) => {
    const share = (set: readonly number[]) => {
      const c = new Array<number>(d.choices.length).fill(0);
      let active = 0;
      for (const k of set) {
        const t = complete[k] as TrialRecord;
        if (!space.isActive(t.sample, i)) continue;
        c[t.sample[i] as number]!++;
        active++;
      }
      return c.map((x) => (active ? x / active : 0));
    };
    const b = boot[i] as number[];
    let active = 0;
    for (const c of choices[i] as Int32Array) if (c >= 0) active++;
    return {
      name: d.name,
      active,
      choices: d.choices.map(String),
      topShare: share(topIdx),
      allShare: share(byValue),
      importance: importance[i] as number,
      ...(b.length > 0 ? { importanceCi: [quantile(b, 0.025), quantile(b, 0.975)] as [number, number] } : {}),
      chance: active > 1 ? Math.min(1, (d.choices.length - 1) / (active - 1)) : 1,
    };
  });
  const needed = Math.max(MIN_TRIALS, 5 * Math.max(1, ...sizes));
  const warning =
    n === 0 ? undefined
    : n < needed ? `Only ${n} complete trial${n === 1 ? '' : 's'}: too few for these importances (at least ${needed} are needed for ${space.dims.length} decisions of up to ${Math.max(...sizes)} choices); read them with their intervals.`
    : undefined;
  return { metric: objective.metric, direction, top: n ? topIdx.length : 0, total: n, decisions, ...(warning ? { warning } : {}) };
}

/** The pseudo-metric of `studyInsights`: a trial's Pareto rank over the study's objectives. */
export const PARETO_RANK = 'pareto_rank';

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

/** How many of the latest trials the diversity figure looks at (pairs: window²/2). */
export const DIVERSITY_WINDOW = 200;

/**
 * Resource accounting of a study from its trials: wall and charged hours, evaluations per hour,
 * training time per architecture, and how varied the explored architectures are (distinct
 * fraction; mean pairwise Hamming distance of the decisions over the last `window` trials).
 */
export function studyResources(trials: readonly TrialRecord[], window = DIVERSITY_WINDOW): StudyResources {
  const finished = trials.filter((t) => t.state !== 'running');
  const n = finished.length;
  const wall: number[] = [];
  const cost: number[] = [];
  let first = Infinity;
  let last = -Infinity;
  const keys = new Set<string>();
  for (const t of finished) {
    keys.add(t.key);
    const w = t.finishedAt !== undefined ? Math.max(0, t.finishedAt - t.startedAt) : 0;
    wall.push(w / 1000);
    cost.push(Number.isFinite(t.cost) ? t.cost : 0);
    first = Math.min(first, t.startedAt);
    if (t.finishedAt !== undefined) last = Math.max(last, t.finishedAt);
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const stats = (xs: number[]) => {
    if (xs.length === 0) return { median: 0, max: 0 };
    const s = xs.slice().sort((a, b) => a - b);
    const m = s.length >> 1;
    return { median: s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2, max: s[s.length - 1] as number };
  };
  const spanMs = last - first;
  // Diversity over the latest trials whose samples have the same length (one space).
  const recent = finished.slice(-window).map((t) => t.sample);
  const dims = recent.length > 0 ? (recent[recent.length - 1] as readonly number[]).length : 0;
  const rows = recent.filter((s) => s.length === dims);
  let diversity: number | null = null;
  if (rows.length >= 2 && dims > 0) {
    let total = 0;
    let pairs = 0;
    for (let i = 0; i < rows.length; i++) {
      const a = rows[i] as readonly number[];
      for (let j = i + 1; j < rows.length; j++) {
        const b = rows[j] as readonly number[];
        let d = 0;
        for (let k = 0; k < dims; k++) if (a[k] !== b[k]) d++;
        total += d;
        pairs++;
      }
    }
    diversity = total / pairs / dims;
  }
  return {
    finished: n,
    computeHours: sum(wall) / 3600,
    simulatedHours: sum(cost) / 3600,
    evalsPerHour: n > 0 && spanMs >= 1 ? (n * 3_600_000) / spanMs : null,
    trialSeconds: stats(wall),
    costSeconds: stats(cost),
    uniqueFraction: n > 0 ? keys.size / n : 0,
    diversity,
    window: rows.length,
  };
}
