/**
 * Parser for the output of TensorFlow Lite's `benchmark_model` in every format it has printed
 * (pure; no I/O). Lines may carry log prefixes (`INFO: `, `VERBOSE: `, logcat `I tflite  : `).
 *
 * - old summary (≤ 2.3): `Average inference timings in us: Warmup: W, Init: I, Inference: X`
 *   (1.x: `…, no stats: X`);
 * - new summary (≥ 2.4): `Inference timings in us: Init: I, First inference: F, Warmup (avg): W, Inference (avg): X`;
 * - run statistics: `count=N first= curr= min= max= avg= std=` with optional `p5= median= p95=`
 *   (the warm-up phase may print just `count=N curr=X`); numbers may be in exponent form (`2.95e+06`);
 * - memory: `Peak memory footprint (MB): init= overall=`, `Memory footprint delta from the start of the
 *   tool (MB): init= overall=`, `Overall peak memory footprint (MB) via periodic monitoring: X`;
 * - op profiling tables (`Run Order`, `Summary by node type`);
 * - delegate application, including silent fall-back to the CPU.
 */

export interface RunStats {
  readonly count: number;
  readonly first?: number;
  readonly curr?: number;
  readonly min?: number;
  readonly max?: number;
  readonly avg?: number;
  readonly std?: number;
  readonly p5?: number;
  readonly median?: number;
  readonly p95?: number;
}

export interface OpProfileRow {
  readonly nodeType: string;
  readonly startMs: number;
  readonly firstMs: number;
  readonly avgMs: number;
  readonly percent: number;
  readonly name: string;
}

export interface NodeTypeSummary {
  readonly nodeType: string;
  readonly count: number;
  readonly avgMs: number;
  readonly percent: number;
}

export interface DelegateReport {
  readonly name: string;
  /** Nodes the delegate took; undefined when the tool did not say (old `Replacing N node(s)` form). */
  readonly replaced: number;
  readonly total?: number;
  readonly partitions?: number;
}

export interface BenchmarkOutput {
  /** Which summary line was found. */
  readonly format: 'new' | 'old' | 'stats-only';
  /** All times in microseconds. */
  readonly initUs?: number;
  readonly firstInferenceUs?: number;
  readonly warmupAvgUs?: number;
  readonly inferenceAvgUs?: number;
  /** Statistics of the measured runs (the last `count=` line outside the profiler's tables). */
  readonly runs?: RunStats;
  /** Statistics of the warm-up phase (the `count=` line before the measured one). */
  readonly warmup?: RunStats;
  readonly memoryMb?: { readonly init?: number; readonly overall?: number; readonly peak?: number };
  readonly delegates: readonly DelegateReport[];
  /** Why we believe (part of) the graph did not run on the requested delegate; empty when it did. */
  readonly fallback: readonly string[];
  /** Operator-wise run-order table of the regular runs, when op profiling was on. */
  readonly ops?: readonly OpProfileRow[];
  readonly nodeTypes?: readonly NodeTypeSummary[];
  readonly modelSizeMb?: number;
  readonly threads?: number;
}

const NUM = String.raw`[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?`;

export class BenchmarkParseError extends Error {}

function stripPrefix(line: string): string {
  return line
    .replace(/\r$/, '')
    .replace(/^\d\d-\d\d \d\d:\d\d:\d\d\.\d+\s+\d+\s+\d+\s+[VDIWEF]\s+/, '') // logcat threadtime
    .replace(/^[VDIWEF][/ ]tflite\s*:\s?/, '') // logcat brief: "I tflite  : " or "I/tflite: "
    .replace(/^(?:INFO|VERBOSE|WARNING|ERROR): /, '');
}

function parseStats(s: string): RunStats | undefined {
  const m = new RegExp(`^count=(\\d+)((?:\\s+\\w+=${NUM})*)\\s*$`).exec(s.trim());
  if (!m) return undefined;
  const out: Record<string, number> = { count: Number(m[1]) };
  for (const kv of (m[2] ?? '').trim().split(/\s+/).filter(Boolean)) {
    const [k, v] = kv.split('=') as [string, string];
    if (['first', 'curr', 'min', 'max', 'avg', 'std', 'p5', 'median', 'p95'].includes(k)) out[k] = Number(v);
  }
  return out as unknown as RunStats;
}

/** Parses one benchmark_model run; throws BenchmarkParseError when no timing is found at all. */
export function parseBenchmarkOutput(text: string): BenchmarkOutput {
  const lines = text.split('\n').map(stripPrefix);
  const stats: RunStats[] = [];
  let summary: Pick<BenchmarkOutput, 'initUs' | 'firstInferenceUs' | 'warmupAvgUs' | 'inferenceAvgUs'> | undefined;
  let format: BenchmarkOutput['format'] = 'stats-only';
  const memory: { init?: number; overall?: number; peak?: number } = {};
  let modelSizeMb: number | undefined;
  let threads: number | undefined;

  const newRe = new RegExp(`Inference timings in us: Init: (${NUM}), First inference: (${NUM}), Warmup \\(avg\\): (${NUM}), Inference \\(avg\\): (${NUM})`);
  const oldRe = new RegExp(`Average inference timings in us: Warmup: (${NUM}),(?: Init: (${NUM}),)? (?:Inference|no stats): (${NUM})`);

  let inProfiler = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    let m: RegExpExecArray | null;
    if (/^=+ .* =+$/.test(l.trim())) inProfiler = true;
    if (/^Timings \(microseconds\):/.test(l)) continue; // the profiler's own statistics
    if ((m = newRe.exec(l))) {
      format = 'new';
      summary = { initUs: Number(m[1]), firstInferenceUs: Number(m[2]), warmupAvgUs: Number(m[3]), inferenceAvgUs: Number(m[4]) };
      continue;
    }
    if ((m = oldRe.exec(l))) {
      format = 'old';
      summary = { warmupAvgUs: Number(m[1]), ...(m[2] !== undefined ? { initUs: Number(m[2]) } : {}), inferenceAvgUs: Number(m[3]) };
      continue;
    }
    const st = !inProfiler ? parseStats(l) : undefined;
    if (st) {
      stats.push(st);
      continue;
    }
    if ((m = new RegExp(`(?:Peak memory footprint|Memory footprint delta from the start of the tool) \\(MB\\): init=(${NUM}) overall=(${NUM})`).exec(l))) {
      memory.init = Number(m[1]);
      memory.overall = Number(m[2]);
      continue;
    }
    if ((m = new RegExp(`Overall peak memory footprint \\(MB\\) via periodic monitoring: (${NUM})`).exec(l))) {
      memory.peak = Number(m[1]);
      continue;
    }
    if ((m = new RegExp(`The input model file size \\(MB\\): (${NUM})`).exec(l))) modelSizeMb = Number(m[1]);
    if ((m = /^(?:#threads used for CPU inference|Num threads): \[(\d+)\]/.exec(l))) threads = Number(m[1]);
  }
  const { delegates, fallback } = parseDelegates(text);

  const ops = parseRunOrder(lines);
  const nodeTypes = parseNodeTypes(lines);
  const runs = stats.length > 0 ? stats[stats.length - 1] : undefined;
  const warmup = stats.length > 1 ? stats[stats.length - 2] : undefined;
  if (!summary && !runs) throw new BenchmarkParseError('no benchmark timings found in benchmark_model output');
  return {
    format: summary ? format : 'stats-only',
    ...(summary ?? { inferenceAvgUs: runs?.avg }),
    ...(runs ? { runs } : {}),
    ...(warmup ? { warmup } : {}),
    ...(Object.keys(memory).length > 0 ? { memoryMb: memory } : {}),
    delegates,
    fallback,
    ...(ops.length > 0 ? { ops } : {}),
    ...(nodeTypes.length > 0 ? { nodeTypes } : {}),
    ...(modelSizeMb !== undefined ? { modelSizeMb } : {}),
    ...(threads !== undefined ? { threads } : {}),
  };
}

const REPLACING = /Replacing (\d+)(?: out of (\d+))? node\(s\) with delegate \(([^)]+)\) node, yielding (\d+) partitions/;

/**
 * Which delegates took which nodes, and every sign that part of the graph silently fell back to the
 * CPU: `Replacing N out of M node(s)` with N < M, `… will not be executed by the delegate`,
 * `Following operations are not supported by … delegate`, `remaining K operations will run on the
 * CPU`, failed delegate creation. Works on benchmark_model output and on app logcat alike.
 */
export function parseDelegates(text: string): { delegates: DelegateReport[]; fallback: string[] } {
  const delegates: DelegateReport[] = [];
  const fallback: string[] = [];
  for (const raw of text.split('\n')) {
    const l = stripPrefix(raw).trim();
    const m = REPLACING.exec(l);
    if (m) {
      const replaced = Number(m[1]);
      const total = m[2] !== undefined ? Number(m[2]) : undefined;
      delegates.push({ name: m[3] as string, replaced, ...(total !== undefined ? { total } : {}), partitions: Number(m[4]) });
      if (total !== undefined && replaced < total) fallback.push(`${m[3]} took ${replaced} of ${total} nodes; ${total - replaced} run on the CPU`);
      continue;
    }
    if (/will not be executed by the delegate/.test(l)) fallback.push(l);
    else if (/Following operations are not supported by .*delegate/.test(l)) fallback.push(l);
    else if (/remaining \d+ operations will run on the CPU/.test(l) && !/remaining 0 operations/.test(l)) fallback.push(l);
    else if (/Failed to (?:apply|create|initialize) .*delegate/i.test(l)) fallback.push(l);
  }
  return { delegates, fallback };
}

/** The last `Run Order` table: the regular runs' one when initialisation was profiled too. */
function parseRunOrder(lines: readonly string[]): OpProfileRow[] {
  let start = -1;
  for (let i = 0; i < lines.length; i++) if (/=+ Run Order =+/.test(lines[i] as string)) start = i;
  if (start < 0) return [];
  const rows: OpProfileRow[] = [];
  const re = new RegExp(`^\\s*(\\S+)\\s+(${NUM})\\s+(${NUM})\\s+(${NUM})\\s+(${NUM})%\\s+(${NUM})%\\s+(${NUM})\\s+(\\d+)\\s+(.*?)\\s*$`);
  for (let i = start + 2; i < lines.length; i++) {
    const m = re.exec(lines[i] as string);
    if (!m) break;
    rows.push({ nodeType: m[1] as string, startMs: Number(m[2]), firstMs: Number(m[3]), avgMs: Number(m[4]), percent: Number(m[5]), name: m[9] as string });
  }
  return rows;
}

function parseNodeTypes(lines: readonly string[]): NodeTypeSummary[] {
  let start = -1;
  for (let i = 0; i < lines.length; i++) if (/=+ Summary by node type =+/.test(lines[i] as string)) start = i;
  if (start < 0) return [];
  const rows: NodeTypeSummary[] = [];
  const re = new RegExp(`^\\s*(\\S+)\\s+(\\d+)\\s+(${NUM})\\s+(${NUM})%\\s+(${NUM})%\\s+(${NUM})\\s+(\\d+)\\s*$`);
  for (let i = start + 2; i < lines.length; i++) {
    const m = re.exec(lines[i] as string);
    if (!m) break;
    rows.push({ nodeType: m[1] as string, count: Number(m[2]), avgMs: Number(m[3]), percent: Number(m[4]) });
  }
  return rows;
}

/** Inference latency in ms: median of the measured runs when printed, else their average. */
export function latencyMs(o: BenchmarkOutput): number | undefined {
  const us = o.runs?.median ?? o.inferenceAvgUs ?? o.runs?.avg;
  return us === undefined ? undefined : us / 1000;
}
