import { resolve } from 'node:path';
import { errorMessage } from '../../../shared/errors.js';
import type { ObjectiveSpec } from '../../../shared/types/index.js';
import { parseObjective } from '../../core/objectives.js';
import { planCsvImport, planJsonImport, readText, writeImport, type ImportPlan } from '../../services/interop/import-study.js';
import { planOptunaImport } from '../../services/interop/optuna.js';
import { flag, list, parse, str } from '../args.js';
import { DB_OPTION, openStore } from '../common.js';
import { UsageError, type CliIO } from '../io.js';
import { spaceRef } from '../space-ref.js';

export const IMPORT_HELP = `Usage: frontier import FILE.json|FILE.csv [options]
       frontier import --optuna STUDY.db [--study NAME] [options]

Adds a finished search to the database, to compare it with others on the same charts:
  FILE.json                what 'frontier export ID --format json' writes: the settings and every
                           trial come back as they were (a new study id)
  FILE.csv                 what 'frontier export ID --format csv' writes; a CSV has no settings, so
                           give --space and every --objective
  --optuna DB              an Optuna SQLite storage (optuna.create_study(storage='sqlite:///DB')):
                           each parameter becomes a decision (the values its trials took), the
                           objectives are the study's metric names (default value, value_0…) and
                           directions, numeric user attributes are reported metrics, intermediate
                           values the curve 'intermediate'
  --study NAME             which study of the Optuna storage (needed when it holds several)
  --space NAME|FILE        CSV: the space of its architectures (nb201, mobilenet or a space file)
  --objective METRIC:DIR   CSV: an objective, repeatable (a column of the file)
  --name NAME              CSV: the study's name (default: the file's name)
  --db PATH                database file (default: the app-data folder, or $FRONTIER_DB)
  --json                   print the new study's id and counts as JSON
Nothing is written unless the whole file is valid; a bad file is refused with the line or trial.
`;

export async function importCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('import', argv, {
    ...DB_OPTION, optuna: { type: 'string' }, study: { type: 'string' }, space: { type: 'string' },
    objective: { type: 'string', multiple: true }, name: { type: 'string' }, json: { type: 'boolean' },
  }, 1);
  if (flag(p, 'help')) {
    io.out(IMPORT_HELP);
    return 0;
  }
  const file = p.positionals[0];
  const optuna = str(p, 'optuna');
  if (optuna !== undefined && file !== undefined) throw new UsageError('import: give either FILE or --optuna DB, not both');
  if (optuna === undefined && file === undefined) throw new UsageError('import: which file? give FILE.json, FILE.csv or --optuna DB (see frontier import --help)');
  if (optuna === undefined && str(p, 'study') !== undefined) throw new UsageError('import: --study NAME chooses a study of an Optuna storage (--optuna DB)');
  let plan: ImportPlan;
  if (optuna !== undefined) {
    for (const o of ['space', 'objective', 'name']) if (p.values[o] !== undefined) throw new UsageError(`import: --${o} is for CSV files; an Optuna study has its own`);
    plan = planOptunaImport(resolve(io.cwd, optuna), str(p, 'study'));
  } else {
    const path = resolve(io.cwd, file as string);
    const lower = path.toLowerCase();
    if (lower.endsWith('.json')) {
      for (const o of ['space', 'objective', 'name']) if (p.values[o] !== undefined) throw new UsageError(`import: --${o} is for CSV files; a JSON export has its settings`);
      plan = planJsonImport(readText(path), file as string);
    } else if (lower.endsWith('.csv')) {
      const spaceText = str(p, 'space');
      if (spaceText === undefined) throw new UsageError('import: a CSV has no settings: give --space NAME|FILE and --objective METRIC:min|max');
      let objectives: ObjectiveSpec[];
      try {
        objectives = list(p, 'objective').map(parseObjective);
      } catch (e) {
        throw new UsageError(errorMessage(e));
      }
      const name = str(p, 'name');
      plan = planCsvImport(readText(path), file as string, { space: spaceRef(spaceText, io), objectives, ...(name ? { name } : {}) });
    } else {
      throw new UsageError(`import: ${file} must be a .json or .csv export (or use --optuna DB)`);
    }
  }
  const store = openStore(io, str(p, 'db'));
  try {
    const rec = writeImport(store, plan, Date.now());
    const complete = plan.trials.filter((t) => t.state === 'complete').length;
    if (flag(p, 'json')) io.out(`${JSON.stringify({ studyId: rec.id, name: rec.spec.name, trials: plan.trials.length, complete, objectives: rec.spec.objectives, notes: plan.notes }, null, 2)}\n`);
    else {
      io.out(`imported ${plan.trials.length} trials (${complete} complete) as study ${rec.id}: ${rec.spec.name}, objectives ${rec.spec.objectives.map((o) => `${o.metric}:${o.direction}`).join(', ')}\n`);
      for (const n of plan.notes) io.err(`frontier: note: ${n}\n`);
    }
    return 0;
  } finally {
    store.close();
  }
}
