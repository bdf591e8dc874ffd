import { describe, expect, it } from 'vitest';
import { enasMobilenetRecords } from './records.js';

describe('enasMobilenetRecords', () => {
  it('reads the probabilities per decision and choice, the derived sub-network and the curves per epoch, whatever the order written', () => {
    const curve = [2, 1].flatMap((step) => [
      { step, metric: 'mean_reward', value: 0.1 * step },
      { step, metric: 'derived_accuracy', value: 0.2 * step },
      { step, metric: 'p_s1.depth_1', value: step === 1 ? 0.5 : 0.3 },
      { step, metric: 'p_s1.depth_2', value: step === 1 ? 0.5 : 0.7 },
      { step, metric: 'p_s1.b2.se_false', value: 0.4 },
      { step, metric: 'p_s1.b2.se_true', value: 0.6 },
      { step, metric: 'd_s1.depth', value: step === 1 ? 0 : 1 },
      ...(step === 2 ? [{ step, metric: 'd_s1.b2.se', value: 1 }] : []),
    ]);
    const r = enasMobilenetRecords(curve);
    expect(r.epochs).toEqual([1, 2]);
    expect(r.decisions).toEqual([{ name: 's1.depth', choices: ['1', '2'] }, { name: 's1.b2.se', choices: ['false', 'true'] }]);
    expect(r.probabilities).toEqual([[[0.5, 0.5], [0.4, 0.6]], [[0.3, 0.7], [0.4, 0.6]]]);
    // Epoch 1's derived net has depth 1: its block 2 is inactive.
    expect(r.derived).toEqual([[0, null], [1, 1]]);
    expect(r.series.mean_reward).toEqual([0.1, 0.2]);
    expect(r.series.derived_accuracy).toEqual([0.2, 0.4]);
    expect(r.series.baseline).toBeUndefined();
  });

  it('an empty curve (no epoch ended yet): no epochs', () => {
    expect(enasMobilenetRecords([])).toEqual({ epochs: [], decisions: [], probabilities: [], derived: [], series: {} });
  });
});
