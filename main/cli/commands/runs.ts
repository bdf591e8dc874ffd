import { flag, parse, str } from '../args.js';
import { DB_OPTION, openStore, studySummary } from '../common.js';
import { date, fmt, table } from '../format.js';
import type { CliIO } from '../io.js';

export const RUNS_HELP = `Usage: frontier runs [--db PATH] [--json]

Lists every search in the database, newest first: status, space, strategy, evaluations, the best
value of the first objective and the size of the Pareto front.
`;

export async function runsCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('runs', argv, { ...DB_OPTION, json: { type: 'boolean' } });
  if (flag(p, 'help')) {
    io.out(RUNS_HELP);
    return 0;
  }
  const store = openStore(io, str(p, 'db'));
  try {
    const rows = store.listStudies().map((rec) => {
      const { summary } = studySummary(store, rec);
      const o = rec.spec.objectives[0];
      const best = o ? summary.best[o.metric]?.metrics[o.metric] : undefined;
      return { rec, best, front: summary.front.length, objective: o };
    });
    if (flag(p, 'json')) {
      io.out(JSON.stringify(rows.map(({ rec, best, front, objective }) => ({
        id: rec.id, name: rec.spec.name, status: rec.status, space: rec.spec.space, strategy: rec.spec.strategy,
        evaluations: rec.progress.evals, bestObjective: objective?.metric ?? null, best: best ?? null, frontSize: front,
        createdAt: rec.createdAt, finishedAt: rec.finishedAt ?? null,
      })), null, 2) + '\n');
      return 0;
    }
    if (rows.length === 0) {
      io.out("no searches yet: start one with 'frontier search'\n");
      return 0;
    }
    io.out(table(
      ['id', 'name', 'status', 'space', 'strategy', 'evals', 'best', 'front', 'started'],
      rows.map(({ rec, best, front, objective }) => [
        rec.id, rec.spec.name, rec.status, rec.spec.space, rec.spec.strategy, String(rec.progress.evals),
        best === undefined ? '' : `${objective?.metric} ${fmt(best)}`, String(front), date(rec.startedAt ?? rec.createdAt),
      ]),
    ));
    return 0;
  } finally {
    store.close();
  }
}
