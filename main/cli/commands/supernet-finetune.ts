import { topSubnets, finetuneStudySpec, FINETUNE_DEFAULTS } from '../../services/train/supernet-finetune.js';
import { createStudy } from '../../services/studies.js';
import { flag, num, parse, str } from '../args.js';
import { DB_OPTION, openStore, requireStudy } from '../common.js';
import { fmt, table } from '../format.js';
import { UsageError, type CliIO } from '../io.js';
import { runWithProgress } from '../run-study.js';

export const FINETUNE_HELP = `Usage: frontier supernet finetune <study> --top K [options]

Retrains the top K sub-networks of a supernet search (the best complete trials within its
constraints) standalone: each starts from the weights it has in the supernet (after BatchNorm
recalibration, so before any step it scores what the supernet scored it) and is fine-tuned on the
supernet's training data. The fine-tune is a stored study of its own, linked to the search (each
trial's source_trial metric; supernet_val_accuracy and inherited_val_accuracy beside the fine-tuned
val_accuracy; the fine-tuned weights kept for 'frontier export'); Ctrl-C stops it, 'frontier resume'
continues it.
  --top K               sub-networks to fine-tune (required)
  --epochs N            (default ${FINETUNE_DEFAULTS.epochs})
  --lr X                (default ${FINETUNE_DEFAULTS.lr}, cosine decay)
  --batch-size N        (default ${FINETUNE_DEFAULTS.batchSize})
  --backend torch|tfjs  the engine that fine-tunes (default torch; the sub-networks are cut out of the
                        supernet by the native engine either way)
  --db PATH, --json
`;

const OPTIONS = { ...DB_OPTION, top: { type: 'string' }, epochs: { type: 'string' }, lr: { type: 'string' }, 'batch-size': { type: 'string' }, backend: { type: 'string' }, json: { type: 'boolean' } } as const;

export async function finetuneCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('supernet finetune', argv, OPTIONS, 1);
  if (flag(p, 'help')) {
    io.out(FINETUNE_HELP);
    return 0;
  }
  const top = num(p, 'top', { integer: true, min: 1 });
  if (top === undefined) throw new UsageError(`supernet finetune: give the number of sub-networks --top K (see 'frontier supernet finetune --help')`);
  if (p.positionals.length === 0) throw new UsageError(`supernet finetune: give the supernet search's study id (see 'frontier runs')`);
  const backend = str(p, 'backend');
  if (backend !== undefined && backend !== 'torch' && backend !== 'tfjs') throw new UsageError(`supernet finetune: --backend must be torch or tfjs, got '${backend}'`);
  const epochs = num(p, 'epochs', { integer: true, min: 1 });
  const lr = num(p, 'lr', { min: 1e-9 });
  const batchSize = num(p, 'batch-size', { integer: true, min: 2 });
  const json = flag(p, 'json');
  const store = openStore(io, str(p, 'db'));
  try {
    const source = requireStudy(store, p.positionals[0], 'supernet finetune');
    const picked = topSubnets(source, store.getTrials(source.id, { states: ['complete'] }), top);
    const spec = finetuneStudySpec(source, picked, { ...(epochs !== undefined ? { epochs } : {}), ...(lr !== undefined ? { lr } : {}), ...(batchSize !== undefined ? { batchSize } : {}), ...(backend ? { backend } : {}) });
    const rec = createStudy(store, spec, undefined, (w) => io.err(`frontier: warning: ${w}\n`));
    if (!json) io.err(`study ${rec.id}: fine-tuning ${picked.length} sub-network(s) of study ${source.id} from their supernet weights: trials ${picked.map((t) => t.number).join(', ')}\n`);
    const code = await runWithProgress(json ? { ...io, out: () => undefined } : io, store, rec.id, false);
    const done = store.getTrials(rec.id, { states: ['complete'] });
    const failed = store.getTrials(rec.id, { states: ['failed'] }).filter((t) => !/^interrupted/.test(t.error ?? ''));
    for (const t of failed) io.err(`supernet finetune: ${t.key} failed: ${t.error ?? 'no reason recorded'}\n`);
    const rows = done.map((t) => ({
      sourceTrial: t.metrics.source_trial ?? null, trial: t.number, architecture: t.key,
      supernetValAccuracy: t.metrics.supernet_val_accuracy ?? null, inheritedValAccuracy: t.metrics.inherited_val_accuracy ?? null, valAccuracy: t.metrics.val_accuracy ?? null,
    }));
    if (json) io.out(JSON.stringify({ study: rec.id, source: source.id, status: store.getStudy(rec.id)?.status ?? null, finetuned: rows }, null, 2) + '\n');
    else {
      io.out(`\nfine-tuned from the supernet's weights (study ${rec.id}):\n`);
      io.out(table(['source trial', 'architecture', 'supernet', 'inherited', 'fine-tuned'], rows.map((r) => [String(r.sourceTrial), r.architecture, fmt(r.supernetValAccuracy ?? undefined), fmt(r.inheritedValAccuracy ?? undefined), fmt(r.valAccuracy ?? undefined)])) + '\n');
    }
    return code === 0 && failed.length > 0 ? 1 : code;
  } finally {
    store.close();
  }
}
