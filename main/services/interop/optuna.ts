import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import { errorMessage, NasError } from '../../../shared/errors.js';
import type { Choice, CurvePoint, ObjectiveSpec, StudySpec } from '../../../shared/types/index.js';
import { ImportedSpace } from '../../core/spaces/imported.js';
import type { ImportPlan, ImportTrial } from './import-study.js';

/**
 * Reads one study of an Optuna RDB storage (a SQLite file, `sqlite:///study.db`), following Optuna's
 * schema of v3.x (alembic revision v3.2.0.a; the tables it reads are unchanged since v2.4): `studies`,
 * `study_directions`, `trials`, `trial_params` (`param_value` is the internal value: the index of
 * the choice for a CategoricalDistribution, the number itself otherwise, described by
 * `distribution_json`), `trial_values` (`value_type` FINITE / INF_POS / INF_NEG, from v3.0),
 * `trial_user_attributes`, `trial_intermediate_values`, and `study_system_attributes` for the
 * objective names (`study:metric_names`, set by `study.set_metric_names`, v3.2).
 *
 * Mapping: each parameter becomes a categorical decision of an imported space (the values its trials
 * took); objectives are the metric names (default `value`, or `value_0`, `value_1`… for several) with
 * their directions; numeric user attributes become metrics (reported), intermediate values the curve
 * `intermediate`; COMPLETE → complete, PRUNED → pruned, FAIL → failed, RUNNING/WAITING → failed with
 * that reason; cost = the trial's duration in seconds.
 */
export function planOptunaImport(dbPath: string, studyName: string | undefined): ImportPlan {
  const source = `optuna:${dbPath}${studyName ? `#${studyName}` : ''}`;
  const bad = (message: string, cause?: unknown) => new NasError('invalid-input', `${dbPath}: ${message}`, cause === undefined ? undefined : { cause });
  if (!existsSync(dbPath)) throw new NasError('invalid-input', `${dbPath}: no such file`);
  let db: Database.Database;
  try {
    db = new Database(dbPath, { readonly: true, fileMustExist: true });
    db.prepare('SELECT 1 FROM sqlite_master LIMIT 1').get();
  } catch (e) {
    throw bad(`not a SQLite database (${errorMessage(e)})`, e);
  }
  try {
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
    const missing = ['studies', 'study_directions', 'trials', 'trial_params', 'trial_values'].filter((t) => !tables.has(t));
    if (missing.length) throw bad(`not an Optuna storage: no table ${missing.join(', ')}`);
    const studies = db.prepare('SELECT study_id, study_name FROM studies ORDER BY study_id').all() as { study_id: number; study_name: string }[];
    if (studies.length === 0) throw bad('the Optuna storage has no study');
    let study = studies[0] as (typeof studies)[number];
    if (studyName === undefined) {
      if (studies.length > 1) throw bad(`it holds ${studies.length} studies: choose one with --study NAME (${studies.map((s) => s.study_name).join(', ')})`);
    } else {
      const found = studies.find((s) => s.study_name === studyName);
      if (!found) throw bad(`no study named '${studyName}' (it has ${studies.map((s) => s.study_name).join(', ')})`);
      study = found;
    }
    const directions = db.prepare('SELECT direction, objective FROM study_directions WHERE study_id = ? ORDER BY objective').all(study.study_id) as { direction: string; objective: number }[];
    if (directions.length === 0) throw bad(`study '${study.study_name}' has no direction`);
    let names: string[] = directions.length === 1 ? ['value'] : directions.map((_, i) => `value_${i}`);
    const notes: string[] = [];
    if (tables.has('study_system_attributes')) {
      const row = db.prepare("SELECT value_json FROM study_system_attributes WHERE study_id = ? AND key = 'study:metric_names'").get(study.study_id) as { value_json: string } | undefined;
      if (row) {
        try {
          const given = JSON.parse(row.value_json) as unknown;
          if (Array.isArray(given) && given.length === directions.length && given.every((n) => typeof n === 'string' && n)) names = given as string[];
        } catch {
          notes.push('its metric names could not be read; objectives are named value…');
        }
      }
    }
    const objectives: ObjectiveSpec[] = directions.map((d, i) => {
      if (d.direction !== 'MINIMIZE' && d.direction !== 'MAXIMIZE') throw bad(`objective ${i} has direction ${d.direction} (expected MINIMIZE or MAXIMIZE)`);
      return { metric: names[i] as string, direction: d.direction === 'MAXIMIZE' ? 'max' : 'min' };
    });

    const trials = db.prepare('SELECT trial_id, number, state, datetime_start, datetime_complete FROM trials WHERE study_id = ? ORDER BY number').all(study.study_id) as { trial_id: number; number: number; state: string; datetime_start: string | null; datetime_complete: string | null }[];
    const params = db.prepare('SELECT p.trial_id, p.param_name, p.param_value, p.distribution_json FROM trial_params p JOIN trials t ON t.trial_id = p.trial_id WHERE t.study_id = ? ORDER BY p.param_id').all(study.study_id) as { trial_id: number; param_name: string; param_value: number; distribution_json: string }[];
    const valueCols = new Set((db.prepare('PRAGMA table_info(trial_values)').all() as { name: string }[]).map((c) => c.name));
    const values = db.prepare(`SELECT v.trial_id, v.objective, v.value${valueCols.has('value_type') ? ', v.value_type' : ''} FROM trial_values v JOIN trials t ON t.trial_id = v.trial_id WHERE t.study_id = ?`).all(study.study_id) as { trial_id: number; objective: number; value: number | null; value_type?: string }[];
    const attrs = tables.has('trial_user_attributes') ? (db.prepare('SELECT a.trial_id, a.key, a.value_json FROM trial_user_attributes a JOIN trials t ON t.trial_id = a.trial_id WHERE t.study_id = ?').all(study.study_id) as { trial_id: number; key: string; value_json: string }[]) : [];
    const inter = tables.has('trial_intermediate_values') ? (db.prepare('SELECT i.trial_id, i.step, i.intermediate_value FROM trial_intermediate_values i JOIN trials t ON t.trial_id = i.trial_id WHERE t.study_id = ? ORDER BY i.step').all(study.study_id) as { trial_id: number; step: number; intermediate_value: number | null }[]) : [];

    // Parameters: the value each trial took (categorical choices by their index), in order first seen.
    const paramNames: string[] = [];
    const choices = new Map<string, Choice[]>();
    const taken = new Map<number, Map<string, Choice>>();
    for (const p of params) {
      let dist: { name?: string; attributes?: { choices?: unknown[] } };
      try {
        dist = JSON.parse(p.distribution_json) as typeof dist;
      } catch (e) {
        throw bad(`trial_params: parameter '${p.param_name}' has a distribution that is not JSON`, e);
      }
      let v: Choice;
      if (dist.name === 'CategoricalDistribution') {
        const c = dist.attributes?.choices?.[p.param_value];
        if (c === undefined) throw bad(`trial_params: parameter '${p.param_name}' has choice index ${p.param_value} outside its ${dist.attributes?.choices?.length ?? 0} choices`);
        v = c === null ? 'None' : typeof c === 'object' ? JSON.stringify(c) : (c as Choice);
      } else if (typeof p.param_value === 'number' && Number.isFinite(p.param_value)) {
        v = p.param_value;
      } else {
        throw bad(`trial_params: parameter '${p.param_name}' has value ${String(p.param_value)}`);
      }
      if (!choices.has(p.param_name)) {
        paramNames.push(p.param_name);
        choices.set(p.param_name, []);
      }
      const list = choices.get(p.param_name) as Choice[];
      if (!list.includes(v)) list.push(v);
      if (!taken.has(p.trial_id)) taken.set(p.trial_id, new Map());
      (taken.get(p.trial_id) as Map<string, Choice>).set(p.param_name, v);
    }
    const UNSET = '(unset)';
    for (const name of paramNames) {
      if (trials.some((t) => !taken.get(t.trial_id)?.has(name))) (choices.get(name) as Choice[]).push(UNSET);
    }
    if (paramNames.length === 0) {
      paramNames.push('trial');
      choices.set('trial', trials.map((t) => t.number));
      notes.push('it has no parameters: each trial is its own architecture');
    }
    const spaceOptions = { source, params: paramNames.map((name) => ({ name, choices: choices.get(name) as Choice[] })) };
    const space = new ImportedSpace(spaceOptions);

    const reported = new Set<string>();
    const skippedAttrs = new Set<string>();
    const time = (s: string | null) => {
      if (!s) return undefined;
      const ms = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(s) ? s : `${s.replace(' ', 'T')}Z`);
      return Number.isFinite(ms) ? ms : undefined;
    };
    const out: ImportTrial[] = trials.map((t) => {
      const sample = paramNames.map((name) => {
        const list = choices.get(name) as Choice[];
        const v = name === 'trial' && !taken.size ? t.number : (taken.get(t.trial_id)?.get(name) ?? UNSET);
        return list.indexOf(v);
      });
      const metrics: Record<string, number> = {};
      for (const v of values.filter((x) => x.trial_id === t.trial_id)) {
        const name = names[v.objective];
        if (name === undefined) throw bad(`trial ${t.number} has a value for objective ${v.objective}, but the study has ${names.length}`);
        const n = v.value_type === 'INF_POS' ? Infinity : v.value_type === 'INF_NEG' ? -Infinity : v.value;
        if (typeof n === 'number' && !Number.isNaN(n) && Number.isFinite(n)) metrics[name] = n;
      }
      for (const a of attrs.filter((x) => x.trial_id === t.trial_id)) {
        let v: unknown;
        try {
          v = JSON.parse(a.value_json);
        } catch {
          v = undefined;
        }
        if (typeof v === 'number' && Number.isFinite(v) && !names.includes(a.key)) {
          metrics[a.key] = v;
          reported.add(a.key);
        } else skippedAttrs.add(a.key);
      }
      const curve: CurvePoint[] = inter.filter((x) => x.trial_id === t.trial_id && typeof x.intermediate_value === 'number' && Number.isFinite(x.intermediate_value)).map((x) => ({ step: x.step, metric: 'intermediate', value: x.intermediate_value as number }));
      const start = time(t.datetime_start) ?? 0;
      const end = time(t.datetime_complete) ?? start;
      let state: ImportTrial['state'];
      let error: string | undefined;
      if (t.state === 'COMPLETE') {
        state = 'complete';
        const lacking = objectives.filter((o) => metrics[o.metric] === undefined).map((o) => o.metric);
        if (lacking.length) {
          state = 'failed';
          error = `COMPLETE in Optuna without a finite ${lacking.join(', ')}`;
        }
      } else if (t.state === 'PRUNED') state = 'pruned';
      else if (t.state === 'FAIL') {
        state = 'failed';
        error = 'FAIL in Optuna';
      } else if (t.state === 'RUNNING' || t.state === 'WAITING') {
        state = 'failed';
        error = `${t.state} in the Optuna study when imported`;
      } else throw bad(`trial ${t.number} has state ${t.state} (expected COMPLETE, PRUNED, FAIL, RUNNING or WAITING)`);
      return { key: space.freeze(sample).key, sample, state, metrics, fidelity: Object.fromEntries(Object.keys(metrics).map((m) => [m, 'optuna'])), cost: Math.max(0, (end - start) / 1000), ...(error ? { error } : {}), startedAt: start, finishedAt: end, ...(curve.length ? { curve } : {}) };
    });
    if (skippedAttrs.size) notes.push(`user attributes that are not numbers were left out: ${[...skippedAttrs].join(', ')}`);
    const spec: StudySpec = {
      name: `optuna: ${study.study_name}`, space: 'imported', spaceOptions, strategy: 'random', strategyOptions: {}, objectives, constraints: [],
      report: [...reported], budget: { evals: Math.max(1, out.length) }, seed: 0, evaluator: { kind: 'imported', source },
    };
    return { spec, trials: out, source, notes };
  } finally {
    db.close();
  }
}
