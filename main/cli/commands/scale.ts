import path from 'node:path';
import { NasError } from '../../../shared/errors.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import { parseTargets, type Coefficients, type ScaleTarget } from '../../core/scaling/compound.js';
import { runScale, type ScaleProgress } from '../../services/scaling/scale-study.js';
import { isBackendName } from '../../services/train/backend.js';
import { flag, num, parse, str } from '../args.js';
import { DB_OPTION, dbPath, openStore, requireStudy } from '../common.js';
import { fmt, table } from '../format.js';
import { UsageError, type CliIO } from '../io.js';

export const SCALE_HELP = `Usage: frontier scale <id> --trial N (--flops LIST | --targets LIST) [options] [--db PATH]

Compound scaling (EfficientNet) of a trial of a mobilenet search (or of a space document's, in
width and resolution only, α = 1): its depth (blocks per stage
⌈d·n⌉), width (channels rounded to multiples of 8, or --divisor) and input resolution (images
resized, bilinear) grow or shrink together as d = α^φ, w = β^φ, r = γ^φ. First the coefficients:
a small grid of α, β, γ ≥ 1 with α·β²·γ² ≈ 2 (FLOPs about double per step of φ), each model at
φ = 1 trained briefly, the most accurate kept (or --coefficients). Then, per target, the largest φ
whose model fits it, trained with the search's settings. Each model is a trial of a new search
(the source named in its notes), with its measured accuracy, latency, FLOPs and params.

Options:
  --trial N               the trial to scale (a complete trial of a mobilenet or space-document search)
  --flops LIST            FLOPs tiers, e.g. 20M,40M,80M (multiply-adds, as 'flops' everywhere)
  --targets LIST          targets: flops:N, params:N, latency:local=MS (batch-1 ms measured here)
  --coefficients A,B,G    use these α, β, γ (e.g. EfficientNet's 1.2,1.1,1.15) instead of the grid
  --grid N                grid models tried (default 4), spread over the admissible coefficients
  --tolerance X           accepted |α·β²·γ² − 2| (default 0.1)
  --grid-min X            smallest α, β, γ of the grid (default 1.1; 1 also tries leaving a
                          dimension unscaled)
  --grid-epochs N         epochs of each grid model (default 1)
  --grid-train N          training images of each grid model (default 2000)
  --epochs N              epochs of each target's model (default: the search's)
  --max-train N           training images of each target's model (default: the search's)
  --divisor N             round channels to multiples of N (default 8; 4 for small networks)
  --backend NAME          torch, wasm, cpu, … (default: the search's, else the best available)
  --name NAME             name of the new search
  --json                  print the result as JSON
`;

function coefficients(text: string): Coefficients {
  const v = text.split(',').map((s) => Number(s.trim()));
  if (v.length !== 3 || v.some((x) => !(x > 0) || !Number.isFinite(x))) throw new UsageError(`scale: --coefficients must be three positive numbers α,β,γ (e.g. 1.2,1.1,1.15), got '${text}'`);
  return { alpha: v[0] as number, beta: v[1] as number, gamma: v[2] as number };
}

function targetsOf(flops: string | undefined, targets: string | undefined): ScaleTarget[] {
  if (flops === undefined && targets === undefined) throw new UsageError(`scale: give the targets: --flops 20M,40M,80M or --targets flops:20M,latency:local=2 (see 'frontier scale --help')`);
  const out: ScaleTarget[] = [];
  if (flops !== undefined) out.push(...parseTargets(flops.split(',').map((f) => `flops:${f.trim()}`).join(',')));
  if (targets !== undefined) out.push(...parseTargets(targets));
  return out;
}

function progressLine(e: ScaleProgress, last: { t: number }): string | undefined {
  const mult = (m: { depth: number; width: number; resolution: number }) => `d${m.depth} w${m.width} r${m.resolution}`;
  if (e.kind === 'start') return `scaling into study ${e.studyId}: ${e.models} models (the base has ${fmt(e.baseFlops)} FLOPs)`;
  if (e.kind === 'chosen') return `coefficients: α ${e.coefficients.alpha}, β ${e.coefficients.beta}, γ ${e.coefficients.gamma} (${e.by === 'grid' ? `best of the grid, val_accuracy ${fmt(e.valAccuracy)}` : 'given'})`;
  const head = `[${e.phase} ${e.index + 1}/${e.of}] ${e.label}`;
  if (e.done) return `${head}: trial ${e.done.trial} ${e.done.error ? `failed: ${e.done.error}` : `val_accuracy ${fmt(e.done.valAccuracy)}${e.done.latencyMs !== undefined ? `, latency ${fmt(e.done.latencyMs)} ms` : ''}`}`;
  if (!e.point) return `${head}: ${mult(e.multipliers)}, ${fmt(e.flops)} FLOPs: training…`;
  if (e.point.metric !== 'val_accuracy' || Date.now() - last.t < 1000) return undefined;
  last.t = Date.now();
  return `${head}: epoch ${e.point.step} val_accuracy ${fmt(e.point.value)}`;
}

export async function scaleCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('scale', argv, {
    ...DB_OPTION, trial: { type: 'string' }, flops: { type: 'string' }, targets: { type: 'string' }, coefficients: { type: 'string' }, grid: { type: 'string' }, tolerance: { type: 'string' }, 'grid-min': { type: 'string' },
    'grid-epochs': { type: 'string' }, 'grid-train': { type: 'string' }, epochs: { type: 'string' }, 'max-train': { type: 'string' }, divisor: { type: 'string' }, backend: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' },
  }, 1);
  if (flag(p, 'help')) {
    io.out(SCALE_HELP);
    return 0;
  }
  const trial = num(p, 'trial', { integer: true, min: 0 });
  if (trial === undefined) throw new UsageError(`scale: which trial? give --trial N (see 'frontier scale --help')`);
  const targets = targetsOf(str(p, 'flops'), str(p, 'targets'));
  const backend = str(p, 'backend');
  if (backend !== undefined && !isBackendName(backend)) throw new UsageError(`scale: unknown backend '${backend}'`);
  const given = str(p, 'coefficients');
  const gridN = num(p, 'grid', { integer: true, min: 1, max: 100 });
  const tolerance = num(p, 'tolerance', { min: 0.001, max: 1 });
  const gridMin = num(p, 'grid-min', { min: 1, max: 1.45 });
  const opt = (name: string, min = 1) => num(p, name, { integer: true, min });
  const gridEpochs = opt('grid-epochs');
  const gridTrain = opt('grid-train');
  const epochs = opt('epochs');
  const maxTrain = opt('max-train');
  const divisor = num(p, 'divisor', { integer: true, min: 1, max: 64 });
  const db = dbPath(io, str(p, 'db'));
  const store = openStore(io, str(p, 'db'));
  const cts = new CancellationTokenSource();
  const onSigint = () => {
    io.err('\nstopping after the current step…\n');
    cts.cancel();
  };
  process.on('SIGINT', onSigint);
  try {
    const rec = requireStudy(store, p.positionals[0], 'scale');
    const last = { t: 0 };
    const r = await runScale(store, {
      studyId: rec.id, trial, targets, cwd: io.cwd, cacheDir: path.join(path.dirname(db), 'resized'), token: cts.token,
      ...(given ? { coefficients: coefficients(given) } : {}),
      grid: { limit: gridN ?? 4, ...(tolerance !== undefined ? { tolerance } : {}), ...(gridMin !== undefined ? { min: gridMin } : {}) },
      ...(gridEpochs !== undefined ? { gridEpochs } : {}), ...(gridTrain !== undefined ? { gridTrain } : {}),
      ...(epochs !== undefined ? { epochs } : {}), ...(maxTrain !== undefined ? { maxTrain } : {}),
      ...(divisor !== undefined ? { divisor } : {}), ...(backend ? { backend } : {}), ...(str(p, 'name') ? { name: str(p, 'name') as string } : {}),
      onProgress: (e) => {
        const line = progressLine(e, last);
        if (line) io.err(`${line}\n`);
      },
    });
    if (flag(p, 'json')) {
      io.out(`${JSON.stringify({ studyId: r.studyId, source: { studyId: rec.id, trial }, coefficients: r.coefficients, models: r.models }, null, 1)}\n`);
      return 0;
    }
    const rows = r.models.map((m) => [String(m.trial), m.phase, m.phase === 'grid' ? '' : m.label, String(m.phi), String(m.multipliers.depth), String(m.multipliers.width), `${m.multipliers.resolution} (${fmt(m.metrics.resolution)} px)`,
      fmt(m.metrics.flops), fmt(m.metrics.params), m.state === 'complete' ? fmt(m.metrics.val_accuracy) : 'failed', fmt(m.metrics.latency_ms), m.metrics.within_budget === undefined ? '' : m.metrics.within_budget ? 'yes' : 'NO']);
    io.out(`study ${r.studyId}: compound scaling of study ${rec.id} trial ${trial} with α ${r.coefficients.alpha}, β ${r.coefficients.beta}, γ ${r.coefficients.gamma}\n`);
    io.out(table(['trial', 'phase', 'target', 'phi', 'depth', 'width', 'resolution', 'flops', 'params', 'val_accuracy', 'latency_ms', 'within'], rows));
    return 0;
  } catch (e) {
    if (e instanceof NasError && e.code === 'cancelled') {
      io.err('scale: stopped; the models finished before the stop are kept\n');
      return 130;
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    cts.dispose();
    store.close();
  }
}
