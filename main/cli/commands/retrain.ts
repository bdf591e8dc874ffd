import path from 'node:path';
import { NasError } from '../../../shared/errors.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import { isBackendName } from '../../services/train/backend.js';
import { retrainTrials, topTrials } from '../../services/export/retrain.js';
import { flag, list, parse, str } from '../args.js';
import { DB_OPTION, dbPath, openStore, requireStudy } from '../common.js';
import { UsageError, type CliIO } from '../io.js';

export const RETRAIN_HELP = `Usage: frontier retrain <id> (--top K | --trial N ...) [options] [--db PATH]

Retrains trials of a search on the full training data (no --max-train cap; the search's validation
split, seed and training settings) and keeps each trained model's graph and weights (a .fweights
file beside the database, recorded with its accuracy), so 'frontier export <id> --trial N --format
onnx|tfjs|tflite' can export it.

Options:
  --top K             the K best complete trials by the search's first objective
  --trial N           a trial by number (repeatable)
  --epochs N          epochs (default: the search's)
  --data REF          dataset (default: the search's; needed for searches that replayed tables)
  --backend NAME      torch, wasm, cpu, … (default: the search's, else the best available)
`;

const int = (s: string, what: string, min: number): number => {
  if (!/^\d{1,9}$/.test(s) || Number(s) < min) throw new UsageError(`retrain: ${what} must be an integer ≥ ${min}, got '${s}'`);
  return Number(s);
};

export async function retrainCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('retrain', argv, { ...DB_OPTION, top: { type: 'string' }, trial: { type: 'string', multiple: true }, epochs: { type: 'string' }, data: { type: 'string' }, backend: { type: 'string' } }, 1);
  if (flag(p, 'help')) {
    io.out(RETRAIN_HELP);
    return 0;
  }
  const top = str(p, 'top');
  const picked = list(p, 'trial');
  if ((top === undefined) === (picked.length === 0)) throw new UsageError(`retrain: give either --top K or --trial N (see 'frontier retrain --help')`);
  const epochsText = str(p, 'epochs');
  const epochs = epochsText !== undefined ? int(epochsText, '--epochs', 1) : undefined;
  const backend = str(p, 'backend');
  if (backend !== undefined && !isBackendName(backend)) throw new UsageError(`retrain: unknown backend '${backend}'`);
  const db = dbPath(io, str(p, 'db'));
  const store = openStore(io, str(p, 'db'));
  const cts = new CancellationTokenSource();
  const onSigint = () => {
    io.err('\nstopping after the current step…\n');
    cts.cancel();
  };
  process.on('SIGINT', onSigint);
  try {
    const rec = requireStudy(store, p.positionals[0], 'retrain');
    const trials = top !== undefined
      ? topTrials(rec, store.getTrials(rec.id), int(top, '--top', 1)).map((t) => t.number)
      : picked.map((t) => int(t, '--trial', 0));
    if (trials.length === 0) throw new UsageError(`retrain: study ${rec.id} has no complete trial with a value of ${rec.spec.objectives[0]?.metric ?? 'its objective'}`);
    io.err(`retraining ${trials.length} trial(s) of study ${rec.id} on the full data: ${trials.join(', ')}\n`);
    let last = 0;
    const results = await retrainTrials(store, {
      studyId: rec.id, trials, dir: path.join(path.dirname(db), 'weights'), cwd: io.cwd, token: cts.token,
      ...(epochs !== undefined ? { epochs } : {}), ...(str(p, 'data') ? { data: str(p, 'data') as string } : {}), ...(backend ? { backend } : {}),
      onProgress: (e) => {
        if (e.done) {
          io.err(`[${e.index + 1}/${e.of}] trial ${e.trial}: val_accuracy ${e.done.valAccuracy.toFixed(4)}${e.done.testAccuracy !== undefined ? `, test_accuracy ${e.done.testAccuracy.toFixed(4)}` : ''}, ${e.done.epochs} epochs on ${e.done.trainExamples} images (${e.done.backend}, ${e.done.seconds.toFixed(1)} s)\n`);
        } else if (!e.point) io.err(`[${e.index + 1}/${e.of}] trial ${e.trial}: training…\n`);
        else if (e.point.metric === 'val_accuracy' && Date.now() - last > 1000) {
          last = Date.now();
          io.err(`[${e.index + 1}/${e.of}] trial ${e.trial}: epoch ${e.point.step} val_accuracy ${e.point.value.toFixed(4)}\n`);
        }
      },
    });
    for (const r of results) io.out(`trial ${r.trial}\t${r.key}\tval_accuracy ${r.valAccuracy.toFixed(4)}\t${r.artifact.path}\n`);
    io.out(`export one: frontier export ${rec.id} --trial ${results[0]?.trial ?? 0} --format onnx --out model.onnx\n`);
    return 0;
  } catch (e) {
    if (e instanceof NasError && e.code === 'cancelled') {
      io.err('retrain: stopped; trials retrained before the stop are kept\n');
      return 130;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    cts.dispose();
    store.close();
  }
}
