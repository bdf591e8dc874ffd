import { errorMessage, StudyBusy } from '../../shared/errors.js';
import { describeHolder } from '../core/store-rules.js';
import { CancellationTokenSource } from '../core/cancellation.js';
import type { Evaluator } from '../core/evaluator.js';
import type { Store } from '../core/store.js';
import { runStudy } from '../services/studies.js';
import { printStudyResult, studyJson, studySummary } from './common.js';
import type { CliIO } from './io.js';
import { ProgressReporter } from './progress.js';

/**
 * Runs (or resumes) a stored study with a progress display; Ctrl-C stops it cleanly so that
 * `frontier resume` continues it, a second Ctrl-C exits at once. Returns the exit code.
 */
export async function runWithProgress(io: CliIO, store: Store, id: string, json: boolean, evaluator?: Evaluator): Promise<number> {
  const cts = new CancellationTokenSource();
  let interrupts = 0;
  const onSigint = () => {
    if (++interrupts > 1) process.exit(130);
    io.err(`\nstopping study ${id} after the trials in flight… (Ctrl-C again to quit now)\n`);
    cts.cancel();
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const before = store.getStudy(id);
  const reporter = new ProgressReporter(io, `study ${id}`);
  try {
    const outcome = await runStudy(store, id, cts.token, {
      onProgress: (p, f) => reporter.update(p, f),
      onTakeover: (l) => io.err(`study ${id} was left running by ${describeHolder(l, Date.now())}, which is gone: taking it over\n`),
    }, undefined, evaluator);
    reporter.finish();
    const rec = store.getStudy(id) ?? before;
    if (!rec) return 1;
    const { summary } = studySummary(store, rec);
    if (json) {
      io.out(JSON.stringify(studyJson(rec, summary, { reason: outcome.reason }), null, 2) + '\n');
    } else {
      io.out(`study ${id} ${outcome.status}: ${outcome.reason}\n`);
      printStudyResult(io, rec, summary);
      if (outcome.status === 'stopped') io.out(`\nresume with: frontier resume ${id}\n`);
    }
    return outcome.status === 'stopped' ? 130 : 0;
  } catch (e) {
    reporter.finish();
    // Another process runs it (or took it over): this one did not touch it, and it has not failed.
    io.err(e instanceof StudyBusy ? `frontier: ${errorMessage(e)}\n` : `frontier: study ${id} failed: ${errorMessage(e)}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    cts.dispose();
  }
}
