import { describe, expect, it } from 'vitest';
import { parseRoundMetric, roundMetric, roundPoints, roundsOf, type ScoringRound } from './supernet-rounds.js';

const KEY = 'w1:k7e6se-k5e4/w0.75:k3e3';

describe('supernet scoring rounds in a curve', () => {
  it('round-trips rounds through curve points, among other metrics, by step', () => {
    const r20: ScoringRound = { step: 20, seconds: 1.5, subnets: [{ label: 'largest', key: KEY, valAccuracy: 0.75 }, { label: 'sampled1', key: 'w0.5:k3e3/w0.5:k3e3', valAccuracy: 0.5 }] };
    const r10: ScoringRound = { step: 10, seconds: 2, subnets: [{ label: 'largest', key: KEY, valAccuracy: 0.25 }, { label: 'sampled1', key: 'w0.5:k3e3/w0.5:k3e3', valAccuracy: 0.125 }] };
    const curve = [{ step: 10, metric: 'loss', value: 2 }, ...roundPoints(r20), { step: 20, metric: 'lr', value: 0.1 }, ...roundPoints(r10)];
    expect(roundsOf(curve)).toEqual([r10, r20]);
    expect(roundsOf([{ step: 5, metric: 'loss', value: 1 }])).toEqual([]);
  });

  it('keeps the key whole (it holds colons) and refuses labels that would not parse', () => {
    expect(parseRoundMetric(roundMetric({ label: 'smallest', key: KEY }))).toEqual({ label: 'smallest', key: KEY });
    expect(parseRoundMetric('loss')).toBeUndefined();
    expect(() => roundMetric({ label: 'a:b', key: KEY })).toThrow(/panel label 'a:b'/);
  });
});
