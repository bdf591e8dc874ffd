import { describe, expect, it } from 'vitest';
import { rankDecisions } from './reducer.js';

describe('insights', () => {
  it('ranks decisions by importance and finds the most over-represented choice', () => {
    const ranked = rankDecisions({
      metric: 'acc', direction: 'max', top: 2, total: 10,
      decisions: [
        { name: 'e1', choices: ['a', 'b'], topShare: [0.5, 0.5], allShare: [0.5, 0.5], importance: 0.01 },
        { name: 'e2', choices: ['conv', 'pool', 'skip'], topShare: [1, 0, 0], allShare: [0.3, 0.4, 0.3], importance: 0.6 },
      ],
    });
    expect(ranked.map((d) => d.name)).toEqual(['e2', 'e1']);
    expect(ranked[0]).toMatchObject({ favourite: 'conv' });
    expect(ranked[0]!.lift).toBeCloseTo(0.7, 9);
  });
});
