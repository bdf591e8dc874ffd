import { describe, expect, it } from 'vitest';
import { roundPoints } from '../../../shared/supernet-rounds.js';
import { archWeights, collapseCount, derivedOps, nb201ArchString, panelSeries, softmax } from './reducer.js';

const OPS = ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3'];
const EDGES = ['1<-0', '2<-0', '2<-1', '3<-0', '3<-1', '3<-2'];

describe('oneShot reducer', () => {
  it('turns a DARTS curve into softmax(alpha) per epoch, edge and operation, in the written order', () => {
    const curve = [2, 1].flatMap((step) => [
      { step, metric: 'train_loss', value: 3 - step },
      ...EDGES.flatMap((edge, e) => OPS.map((op, k) => ({ step, metric: `alpha_${edge}_${op}`, value: step * 0.1 * k + e * 0.01 }))),
    ]);
    const w = archWeights(curve, 'darts');
    expect(w.edges).toEqual(EDGES);
    expect(w.ops).toEqual(OPS);
    expect(w.epochs).toEqual([1, 2]);
    expect(w.series.train_loss).toEqual([2, 1]);
    const row = w.weights[1]?.[5] as number[];
    const e = OPS.map((_, k) => Math.exp(0.2 * k + 0.05));
    expect(row[3]).toBeCloseTo((e[3] as number) / e.reduce((a, b) => a + b, 0), 12);
    expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('reads ENAS probabilities as they are, ignoring alpha', () => {
    const w = archWeights([{ step: 1, metric: 'p_1<-0_none', value: 0.25 }, { step: 1, metric: 'p_1<-0_skip_connect', value: 0.75 }, { step: 1, metric: 'mean_reward', value: 0.4 }], 'enas');
    expect(w.weights).toEqual([[[0.25, 0.75]]]);
    expect(w.series.mean_reward).toEqual([0.4]);
  });

  it('derives the cell without none, its arch string and the collapse count', () => {
    const rows = EDGES.map((_, e) => (e < 3 ? [0.9, 0.02, 0.03, 0.04, 0.01] : [0.1, 0.1, 0.1, 0.1, 0.6]));
    const chosen = derivedOps(rows, OPS);
    expect(chosen).toEqual([3, 3, 3, 4, 4, 4]);
    expect(nb201ArchString(EDGES, OPS, chosen)).toBe('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|avg_pool_3x3~0|avg_pool_3x3~1|avg_pool_3x3~2|');
    expect(collapseCount(chosen, OPS)).toBe(3);
    expect(softmax([0, 0])).toEqual([0.5, 0.5]);
  });
});

describe('supernet panel rounds', () => {
  it('gives one series per panel member over the rounds, null where a round lacks it', () => {
    const curve = [
      ...roundPoints({ step: 10, seconds: 1, subnets: [{ label: 'largest', key: 'A', valAccuracy: 0.5 }, { label: 'smallest', key: 'B', valAccuracy: 0.25 }] }),
      { step: 10, metric: 'loss', value: 2 },
      ...roundPoints({ step: 20, seconds: 3, subnets: [{ label: 'largest', key: 'A', valAccuracy: 0.75 }] }),
    ];
    expect(panelSeries(curve)).toEqual({
      steps: [10, 20],
      members: [{ label: 'largest', key: 'A', values: [0.5, 0.75] }, { label: 'smallest', key: 'B', values: [0.25, null] }],
      lastSeconds: 3,
    });
    expect(panelSeries([{ step: 5, metric: 'loss', value: 1 }])).toEqual({ steps: [], members: [], lastSeconds: null });
  });
});
