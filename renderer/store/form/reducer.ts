import type { FieldIssue, SpaceEntry } from '../../api/index.js';
import type { StrategyCatalog, StrategyOptionInfo } from '../../../shared/strategy-info.js';
import type { StudySpec } from '../../../shared/types/index.js';
import type { FormDraft } from './initialState.js';

const num = (t: string): number | undefined => (t.trim() === '' ? undefined : Number(t));

/** Whether the draft's space is searched by training each candidate (its ready spec's evaluator is `train`). */
export function isTraining(d: FormDraft, spaces: readonly SpaceEntry[]): boolean {
  return spaces.find((s) => s.id === d.space)?.defaults?.evaluator.kind === 'train';
}

/** The options the draft's strategy takes (its own, then those every strategy takes), when the catalog is loaded. */
export function optionsOf(catalog: StrategyCatalog | null, strategy: string): readonly StrategyOptionInfo[] {
  if (!catalog) return [];
  return [...(catalog.strategies.find((s) => s.name === strategy)?.options ?? []), ...catalog.common];
}

/** Why an option's text is not acceptable for its kind, or undefined. */
function optionIssue(o: StrategyOptionInfo, text: string): string | undefined {
  const v = text.trim();
  if (v === '') return undefined;
  if (o.kind === 'choice') return o.choices?.includes(v) ? undefined : `${o.name} must be one of ${(o.choices ?? []).join(', ')}.`;
  const n = Number(v);
  if (!Number.isFinite(n)) return `${o.name} must be a number (${o.range}).`;
  if (o.kind === 'integer' && !Number.isInteger(n)) return `${o.name} must be a whole number (${o.range}).`;
  return undefined;
}

/**
 * Checks that need no server: every number well-formed, at least one objective and one budget, and
 * strategy options of the right kind (ranges are main's to check: its message names them).
 */
export function localIssues(d: FormDraft, catalog: StrategyCatalog | null = null, training = false): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const bad = (field: string, message: string) => issues.push({ field, message });
  if (!d.name.trim()) bad('name', 'Give the search a name.');
  if (d.objectives.length === 0) bad('objectives', 'Add at least one objective.');
  const seen = new Set<string>();
  d.objectives.forEach((o, i) => {
    if (!o.metric) bad(`objectives.${i}.metric`, 'Choose a metric.');
    else if (seen.has(o.metric)) bad(`objectives.${i}.metric`, `'${o.metric}' is already an objective.`);
    seen.add(o.metric);
  });
  d.constraints.forEach((c, i) => {
    if (!c.metric) bad(`constraints.${i}.metric`, 'Choose a metric.');
    if (c.value.trim() === '' || !Number.isFinite(Number(c.value))) bad(`constraints.${i}.value`, 'Enter a number.');
  });
  const evals = num(d.budgetEvals);
  const seconds = num(d.budgetSeconds);
  const minutes = num(d.budgetMinutes);
  if (evals !== undefined && !(Number.isInteger(evals) && evals > 0)) bad('budget.evals', 'Evaluations must be a whole number above 0.');
  if (seconds !== undefined && !(Number.isFinite(seconds) && seconds > 0)) bad('budget.seconds', 'Simulated seconds must be a number above 0.');
  if (minutes !== undefined && !(Number.isFinite(minutes) && minutes > 0)) bad('budget.wallMs', 'Minutes must be a number above 0.');
  if (evals === undefined && seconds === undefined && minutes === undefined) bad('budget', 'Set at least one budget: evaluations, simulated seconds or minutes.');
  const seed = num(d.seed);
  if (seed === undefined || !Number.isInteger(seed) || seed < 0 || seed > 0xffffffff) bad('seed', 'The seed is a whole number from 0 to 4294967295.');
  for (const o of optionsOf(catalog, d.strategy)) {
    const why = optionIssue(o, d.options[o.name] ?? '');
    if (why) bad(`strategyOptions.${o.name}`, why);
  }
  const pace = num(d.pace);
  if (pace !== undefined && !(Number.isFinite(pace) && pace >= 0)) bad('evaluator.pace', 'Pace must be a number ≥ 0.');
  if (training) {
    if (!d.data.trim()) bad('evaluator.data', 'Give the data: builtin:fashion-mnist or a path (a .csv file or a folder).');
    const epochs = num(d.epochs);
    if (epochs === undefined || !(Number.isInteger(epochs) && epochs >= 1)) bad('evaluator.epochs', 'Epochs must be a whole number from 1.');
    const workers = num(d.workers);
    if (workers === undefined || !(Number.isInteger(workers) && workers >= 0)) bad('evaluator.workers', 'Workers must be a whole number ≥ 0 (0: train in the server process).');
  }
  return issues;
}

/** The spec the draft stands for (call only when `localIssues` is empty). */
export function toSpec(d: FormDraft, spaces: readonly SpaceEntry[]): StudySpec {
  const base = spaces.find((s) => s.id === d.space)?.defaults;
  // Numbers as numbers, choices as text; an empty field leaves the strategy's default.
  const strategyOptions: Record<string, number | string> = {};
  for (const [k, text] of Object.entries(d.options)) {
    const v = text.trim();
    if (v !== '') strategyOptions[k] = Number.isFinite(Number(v)) ? Number(v) : v;
  }
  const readyEvaluator = base?.evaluator ?? { kind: 'table', tables: [], knownTables: [] };
  // Replay pace only means something for a table evaluator.
  const pace = readyEvaluator.kind === 'table' ? num(d.pace) : undefined;
  // A training search: the data, epochs and workers as typed; as many trials in flight as workers (as the CLI).
  const training = readyEvaluator.kind === 'train';
  const workers = training ? Number(d.workers) : 0;
  const cost = readyEvaluator.kind === 'table' && d.cost.trim() !== '' ? d.cost.trim() : undefined;
  const evaluator = training ? { ...readyEvaluator, data: d.data.trim(), epochs: Number(d.epochs), workers } : cost !== undefined ? { ...readyEvaluator, cost } : readyEvaluator;
  return {
    name: d.name.trim(),
    space: d.space,
    ...(base?.space === d.space && base.spaceOptions ? { spaceOptions: base.spaceOptions } : {}),
    strategy: d.strategy,
    strategyOptions,
    objectives: d.objectives.map((o) => ({ metric: o.metric, direction: o.direction })),
    constraints: d.constraints.map((c) => ({ metric: c.metric, op: c.op, value: Number(c.value) })),
    report: d.report.split(',').map((x) => x.trim()).filter((x) => x && !d.objectives.some((o) => o.metric === x)),
    budget: {
      ...(num(d.budgetEvals) !== undefined ? { evals: Number(d.budgetEvals) } : {}),
      ...(num(d.budgetSeconds) !== undefined ? { seconds: Number(d.budgetSeconds) } : {}),
      ...(num(d.budgetMinutes) !== undefined ? { wallMs: Number(d.budgetMinutes) * 60_000 } : {}),
    },
    seed: Number(d.seed),
    evaluator: pace ? { ...evaluator, pace } : evaluator,
    ...(workers > 1 ? { concurrency: workers } : {}),
  };
}

/** The draft a space's ready spec stands for (what choosing that space in the form fills in). */
export function draftFromDefaults(d: FormDraft, entry: SpaceEntry | undefined): FormDraft {
  const spec = entry?.defaults;
  if (!spec) return { ...d, space: entry?.id ?? d.space };
  const ev = spec.evaluator as { data?: unknown; epochs?: unknown; workers?: unknown; cost?: unknown };
  return {
    ...d,
    name: spec.name,
    space: spec.space,
    strategy: spec.strategy,
    options: Object.fromEntries(Object.entries(spec.strategyOptions ?? {}).map(([k, v]) => [k, String(v)])),
    objectives: spec.objectives.map((o) => ({ metric: o.metric, direction: o.direction })),
    constraints: spec.constraints.map((c) => ({ metric: c.metric, op: c.op, value: String(c.value) })),
    report: spec.report.join(', '),
    budgetEvals: spec.budget.evals !== undefined ? String(spec.budget.evals) : '',
    budgetSeconds: spec.budget.seconds !== undefined ? String(spec.budget.seconds) : '',
    budgetMinutes: spec.budget.wallMs !== undefined ? String(spec.budget.wallMs / 60_000) : '',
    seed: String(spec.seed),
    pace: '',
    cost: typeof ev.cost === 'string' ? ev.cost : '',
    data: typeof ev.data === 'string' ? ev.data : '',
    epochs: typeof ev.epochs === 'number' ? String(ev.epochs) : '',
    workers: typeof ev.workers === 'number' ? String(ev.workers) : '',
  };
}

/**
 * The draft after choosing another space: what the user changed since the current space was filled in
 * (`base`, the draft as it was then) stays — name, strategy and options, budget, seed, data, epochs,
 * workers…; the rest comes from the new space's ready spec. Objectives, constraints and the report stay
 * only when the new space has their metrics.
 */
export function switchSpace(d: FormDraft, base: FormDraft, to: SpaceEntry | undefined): FormDraft {
  const next = draftFromDefaults(d, to);
  if (!to?.defaults) return next;
  const edited = <K extends keyof FormDraft>(k: K) => JSON.stringify(d[k]) !== JSON.stringify(base[k]);
  const known = new Set(to.metrics.map((m) => m.name));
  const metricsKnown = (k: 'objectives' | 'constraints' | 'report') =>
    k === 'report' ? d.report.split(',').map((x) => x.trim()).filter(Boolean).every((m) => known.has(m)) : d[k].every((x) => known.has(x.metric));
  const out: Record<string, unknown> = { ...next };
  for (const k of Object.keys(next) as (keyof FormDraft)[]) {
    if (k === 'space' || k === 'strategy' || k === 'options' || !edited(k)) continue;
    if ((k === 'objectives' || k === 'constraints' || k === 'report') && !metricsKnown(k)) continue;
    // A field the new space has no use for (e.g. epochs for a table search) keeps its text for a switch back.
    out[k] = d[k];
  }
  // The options belong to the strategy: both stay when either was changed, else both come from the new space.
  if (edited('strategy') || edited('options')) Object.assign(out, { strategy: d.strategy, options: d.options });
  return out as unknown as FormDraft;
}

/** The first issue for a field or any of its sub-fields (`budget` matches `budget.evals`). */
export function issueFor(issues: readonly FieldIssue[], field: string): FieldIssue | undefined {
  return issues.find((i) => i.field === field) ?? issues.find((i) => i.field.startsWith(`${field}.`));
}

/** The draft with another strategy: its own options start from their defaults, the common ones (zero-cost filter) stay. */
export function withStrategy(d: FormDraft, strategy: string, catalog: StrategyCatalog | null): FormDraft {
  const common = new Set((catalog?.common ?? []).map((o) => o.name));
  return { ...d, strategy, options: Object.fromEntries(Object.entries(d.options).filter(([k]) => common.has(k))) };
}
