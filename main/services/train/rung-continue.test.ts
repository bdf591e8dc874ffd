import { describe, expect, it } from 'vitest';
import type { CurvePoint, StudySpec } from '../../../shared/types/index.js';
import { missingPeer } from '../../../test/harness/peer.js';
import { CancellationTokenSource } from '../../core/cancellation.js';
import { MobilenetSpace } from '../../core/spaces/mobilenet.js';
import type { BackendName } from './backend.js';
import { TrainEvaluator } from './evaluator.js';
import { loadTorch } from './torch-engine.js';

// Multi-fidelity with real training: a promoted architecture continues from its lower rung's weights.
const spec: StudySpec = {
  name: 't', space: 'mobilenet', strategy: 'asha', objectives: [{ metric: 'val_accuracy', direction: 'max' }],
  constraints: [], report: [], budget: { evals: 1 }, seed: 0, evaluator: { kind: 'train' },
};
const space = new MobilenetSpace();
const arch = space.freeze(space.parse('w0.5:k3e3/w0.5:k3e3/w0.5:k3e3/w0.5:k3e1'));
const never = new CancellationTokenSource().token;
const loaded = loadTorch();
const noTorch = missingPeer('libtorch (the native engine; npm run build:native)', typeof loaded === 'string' ? loaded : undefined);

/** The fidelity of one metric (an evaluation gives one for all, or one per metric). */
const metricFidelity = (f: string | Readonly<Record<string, string>>, m: string) => (typeof f === 'string' ? f : f[m]);

describe.each<[BackendName, boolean]>([
  ['wasm', false],
  ['torch', noTorch],
])('a promoted trial continues from its lower rung (%s)', (backend, skip) => {
  it.skipIf(skip)('trains only the extra epochs from the kept weights and counts epochs from the start', async () => {
    const settings = { kind: 'train', backend, maxTrain: 300, val: 100, batchSize: 32, patience: 0, latency: false, mobilenet: { stemStride: 2 } } as const;
    const ev = new TrainEvaluator(spec, { ...settings, epochs: 3 });
    // The control: the same architecture, seed and data, trained 2 epochs from scratch (no fidelity asked).
    const scratch = new TrainEvaluator(spec, { ...settings, epochs: 2 });
    try {
      const curve = async (e: TrainEvaluator, fidelity?: number) => {
        const points: CurvePoint[] = [];
        const r = await e.evaluate(arch, (p) => points.push(p), never, fidelity === undefined ? undefined : { studyId: 'rung-continue', number: 0, fidelity });
        return { r, steps: (m: string) => points.filter((p) => p.metric === m) };
      };
      const low = await curve(ev, 1);
      expect(low.steps('val_accuracy').map((p) => p.step)).toEqual([1]);
      const high = await curve(ev, 3);
      // Two more epochs, reported as epochs 2 and 3, charged for their own time.
      expect(high.steps('val_accuracy').map((p) => p.step)).toEqual([2, 3]);
      expect(high.r.metrics.epochs).toBe(3);
      expect(metricFidelity(high.r.fidelity, 'val_accuracy')).toBe('epochs:3 (continued from 1)');
      expect(high.r.cost as number).toBeGreaterThan(0);
      const base = await curve(scratch);
      expect(base.steps('val_accuracy').map((p) => p.step)).toEqual([1, 2]);
      expect(metricFidelity(base.r.fidelity, 'val_accuracy')).toBe('epochs:2');
      // Same 2-epoch schedule and seed; only the start differs: from the lower rung's weights the first
      // epoch's training loss is lower than from a fresh initialisation.
      expect(high.steps('train_loss')[0]?.value as number).toBeLessThan(base.steps('train_loss')[0]?.value as number);
    } finally {
      ev.dispose();
      scratch.dispose();
    }
  }, 180_000);
});
