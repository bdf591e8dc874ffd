import { flag, parse, str } from '../args.js';
import { DB_OPTION, openStore, requireStudy } from '../common.js';
import { UsageError, type CliIO } from '../io.js';
import { runWithProgress } from '../run-study.js';
import { studyBusy } from '../../core/store-rules.js';
import { liveLease } from '../../services/lease.js';
import { isOneShotStrategy } from '../../services/train/one-shot-study.js';
import { SUPERNET_TRAIN } from '../../services/train/supernet-train-study.js';
import { enasMobilenetResume } from './enas-mobilenet.js';
import { enasCommand, resumeOneShotStudy } from './one-shot.js';
import { resumeSupernetTraining } from './supernet.js';
import { phoneSerials } from '../../services/queue/phone-protocol.js';
import { remoteEvaluatorFor } from '../../services/queue/remote-evaluator.js';

export const RESUME_HELP = `Usage: frontier resume <id> [--db PATH] [--json] [--redis URL [--queue NAME]]

Continues a stopped or killed search from its last finished trial (a DARTS or ENAS run: from the
checkpoint of its last epoch, ending exactly as a run never stopped, or from the beginning when it
was stopped before its first checkpoint; a supernet's training: from its last checkpoint): no
finished trial is lost or
repeated, and with one trial at a time the result is the same as an uninterrupted run. A search
that another live process is running is refused (naming its pid and host); one left by a process
that died on this machine, or silent for 30 s, is taken over. With --redis URL the trials are
evaluated on 'frontier worker' processes (see 'frontier search --help'); trials a killed search
left on the workers are re-attached (same jobs), not evaluated again.
`;

export async function resumeCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('resume', argv, { ...DB_OPTION, json: { type: 'boolean' }, redis: { type: 'string' }, queue: { type: 'string' } }, 1);
  if (flag(p, 'help')) {
    io.out(RESUME_HELP);
    return 0;
  }
  const store = openStore(io, str(p, 'db'));
  try {
    const rec = requireStudy(store, p.positionals[0], 'resume');
    if (rec.status === 'complete') throw new UsageError(`resume: study ${rec.id} is already complete`);
    if (rec.status === 'failed') throw new UsageError(`resume: study ${rec.id} failed and cannot be resumed: ${rec.error ?? 'unknown error'}`);
    const held = liveLease(store, rec.id);
    if (held) throw studyBusy(held, Date.now());
    const cliRun = { ...(str(p, 'db') !== undefined ? { db: str(p, 'db') } : {}), json: flag(p, 'json') };
    if (rec.spec.strategy === 'enas' && rec.spec.space === 'mobilenet') {
      const r = enasMobilenetResume(store, rec, io, cliRun);
      return await enasCommand(r.args, io, r.startsOver);
    }
    if (isOneShotStrategy(rec.spec.strategy)) return await resumeOneShotStudy(store, rec, io, cliRun);
    if (rec.spec.strategy === SUPERNET_TRAIN) return await resumeSupernetTraining(rec, io, cliRun);
    if (!flag(p, 'json')) io.err(`resuming study ${rec.id} at ${rec.progress.evals} evaluations\n`);
    const redis = str(p, 'redis');
    const phones = phoneSerials(rec.spec);
    if (redis === undefined && phones.length > 0 && (rec.spec.evaluator.kind === 'train' || rec.spec.evaluator.kind === 'table')) {
      throw new UsageError(`resume: study ${rec.id} measures ${phones.map((s) => `latency:${s}`).join(', ')} on the phones of workers: resume it with --redis URL`);
    }
    if (redis === undefined) return await runWithProgress(io, store, rec.id, flag(p, 'json'));
    const remote = await remoteEvaluatorFor(store, rec.id, { redisUrl: redis, ...(str(p, 'queue') ? { queue: str(p, 'queue') } : {}) });
    try {
      return await runWithProgress(io, store, rec.id, flag(p, 'json'), remote);
    } finally {
      await remote.close();
    }
  } finally {
    store.close();
  }
}
