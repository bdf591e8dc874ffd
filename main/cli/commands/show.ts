import { formatConstraint } from '../../core/objectives.js';
import { flag, parse, str } from '../args.js';
import { DB_OPTION, frontTable, openStore, printStudyResult, requireStudy, studyJson, studySummary } from '../common.js';
import { date } from '../format.js';
import type { CliIO } from '../io.js';
import { statusText } from './runs.js';

export const SHOW_HELP = `Usage: frontier show <id> [--db PATH] [--json]

Shows one search: its settings, progress, best trial per objective and Pareto front.
`;

export const PARETO_HELP = `Usage: frontier pareto <id> [--db PATH] [--json]

Prints the Pareto front of a search (one row per non-dominated architecture, best first).
`;

export async function showCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('show', argv, { ...DB_OPTION, json: { type: 'boolean' } }, 1);
  if (flag(p, 'help')) {
    io.out(SHOW_HELP);
    return 0;
  }
  const store = openStore(io, str(p, 'db'), { readonly: true });
  try {
    const rec = requireStudy(store, p.positionals[0], 'show');
    const { summary } = studySummary(store, rec);
    if (flag(p, 'json')) {
      io.out(JSON.stringify({ ...studyJson(rec, summary), spec: rec.spec, createdAt: rec.createdAt, startedAt: rec.startedAt ?? null, finishedAt: rec.finishedAt ?? null, error: rec.error ?? null }, null, 2) + '\n');
      return 0;
    }
    const s = rec.spec;
    io.out(`study ${rec.id} "${s.name}" — ${statusText(store, rec)}${rec.error ? `: ${rec.error}` : ''}\n`);
    io.out(`space ${s.space}, strategy ${s.strategy}${Object.keys(s.strategyOptions ?? {}).length ? ` ${JSON.stringify(s.strategyOptions)}` : ''}, seed ${s.seed}\n`);
    io.out(`objectives ${s.objectives.map((o) => `${o.metric}:${o.direction}`).join(', ')}`);
    io.out(s.constraints.length ? `; constraints ${s.constraints.map(formatConstraint).join(', ')}\n` : '\n');
    const b = s.budget;
    io.out(`budget ${[b.evals && `${b.evals} evals`, b.seconds && `${b.seconds} simulated s`, b.wallMs && `${b.wallMs / 1000} s wall`].filter(Boolean).join(', ')}\n`);
    io.out(`created ${date(rec.createdAt)}${rec.finishedAt ? `, finished ${date(rec.finishedAt)}` : ''}\n`);
    printStudyResult(io, rec, summary);
    return 0;
  } finally {
    store.close();
  }
}

export async function paretoCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('pareto', argv, { ...DB_OPTION, json: { type: 'boolean' } }, 1);
  if (flag(p, 'help')) {
    io.out(PARETO_HELP);
    return 0;
  }
  const store = openStore(io, str(p, 'db'), { readonly: true });
  try {
    const rec = requireStudy(store, p.positionals[0], 'pareto');
    const { summary } = studySummary(store, rec);
    if (flag(p, 'json')) io.out(JSON.stringify(studyJson(rec, summary).pareto, null, 2) + '\n');
    else if (summary.front.length === 0) io.out('no complete trial yet, so no Pareto front\n');
    else io.out(frontTable(rec, summary.front));
    return 0;
  } finally {
    store.close();
  }
}
