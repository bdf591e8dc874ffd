import { describe, expect, it } from 'vitest';
import { curveSeries, metricRows } from './reducer.js';

describe('trial reducer', () => {
  it('groups a learning curve by metric in step order', () => {
    expect(curveSeries([{ step: 2, metric: 'loss', value: 1 }, { step: 1, metric: 'loss', value: 2 }, { step: 1, metric: 'acc', value: 0.5 }])).toEqual({
      loss: { steps: [1, 2], values: [2, 1] },
      acc: { steps: [1], values: [0.5] },
    });
  });
  it('lists objectives first, then other metrics by name, each with its fidelity', () => {
    const rows = metricRows({ z: 1, lat: 3, acc: 2 }, { acc: 'table', lat: 'epochs:12' }, [{ metric: 'acc', direction: 'max' }, { metric: 'lat', direction: 'min' }]);
    expect(rows).toEqual([
      { name: 'acc', value: 2, fidelity: 'table', direction: 'max' },
      { name: 'lat', value: 3, fidelity: 'epochs:12', direction: 'min' },
      { name: 'z', value: 1, fidelity: 'unknown', direction: null },
    ]);
  });
});
