import path from 'node:path';
import { NasError } from '../../../shared/errors.js';
import type { BenchmarkConfig } from '../../core/benchmark/measurement.js';
import { CancellationToken } from '../../core/cancellation.js';
import { buildGraph, type GraphOptions } from '../../core/graph/index.js';
import { latencyMetric } from '../../core/latency/lookup-table.js';
import { createSpace } from '../../core/spaces.js';
import type { Store } from '../../core/store.js';
import { summarize } from '../../core/summary.js';
import { exportTrialTflite } from '../export/artifact.js';
import { randomWeights } from '../export/weights.js';
import type { BenchmarkRunner, MeasurementEvent, MeasurementStatus } from './benchmark-runner.js';

export interface FinalistResult {
  readonly trial: number;
  readonly architecture: string;
  /** The table's prediction the search used (`latency:<device>`), when the study had it. */
  readonly predictedMs?: number;
  readonly measuredMs: number;
  readonly status: MeasurementStatus;
  readonly interruptions: number;
  readonly artifact: string;
}

/**
 * Re-measures a study's finalists (its Pareto front, best first by the first objective, at most
 * `top`) on the phone: each is exported as a TFLite artifact (weights: the trial's when `weightsOf`
 * gives them, else seeded random ones — latency does not depend on the values), pushed and measured;
 * the samples are stored with the study and trial they belong to.
 */
export async function measureFinalists(
  store: Store,
  runner: BenchmarkRunner,
  o: {
    readonly serial: string;
    readonly studyId: string;
    readonly graph: GraphOptions;
    readonly dir: string;
    readonly top?: number;
    readonly config?: Partial<BenchmarkConfig>;
    readonly token?: CancellationToken;
    readonly onEvent?: (trial: number, e: MeasurementEvent) => void;
  },
): Promise<FinalistResult[]> {
  const rec = store.getStudy(o.studyId);
  if (!rec) throw new NasError('not-found', `no study with id '${o.studyId}'`);
  const space = createSpace(rec.spec.space, rec.spec.spaceOptions ?? {});
  const trials = store.getTrials(o.studyId, { states: ['complete'] });
  const front = summarize(trials, rec.spec.objectives).front.slice(0, o.top ?? 5);
  const metric = latencyMetric(o.serial);
  const out: FinalistResult[] = [];
  for (const t of front) {
    const arch = space.freeze(t.sample);
    const graph = buildGraph(space, arch, o.graph);
    const artifact = exportTrialTflite(store, { studyId: o.studyId, trialNumber: t.number, graph, weights: randomWeights(graph, t.number), dir: path.join(o.dir, `study${o.studyId}`) });
    const m = await runner.measure(o.serial, { hostPath: artifact.path, subject: `arch:${space.id}:${arch.key}` }, o.config ?? {}, o.token ?? CancellationToken.None, (e) => o.onEvent?.(t.number, e), { studyId: o.studyId, trialNumber: t.number });
    const predicted = t.metrics[metric];
    out.push({
      trial: t.number, architecture: arch.key, ...(predicted !== undefined ? { predictedMs: predicted } : {}),
      measuredMs: m.medianMs, status: m.status, interruptions: m.interruptions, artifact: artifact.path,
    });
  }
  return out;
}
