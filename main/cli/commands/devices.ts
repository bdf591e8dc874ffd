import { existsSync } from 'node:fs';
import path, { resolve } from 'node:path';
import { errorMessage } from '../../../shared/errors.js';
import type { EvaluatorSpec } from '../../../shared/types/index.js';
import { DELEGATES, type BenchmarkConfig, type Delegate } from '../../core/benchmark/measurement.js';
import type { GraphOptions } from '../../core/graph/index.js';
import { createSpace } from '../../core/spaces.js';
import type { SearchSpace } from '../../core/search-space.js';
import { BenchmarkRunner } from '../../services/devices/benchmark-runner.js';
import { ensureBenchmarkModel } from '../../services/devices/benchmark-tool.js';
import { AdbDeviceService, type TrackedDevice } from '../../services/devices/device-service.js';
import { measureFinalists } from '../../services/devices/finalists.js';
import { readLutFile } from '../../services/devices/lut-evaluator.js';
import { LocalOnnxProfiler, LOCAL_CPU } from '../../services/devices/local-profiler.js';
import { AdbDeviceProfiler, buildLookupTable, defaultModelInput, lutPath, writeLutFile, type TableProfiler } from '../../services/devices/profiler.js';
import { defaultDbPath } from '../../services/paths.js';
import { flag, list, num, parse, str, type Parsed } from '../args.js';
import { DB_OPTION, openStore } from '../common.js';
import { fmt, table } from '../format.js';
import { loadSpace } from '../space-ref.js';
import { UsageError, type CliIO } from '../io.js';

export const DEVICES_HELP = `Usage: frontier devices [options]

Lists the phones the adb server sees (plugged in, unauthorized or offline) with model, SoC, ABI,
Android version, cores and temperatures, and records them in the database.

  --connect HOST:PORT   adb connect to a phone over the network first (repeatable)
  --adb PATH            adb binary (default: $FRONTIER_ADB, else adb on PATH)
  --adb-port N          adb server port (default: $ANDROID_ADB_SERVER_PORT, else 5037)
  --db PATH             database file
  --json                one JSON document
`;

export const DEVICE_HELP = `Usage: frontier device profile <serial> --space <space> [options]
       frontier device measure <serial> --study <id> [--top N] [options]

'measure' re-measures a search's finalists (its Pareto front) on the phone: each is exported as a
.tflite artifact, pushed and run with benchmark_model; the table's prediction is shown next to it.

Builds the phone's latency lookup table for a search space (serial local:cpu: this machine's CPU,
timed in onnxruntime, no adb): every distinct op configuration of the
space runs alone as a one-op TFLite model under benchmark_model on the phone; the end-to-end overhead
is fitted on a few measured architectures and the accuracy reported on others. The table is written
next to the database (latency/<serial>.json) and used by 'frontier search --objective latency:<serial>:min'.

  --space NAME|FILE        nb201, mobilenet, kws, text or a .yaml/.json space document
  --benchmark-model PATH   TFLite benchmark_model binary for the phone's ABI ($FRONTIER_BENCHMARK_MODEL)
  --input HxWxC            model input (default: the space's; kws: the default features, 49x10x1;
                           text: the default sequence length, 64x1x1; else 32x32x3)
  --vocab N                text: token vocabulary (default 512, the default tokenizer's)
  --classes N              classes (default 10)
  --threads N              interpreter threads (default 1)
  --affinity big|all|MASK  CPU affinity (default big: the fastest cluster)
  --delegate D             xnnpack (default), cpu, gpu or nnapi
  --runs N, --warmup N     measured and warm-up inferences per repeat (default 50, 10)
  --repeats N              benchmark_model invocations per measurement (default 3)
  --max-spread X           largest accepted (max-min)/median of the repeats (default 0.1)
  --calibration N          architectures measured to fit the overhead (default 4)
  --held-out N             architectures measured to report accuracy (default 6)
  --study ID, --top N      (measure) the search and how many finalists (default 5)
  --connect HOST:PORT, --adb PATH, --adb-port N, --db PATH, --json
`;

const ADB_OPTIONS = {
  connect: { type: 'string', multiple: true },
  adb: { type: 'string' },
  'adb-port': { type: 'string' },
  json: { type: 'boolean' },
  ...DB_OPTION,
} as const;

export async function startDevices(p: Parsed, io: CliIO, store: ReturnType<typeof openStore>): Promise<AdbDeviceService> {
  // The command's environment (not necessarily this process's): $FRONTIER_ADB, $ANDROID_ADB_SERVER_PORT.
  const port = num(p, 'adb-port', { integer: true, min: 1 }) ?? (io.env['ANDROID_ADB_SERVER_PORT'] ? Number(io.env['ANDROID_ADB_SERVER_PORT']) : undefined);
  const adbPath = str(p, 'adb') || io.env['FRONTIER_ADB'] || undefined;
  const svc = new AdbDeviceService(store, { ...(adbPath ? { adbPath } : {}), ...(port ? { port } : {}) }, Date.now, 1000, undefined, io.env);
  await svc.start();
  for (const target of list(p, 'connect')) {
    const m = /^(.+):(\d+)$/.exec(target);
    if (!m) throw new UsageError(`--connect '${target}' must be HOST:PORT`);
    await svc.client.connect(m[1] as string, Number(m[2])).catch((e: unknown) => io.err(`frontier: adb connect ${target}: ${errorMessage(e)}\n`));
    await svc.waitFor(target, 'device', undefined, 10_000).catch(() => undefined);
  }
  return svc;
}

function deviceRow(d: TrackedDevice): Record<string, unknown> {
  const f = d.facts;
  return {
    serial: d.serial, state: d.state,
    ...(f ? {
      model: `${f.manufacturer} ${f.model}`, soc: f.soc, abi: f.abi, android: f.androidVersion, sdk: f.sdk, cores: f.cores.length,
      maxMHz: f.cores.map((c) => Math.round((c.maxKhz ?? 0) / 1000)), governors: f.governors, bigCoreMask: f.bigCoreMask,
      socTemperatureC: f.socTemperatureC, batteryTemperatureC: f.batteryTemperatureC, fingerprint: f.fingerprint,
    } : {}),
  };
}

export async function devicesCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('devices', argv, ADB_OPTIONS);
  if (flag(p, 'help')) {
    io.out(DEVICES_HELP);
    return 0;
  }
  const store = openStore(io, str(p, 'db'));
  let svc: AdbDeviceService | undefined;
  try {
    svc = await startDevices(p, io, store);
    const rows = svc.list().map(deviceRow);
    if (flag(p, 'json')) io.out(JSON.stringify({ devices: rows }) + '\n');
    else if (rows.length === 0) io.out('no devices (plug a phone in with USB debugging on, or use --connect HOST:PORT)\n');
    else {
      io.out(table(['serial', 'state', 'model', 'SoC', 'ABI', 'Android', 'cores', 'max MHz', 'SoC °C', 'battery °C'], rows.map((r) => [
        String(r['serial']), String(r['state']), String(r['model'] ?? '-'), String(r['soc'] ?? '-'), String(r['abi'] ?? '-'), String(r['android'] ?? '-'),
        String(r['cores'] ?? '-'), Array.isArray(r['maxMHz']) ? [...new Set(r['maxMHz'] as number[])].join('/') : '-',
        r['socTemperatureC'] !== undefined ? fmt(r['socTemperatureC'] as number) : '-', r['batteryTemperatureC'] !== undefined ? fmt(r['batteryTemperatureC'] as number) : '-',
      ])));
    }
    return 0;
  } finally {
    svc?.dispose();
    store.close();
  }
}

function benchmarkConfig(p: Parsed): Partial<BenchmarkConfig> {
  const delegate = str(p, 'delegate') ?? 'xnnpack';
  if (!(DELEGATES as readonly string[]).includes(delegate)) throw new UsageError(`--delegate must be one of ${DELEGATES.join(', ')}`);
  const int = (name: string, min: number) => num(p, name, { integer: true, min });
  return {
    delegate: delegate as Delegate,
    ...(int('threads', 1) !== undefined ? { threads: int('threads', 1) as number } : {}),
    ...(str(p, 'affinity') ? { affinity: str(p, 'affinity') as string } : {}),
    ...(int('runs', 1) !== undefined ? { runs: int('runs', 1) as number } : {}),
    ...(int('warmup', 0) !== undefined ? { warmupRuns: int('warmup', 0) as number } : {}),
    ...(int('repeats', 1) !== undefined ? { repeats: int('repeats', 1) as number } : {}),
    ...(num(p, 'max-spread', { min: 0 }) !== undefined ? { maxSpread: num(p, 'max-spread', { min: 0 }) as number } : {}),
  };
}

async function runnerFor(svc: AdbDeviceService, serial: string, bin: string | undefined, dbPath: string, store: ReturnType<typeof openStore>, io: CliIO): Promise<BenchmarkRunner> {
  const abi = svc.get(serial)?.facts?.abi ?? 'unknown';
  const tool = bin ? resolve(io.cwd, bin) : await ensureBenchmarkModel(abi, path.join(path.dirname(dbPath), 'tools'));
  return new BenchmarkRunner(svc, { benchmarkBinary: tool, store });
}

async function measureCommand(p: Parsed, io: CliIO, serial: string): Promise<number> {
  const studyId = str(p, 'study');
  if (!studyId) throw new UsageError('device measure: which search? give --study ID (see \'frontier runs\')');
  const config = benchmarkConfig(p);
  const dbPath = str(p, 'db') ?? defaultDbPath(io.env);
  const store = openStore(io, dbPath);
  let svc: AdbDeviceService | undefined;
  try {
    const rec = store.getStudy(studyId);
    if (!rec) throw new UsageError(`device measure: no study with id '${studyId}' (see 'frontier runs')`);
    let graph: GraphOptions;
    if (str(p, 'input') !== undefined || num(p, 'classes', { integer: true, min: 1 }) !== undefined) {
      graph = {
        input: parseInput(str(p, 'input'), createSpace(rec.spec.space, rec.spec.spaceOptions ?? {})), classes: num(p, 'classes', { integer: true, min: 1 }) ?? 10,
        ...(rec.spec.space === 'text' ? { vocab: num(p, 'vocab', { integer: true, min: 2 }) ?? defaultModelInput(createSpace('text', {})).vocab } : {}),
      };
    } else if (existsSync(lutPath(dbPath, serial))) graph = readLutFile(lutPath(dbPath, serial)).graph;
    else throw new UsageError('device measure: give --input HxWxC and --classes N (no latency table of this phone to take them from)');
    svc = await startDevices(p, io, store);
    if (svc.get(serial)?.state !== 'device') throw new UsageError(`device measure: ${serial} is ${svc.get(serial)?.state ?? 'not connected'} (see 'frontier devices')`);
    await svc.waitFor(serial, 'device', undefined, 10_000);
    const runner = await runnerFor(svc, serial, str(p, 'benchmark-model') || io.env['FRONTIER_BENCHMARK_MODEL'] || undefined, dbPath, store, io);
    const results = await measureFinalists(store, runner, {
      serial, studyId, graph, dir: path.join(path.dirname(dbPath), 'exports'), config,
      ...(num(p, 'top', { integer: true, min: 1 }) !== undefined ? { top: num(p, 'top', { integer: true, min: 1 }) as number } : {}),
      onEvent: (trial, e) => {
        if (e.kind === 'interrupted') io.err(`trial ${trial}: ${serial} went away; waiting for it to come back\n`);
        if (e.kind === 'resumed') io.err(`trial ${trial}: ${serial} is back; repeating the interrupted run\n`);
      },
    });
    if (flag(p, 'json')) io.out(JSON.stringify({ serial, studyId, finalists: results }) + '\n');
    else {
      io.out(table(['trial', 'architecture', 'table ms', 'measured ms', 'status'], results.map((r) => [
        String(r.trial), r.architecture, r.predictedMs !== undefined ? fmt(r.predictedMs) : '-', fmt(r.measuredMs), r.status + (r.interruptions ? ` (${r.interruptions} interruption(s))` : ''),
      ])));
    }
    return 0;
  } finally {
    svc?.dispose();
    store.close();
  }
}


function parseInput(text: string | undefined, space: SearchSpace): [number, number, number] {
  if (text !== undefined) {
    const m = /^(\d+)x(\d+)x(\d+)$/.exec(text);
    if (!m) throw new UsageError(`--input '${text}' must be HxWxC, e.g. 32x32x3`);
    return [Number(m[1]), Number(m[2]), Number(m[3])];
  }
  return defaultModelInput(space).input;
}

export async function deviceCommand(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parse('device', argv, {
    ...ADB_OPTIONS, space: { type: 'string' }, 'benchmark-model': { type: 'string' }, input: { type: 'string' }, classes: { type: 'string' },
    threads: { type: 'string' }, affinity: { type: 'string' }, delegate: { type: 'string' }, runs: { type: 'string' }, warmup: { type: 'string' },
    repeats: { type: 'string' }, 'max-spread': { type: 'string' }, calibration: { type: 'string' }, 'held-out': { type: 'string' },
    study: { type: 'string' }, top: { type: 'string' }, vocab: { type: 'string' },
  }, 2);
  if (flag(p, 'help') || p.positionals.length === 0) {
    io.out(DEVICE_HELP);
    return flag(p, 'help') ? 0 : 2;
  }
  const [verb, serial] = p.positionals;
  if (verb !== 'profile' && verb !== 'measure') throw new UsageError(`device: unknown subcommand '${verb}' (try 'frontier device profile <serial> --space <space>')`);
  if (!serial) throw new UsageError(`device ${verb}: which phone? give its serial (see 'frontier devices')`);
  if (verb === 'measure') return measureCommand(p, io, serial);
  const spaceName = str(p, 'space');
  if (!spaceName) throw new UsageError('device profile: give --space nb201|mobilenet|FILE');
  const space = loadSpace(spaceName, io);
  const bin = str(p, 'benchmark-model') || io.env['FRONTIER_BENCHMARK_MODEL'] || undefined;
  const config = benchmarkConfig(p);
  const graph = {
    input: parseInput(str(p, 'input'), space), classes: num(p, 'classes', { integer: true, min: 1 }) ?? 10,
    ...(space.id === 'text' ? { vocab: num(p, 'vocab', { integer: true, min: 2 }) ?? defaultModelInput(space).vocab } : {}),
  };
  const dbPath = str(p, 'db') ?? defaultDbPath(io.env);
  const store = openStore(io, dbPath);
  let svc: AdbDeviceService | undefined;
  let profiler: AdbDeviceProfiler | undefined;
  try {
    let tables: TableProfiler;
    if (serial === LOCAL_CPU) {
      // This machine's CPU: onnxruntime-node times the ops, no adb.
      const { runs, warmupRuns, repeats, maxSpread } = config;
      tables = new LocalOnnxProfiler({ ...(runs ? { runs } : {}), ...(warmupRuns !== undefined ? { warmupRuns } : {}), ...(repeats ? { repeats } : {}), ...(maxSpread !== undefined ? { maxSpread } : {}) });
    } else {
      svc = await startDevices(p, io, store);
      const d = svc.get(serial);
      if (!d || d.state !== 'device') throw new UsageError(`device profile: ${serial} is ${d?.state ?? 'not connected'} (see 'frontier devices')`);
      await svc.waitFor(serial, 'device', undefined, 10_000);
      const runner = await runnerFor(svc, serial, bin, dbPath, store, io);
      tables = profiler = new AdbDeviceProfiler(svc, runner, config);
    }
    const { table: lut, report } = await buildLookupTable(tables, serial, {
      space, graph,
      ...(num(p, 'calibration', { integer: true, min: 0 }) !== undefined ? { calibration: num(p, 'calibration', { integer: true, min: 0 }) as number } : {}),
      ...(num(p, 'held-out', { integer: true, min: 0 }) !== undefined ? { heldOut: num(p, 'held-out', { integer: true, min: 0 }) as number } : {}),
    }, undefined, (phase, done, total) => io.err(`${phase} ${done}/${total}\n`));
    const file = lutPath(dbPath, serial);
    writeLutFile(file, {
      version: 1, table: lut, space: space.id, graph, report, createdAt: Date.now(),
    });
    if (flag(p, 'json')) io.out(JSON.stringify({ file, report }) + '\n');
    else {
      const a = report.accuracy;
      io.out(`latency table of ${serial} for ${space.id}: ${report.kernels} op configurations from ${report.architectures} architectures\n`);
      io.out(`fit: ${fmt(lut.fit.scale)} × Σ ops ${lut.fit.perKernel >= 0 ? '+' : '−'} ${fmt(Math.abs(lut.fit.perKernel))} ms × ops ${lut.fit.overhead >= 0 ? '+' : '−'} ${fmt(Math.abs(lut.fit.overhead))} ms\n`);
      io.out(`held-out accuracy (${a.n} architectures): RMSE ${fmt(a.rmseMs)} ms, ${fmt(a.within10 * 100)}% within ±10%\n`);
      if (report.noisyKernels.length > 0) io.out(`${report.noisyKernels.length} op configuration(s) stayed noisy after retries (kept, flagged in the table's report)\n`);
      io.out(`written to ${file}\n`);
    }
    return 0;
  } finally {
    profiler?.dispose();
    svc?.dispose();
    store.close();
  }
}

/** Devices named by `latency:<device>` metrics in the search's objectives, constraints or reports. */
export function latencyDevices(p: Parsed): string[] {
  const metrics = [
    ...list(p, 'objective').map((o) => o.slice(0, o.lastIndexOf(':'))),
    ...list(p, 'constraint').map((c) => c.trim().split(/\s*(?:<=|>=|==|<|>)\s*/)[0] ?? ''),
    ...list(p, 'report'),
  ];
  return [...new Set(metrics.filter((m) => m.startsWith('latency:')).map((m) => m.slice('latency:'.length)))];
}

/** The latency-table evaluator for those devices, reading the tables written by `device profile`. */
export function lutEvaluatorSpec(devices: readonly string[], dbPath: string): EvaluatorSpec {
  return { kind: 'lut', tables: Object.fromEntries(devices.map((d) => [d, lutPath(dbPath, d)])) };
}
