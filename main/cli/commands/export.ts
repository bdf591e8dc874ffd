import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { errorMessage } from '../../../shared/errors.js';
import type { StudyRecord, TrialRecord } from '../../../shared/types/index.js';
import { summarize } from '../../core/summary.js';
import { flag, parse, str } from '../args.js';
import { DB_OPTION, openStore, requireStudy, studyJson } from '../common.js';
import { UsageError, type CliIO } from '../io.js';

export const EXPORT_HELP = `Usage: frontier export <id> --format csv|json [--out FILE] [--db PATH]

Writes every trial of a search (number, state, architecture, cost, every metric, error) as CSV,
or the whole study (settings, summary, trials) as JSON, to FILE or standard output.
`;

function csvCell(v: string): string {
  return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export function trialsCsv(trials: readonly TrialRecord[]): string {
  const metrics = [...new Set(trials.flatMap((t) => Object.keys(t.metrics)))].sort();
  const header = ['trial', 'state', 'architecture', 'cost', ...metrics, 'error'];
  const rows = trials.map((t) => [
    String(t.number), t.state, t.key, String(t.cost),
    ...metrics.map((m) => (t.metrics[m] === undefined ? '' : String(t.metrics[m]))), t.error ?? '',
  ]);
  return [header, ...rows].map((r) => r.map(csvCell).join(',')).join('\n') + '\n';
}

export function studyExportJson(rec: StudyRecord, trials: readonly TrialRecord[]): string {
  const summary = summarize(trials, rec.spec.objectives);
  return JSON.stringify({ ...studyJson(rec, summary), spec: rec.spec, trials }, null, 2) + '\n';
}

export async function exportCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('export', argv, { ...DB_OPTION, format: { type: 'string' }, out: { type: 'string', short: 'o' } }, 1);
  if (flag(p, 'help')) {
    io.out(EXPORT_HELP);
    return 0;
  }
  const format = str(p, 'format');
  if (format !== 'csv' && format !== 'json') throw new UsageError(`export: --format must be csv or json${format ? `, got '${format}'` : ''}`);
  const store = openStore(io, str(p, 'db'), { readonly: true });
  try {
    const rec = requireStudy(store, p.positionals[0], 'export');
    const trials = store.getTrials(rec.id);
    const text = format === 'csv' ? trialsCsv(trials) : studyExportJson(rec, trials);
    const out = str(p, 'out');
    if (!out) io.out(text);
    else {
      try {
        writeFileSync(resolve(io.cwd, out), text);
      } catch (e) {
        throw new UsageError(`export: cannot write ${out}: ${errorMessage(e)}`);
      }
      io.err(`wrote ${trials.length} trials to ${out}\n`);
    }
    return 0;
  } finally {
    store.close();
  }
}
