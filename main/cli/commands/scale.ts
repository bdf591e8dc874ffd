import path from 'node:path';
import type { BenchmarkConfig } from '../../core/benchmark/measurement.js';
import { NasError } from '../../../shared/errors.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import { parseTargets, type Coefficients, type ScaleTarget } from '../../core/scaling/compound.js';
import { BenchmarkRunner } from '../../services/devices/benchmark-runner.js';
import { ensureBenchmarkModel } from '../../services/devices/benchmark-tool.js';
import type { AdbDeviceService } from '../../services/devices/device-service.js';
import { PhoneLatencyProbe } from '../../services/scaling/phone-latency.js';
import { runScale, type ScaleProgress } from '../../services/scaling/scale-study.js';
import { isBackendName } from '../../services/train/backend.js';
import { flag, num, parse, str } from '../args.js';
import { DB_OPTION, dbPath, openStore, requireStudy } from '../common.js';
import { fmt, table } from '../format.js';
import { startDevices } from './devices.js';
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

A phone target (latency:<serial>=MS, one per phone or several) is fitted on the phone itself, over
adb: each candidate φ's model is exported to TFLite (seeded weights) and timed with benchmark_model
as 'frontier device measure' does, once per model (the bisection reuses measurements). The chosen
model's measurement is its trial's latency:<serial> metric and a stored latency sample. A phone that
is missing stops the command before anything is trained; one unplugged mid-run and not back within
--phone-wait stops it with an error naming it (the models finished before are kept).

Options:
  --trial N               the trial to scale (a complete trial of a mobilenet or space-document search)
  --flops LIST            FLOPs tiers, e.g. 20M,40M,80M (multiply-adds, as 'flops' everywhere)
  --targets LIST          targets: flops:N, params:N, latency:local=MS (batch-1 ms measured here),
                          latency:<serial>=MS (measured on that phone), e.g. three tiers for three
                          phones: latency:R5CT1=5,latency:PX7=8,latency:A52=12
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
Phone targets:
  --connect HOST:PORT     adb connect a phone over TCP first (repeatable)
  --adb PATH, --adb-port N  the adb binary and server port (default: $FRONTIER_ADB, $ANDROID_ADB_SERVER_PORT)
  --benchmark-model PATH  benchmark_model for the phones (default: $FRONTIER_BENCHMARK_MODEL, else the
                          official build for each phone's ABI, downloaded once beside the database)
  --runs N, --warmup N, --repeats N  benchmark_model runs per repeat, warm-up runs and repeats per
                          model (default 50, 10, 3)
  --phone-wait S          seconds to wait for an unplugged phone before giving up (default 60)
  --json                  print the result as JSON
`;

function coefficients(text: string): Coefficients {
  const v = text.split(',').map((s) => Number(s.trim()));
  if (v.length !== 3 || v.some((x) => !(x > 0) || !Number.isFinite(x))) throw new UsageError(`scale: --coefficients must be three positive numbers α,β,γ (e.g. 1.2,1.1,1.15), got '${text}'`);
  return { alpha: v[0] as number, beta: v[1] as number, gamma: v[2] as number };
}

function targetsOf(flops: string | undefined, targets: string | undefined): ScaleTarget[] {
  if (flops === undefined && targets === undefined) throw new UsageError(`scale: give the targets: --flops 20M,40M,80M or --targets flops:20M,latency:local=2,latency:<serial>=5 (see 'frontier scale --help')`);
  const out: ScaleTarget[] = [];
  if (flops !== undefined) out.push(...parseTargets(flops.split(',').map((f) => `flops:${f.trim()}`).join(',')));
  if (targets !== undefined) out.push(...parseTargets(targets));
  return out;
}

function progressLine(e: ScaleProgress, last: { t: number }): string | undefined {
  const mult = (m: { depth: number; width: number; resolution: number }) => `d${m.depth} w${m.width} r${m.resolution}`;
  if (e.kind === 'start') return `scaling into study ${e.studyId}: ${e.models} models (the base has ${fmt(e.baseFlops)} FLOPs)`;
  if (e.kind === 'probe') return `${e.label}: φ ${e.phi.toFixed(3)} (${mult(e.multipliers)}) ${fmt(e.ms)} ms on ${e.serial}${e.cached ? ' (measured before)' : ''}`;
  if (e.kind === 'chosen') return `coefficients: α ${e.coefficients.alpha}, β ${e.coefficients.beta}, γ ${e.coefficients.gamma} (${e.by === 'grid' ? `best of the grid, val_accuracy ${fmt(e.valAccuracy)}` : 'given'})`;
  const head = `[${e.phase} ${e.index + 1}/${e.of}] ${e.label}`;
  if (e.done) return `${head}: trial ${e.done.trial} ${e.done.error ? `failed: ${e.done.error}` : `val_accuracy ${fmt(e.done.valAccuracy)}${e.done.latencyMs !== undefined ? `, latency ${fmt(e.done.latencyMs)} ms` : ''}${e.done.phone ? `, ${fmt(e.done.phone.ms)} ms on ${e.done.phone.serial}` : ''}`}`;
  if (!e.point) return `${head}: ${mult(e.multipliers)}, ${fmt(e.flops)} FLOPs: training…`;
  if (e.point.metric !== 'val_accuracy' || Date.now() - last.t < 1000) return undefined;
  last.t = Date.now();
  return `${head}: epoch ${e.point.step} val_accuracy ${fmt(e.point.value)}`;
}

/** A phone target's model: its latency on that phone (`latency:<serial>`), as `12.3 @serial`. */
function phoneMs(metrics: Readonly<Record<string, number>>): string {
  const e = Object.entries(metrics).find(([k]) => k.startsWith('latency:'));
  return e ? `${fmt(e[1])} @${e[0].slice('latency:'.length)}` : '';
}

export async function scaleCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('scale', argv, {
    ...DB_OPTION, trial: { type: 'string' }, flops: { type: 'string' }, targets: { type: 'string' }, coefficients: { type: 'string' }, grid: { type: 'string' }, tolerance: { type: 'string' }, 'grid-min': { type: 'string' },
    'grid-epochs': { type: 'string' }, 'grid-train': { type: 'string' }, epochs: { type: 'string' }, 'max-train': { type: 'string' }, divisor: { type: 'string' }, backend: { type: 'string' }, name: { type: 'string' }, json: { type: 'boolean' },
    connect: { type: 'string', multiple: true }, adb: { type: 'string' }, 'adb-port': { type: 'string' }, 'benchmark-model': { type: 'string' },
    runs: { type: 'string' }, warmup: { type: 'string' }, repeats: { type: 'string' }, 'phone-wait': { type: 'string' },
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
  const config: Partial<BenchmarkConfig> = {
    ...(opt('runs') !== undefined ? { runs: opt('runs') as number } : {}), ...(opt('warmup', 0) !== undefined ? { warmupRuns: opt('warmup', 0) as number } : {}),
    ...(opt('repeats') !== undefined ? { repeats: opt('repeats') as number } : {}),
  };
  const phoneWait = num(p, 'phone-wait', { min: 0 });
  const db = dbPath(io, str(p, 'db'));
  const store = openStore(io, str(p, 'db'));
  const cts = new CancellationTokenSource();
  let devices: AdbDeviceService | undefined;
  const onSigint = () => {
    io.err('\nstopping after the current step…\n');
    cts.cancel();
  };
  process.on('SIGINT', onSigint);
  try {
    const rec = requireStudy(store, p.positionals[0], 'scale');
    const last = { t: 0 };
    let phones: PhoneLatencyProbe | undefined;
    if (targets.some((t) => t.kind === 'latency' && t.device !== 'local')) {
      const svc = await startDevices(p, io, store);
      devices = svc;
      const bin = str(p, 'benchmark-model') || io.env['FRONTIER_BENCHMARK_MODEL'] || undefined;
      const runners = new Map<string, Promise<BenchmarkRunner>>();
      const runnerOf = (serial: string) => {
        const abi = svc.get(serial)?.facts?.abi ?? 'unknown';
        const key = bin ? '' : abi;
        if (!runners.has(key)) runners.set(key, (async () => new BenchmarkRunner(svc, { benchmarkBinary: bin ? path.resolve(io.cwd, bin) : await ensureBenchmarkModel(abi, path.join(path.dirname(db), 'tools')) }))());
        return runners.get(key) as Promise<BenchmarkRunner>;
      };
      phones = new PhoneLatencyProbe(svc, runnerOf, {
        dir: path.join(path.dirname(db), 'exports', 'scaling'), config, ...(phoneWait !== undefined ? { waitMs: phoneWait * 1000 } : {}),
        onEvent: (serial, subject, e) => {
          if (e.kind === 'interrupted') io.err(`${serial} went away while measuring ${subject}; waiting for it to come back\n`);
          if (e.kind === 'resumed') io.err(`${serial} is back; repeating the interrupted run\n`);
        },
      });
    }
    const r = await runScale(store, {
      studyId: rec.id, trial, targets, cwd: io.cwd, cacheDir: path.join(path.dirname(db), 'resized'), token: cts.token,
      ...(given ? { coefficients: coefficients(given) } : {}),
      grid: { limit: gridN ?? 4, ...(tolerance !== undefined ? { tolerance } : {}), ...(gridMin !== undefined ? { min: gridMin } : {}) },
      ...(gridEpochs !== undefined ? { gridEpochs } : {}), ...(gridTrain !== undefined ? { gridTrain } : {}),
      ...(epochs !== undefined ? { epochs } : {}), ...(maxTrain !== undefined ? { maxTrain } : {}),
      ...(divisor !== undefined ? { divisor } : {}), ...(backend ? { backend } : {}), ...(phones ? { phones } : {}), ...(str(p, 'name') ? { name: str(p, 'name') as string } : {}),
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
      fmt(m.metrics.flops), fmt(m.metrics.params), m.state === 'complete' ? fmt(m.metrics.val_accuracy) : 'failed', fmt(m.metrics.latency_ms), phoneMs(m.metrics), m.metrics.within_budget === undefined ? '' : m.metrics.within_budget ? 'yes' : 'NO']);
    io.out(`study ${r.studyId}: compound scaling of study ${rec.id} trial ${trial} with α ${r.coefficients.alpha}, β ${r.coefficients.beta}, γ ${r.coefficients.gamma}\n`);
    io.out(table(['trial', 'phase', 'target', 'phi', 'depth', 'width', 'resolution', 'flops', 'params', 'val_accuracy', 'latency_ms', 'phone_ms', 'within'], rows));
    return 0;
  } catch (e) {
    if (e instanceof NasError && e.code === 'cancelled') {
      io.err('scale: stopped; the models finished before the stop are kept\n');
      return 130;
    }
    throw e;
  } finally {
    devices?.dispose();
    process.off('SIGINT', onSigint);
    cts.dispose();
    store.close();
  }
}
