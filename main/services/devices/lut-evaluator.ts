import { readFileSync } from 'node:fs';
import { errorMessage, NasError } from '../../../shared/errors.js';
import type { Architecture, Metrics, StudySpec } from '../../../shared/types/index.js';
import type { EvaluationResult, Evaluator } from '../../core/evaluator.js';
import { buildGraph } from '../../core/graph/index.js';
import { latencyMetric, LookupTableLatencyModel } from '../../core/latency/lookup-table.js';
import { createSpace } from '../../core/spaces.js';
import type { LutFile } from './profiler.js';

/** Evaluator spec `{ kind: 'lut', tables: { <deviceId>: <path of the device's lookup-table JSON> } }`. */
export interface LutEvaluatorSpec {
  readonly kind: 'lut';
  readonly tables: Readonly<Record<string, string>>;
}

export function readLutFile(file: string): LutFile {
  let lut: LutFile;
  try {
    lut = JSON.parse(readFileSync(file, 'utf8')) as LutFile;
  } catch (e) {
    throw new NasError('invalid-input', `cannot read latency table ${file}: ${errorMessage(e)} (build it with 'frontier device profile <serial> --space <space>')`);
  }
  if (lut.version !== 1 || !lut.table?.entries) throw new NasError('invalid-input', `${file} is not a Frontier latency table`);
  return lut;
}

/**
 * `latency:<device>` for every device with a lookup table, predicted from the table — known up front,
 * so constraints on it are checked before anything is evaluated and evaluation costs nothing.
 * An architecture with kernels the table lacks fails (its latency would be an underestimate).
 */
export class LutEvaluator implements Evaluator {
  private readonly models: LookupTableLatencyModel[] = [];

  constructor(spec: StudySpec) {
    const e = spec.evaluator as unknown as LutEvaluatorSpec;
    const space = createSpace(spec.space, spec.spaceOptions ?? {});
    for (const [device, file] of Object.entries(e.tables ?? {})) {
      const lut = readLutFile(file);
      if (lut.table.deviceId !== device) throw new NasError('invalid-input', `${file} is the table of ${lut.table.deviceId}, not ${device}`);
      if (lut.space !== space.id) throw new NasError('invalid-input', `${file} was built for space ${lut.space}, the search uses ${space.id}`);
      this.models.push(new LookupTableLatencyModel(lut.table, (a) => buildGraph(space, a, lut.graph)));
    }
    if (this.models.length === 0) throw new NasError('invalid-input', 'a latency-table evaluator needs at least one device table');
  }

  known(a: Architecture): Metrics {
    const out: Record<string, number> = {};
    for (const m of this.models) {
      const p = m.predict(a);
      if (p.missing.length === 0) out[latencyMetric(m.deviceId)] = p.ms;
    }
    return out;
  }

  estimateCost(): number {
    return 0;
  }

  async evaluate(a: Architecture): Promise<EvaluationResult> {
    const metrics: Record<string, number> = {};
    for (const m of this.models) {
      const p = m.predict(a);
      if (p.missing.length > 0) throw new NasError('invalid-input', `the latency table of ${m.deviceId} lacks ${p.missing.length} kernel(s) of ${a.key}, e.g. ${p.missing[0]}`);
      metrics[latencyMetric(m.deviceId)] = p.ms;
    }
    return { metrics, fidelity: 'lut', cost: 0 };
  }
}
