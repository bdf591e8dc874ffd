import { errorMessage } from '../../../shared/errors.js';
import type { StudyRecord } from '../../../shared/types/index.js';
import type { Store } from '../../core/store.js';
import { describeHolder } from '../../core/store-rules.js';
import { liveLease } from '../../services/lease.js';
import { flag, parse, str } from '../args.js';
import { DB_OPTION, openStore, studySummary } from '../common.js';
import { date, fmt, table } from '../format.js';
import type { CliIO } from '../io.js';

export const RUNS_HELP = `Usage: frontier runs [--db PATH] [--json]

Lists every search in the database, newest first: status, space, strategy, evaluations, the best
value of the first objective and the size of the Pareto front. A search shown 'running' is being
run by a live process (its pid and host are given); 'interrupted' is one whose process died
('frontier resume <id>' continues it). A study whose stored record is damaged is named on stderr,
and the others are still listed.
`;

/** `running (pid 12 on host 'box')` while a live process holds the lease; `interrupted` when it died. */
export function statusText(store: Store, rec: StudyRecord, now = Date.now()): string {
  if (rec.status !== 'running') return rec.status;
  const lease = liveLease(store, rec.id, now);
  return lease ? `running (${describeHolder(lease, now)})` : 'interrupted';
}

export async function runsCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('runs', argv, { ...DB_OPTION, json: { type: 'boolean' } });
  if (flag(p, 'help')) {
    io.out(RUNS_HELP);
    return 0;
  }
  const store = openStore(io, str(p, 'db'), { readonly: true });
  try {
    const damaged: { id: string; error: string }[] = [];
    const rows = store.listStudies((id, e) => damaged.push({ id, error: e.message })).map((rec) => {
      const o = rec.spec.objectives[0];
      try {
        const { summary } = studySummary(store, rec);
        const best = o ? summary.best[o.metric]?.metrics[o.metric] : undefined;
        return { rec, best, front: summary.front.length, objective: o, error: undefined };
      } catch (e) {
        // A damaged trial row: the study is listed, its results are not.
        return { rec, best: undefined, front: 0, objective: o, error: errorMessage(e) };
      }
    });
    for (const d of damaged) io.err(`frontier: ${d.error}\n`);
    for (const r of rows) if (r.error) io.err(`frontier: ${r.error.includes(`study ${r.rec.id}`) ? '' : `study ${r.rec.id}: `}${r.error}\n`);
    if (flag(p, 'json')) {
      const listed: Record<string, unknown>[] = rows.map(({ rec, best, front, objective, error }) => ({
        id: rec.id, name: rec.spec.name, status: rec.status, space: rec.spec.space, strategy: rec.spec.strategy,
        evaluations: rec.progress.evals, bestObjective: objective?.metric ?? null, best: best ?? null, frontSize: front,
        createdAt: rec.createdAt, finishedAt: rec.finishedAt ?? null, runningBy: runningBy(store, rec),
        ...(error ? { error } : {}),
      }));
      for (const d of damaged) listed.push({ id: d.id, damaged: true, error: d.error });
      io.out(JSON.stringify(listed, null, 2) + '\n');
      return damaged.length > 0 || rows.some((r) => r.error) ? 1 : 0;
    }
    if (rows.length === 0 && damaged.length === 0) {
      io.out("no searches yet: start one with 'frontier search'\n");
      return 0;
    }
    io.out(table(
      ['id', 'name', 'status', 'space', 'strategy', 'evals', 'best', 'front', 'started'],
      [
        ...rows.map(({ rec, best, front, objective, error }) => [
          rec.id, rec.spec.name, statusText(store, rec), rec.spec.space, rec.spec.strategy, String(rec.progress.evals),
          error ? 'damaged trial rows' : best === undefined ? '' : `${objective?.metric} ${fmt(best)}`, String(front), date(rec.startedAt ?? rec.createdAt),
        ]),
        ...damaged.map((d) => [d.id, '(damaged record)', '?', '', '', '', '', '', '']),
      ].sort((a, b) => Number(b[0]) - Number(a[0])),
    ));
    return damaged.length > 0 || rows.some((r) => r.error) ? 1 : 0;
  } finally {
    store.close();
  }
}

function runningBy(store: Store, rec: StudyRecord): { pid: number; host: string; heartbeatAt: number } | null {
  if (rec.status !== 'running') return null;
  const l = liveLease(store, rec.id);
  return l ? { pid: l.pid, host: l.host, heartbeatAt: l.heartbeatAt } : null;
}
