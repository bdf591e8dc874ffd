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
  it('says which importances are clear of chance (interval above the chance level)', () => {
    const ranked = rankDecisions({
      metric: 'acc', direction: 'max', top: 1, total: 7,
      decisions: [
        { name: 'e1', choices: ['a', 'b'], topShare: [1, 0], allShare: [0.5, 0.5], importance: 0.64, importanceCi: [0.05, 0.97], chance: 1 / 6 },
        { name: 'e2', choices: ['a', 'b'], topShare: [1, 0], allShare: [0.5, 0.5], importance: 0.9, importanceCi: [0.7, 0.99], chance: 1 / 6 },
        { name: 'e3', choices: ['a', 'b'], topShare: [1, 0], allShare: [0.5, 0.5], importance: 0.1 },
      ],
    });
    expect(ranked.map((d) => [d.name, d.aboveChance])).toEqual([['e2', true], ['e1', false], ['e3', null]]);
  });
  it('ranks by importance above chance: a conditional decision used by as few trials as its choices comes after a real effect (#16)', () => {
    const ranked = rankDecisions({
      metric: 'acc', direction: 'max', top: 1, total: 10,
      decisions: [
        { name: 'b3.kernel', choices: ['3', '5', '7'], active: 3, topShare: [0, 0, 0], allShare: [1 / 3, 1 / 3, 1 / 3], importance: 1, importanceCi: [0, 1], chance: 1 },
        { name: 'type', choices: ['ds-cnn', 'tc-resnet'], topShare: [0, 1], allShare: [0.7, 0.3], importance: 0.71, importanceCi: [0.56, 1], chance: 1 / 9 },
      ],
    });
    expect(ranked.map((d) => d.name)).toEqual(['type', 'b3.kernel']);
  });
});
