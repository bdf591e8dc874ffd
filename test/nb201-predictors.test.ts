import { describe, expect, it } from 'vitest';
import { nb201PathEncoding } from '../main/core/predictors/encoding.js';
import { GbtEnsemble } from '../main/core/predictors/gbt.js';
import { Rng } from '../main/core/rng.js';
import { copula } from '../main/core/strategies/model-based.js';
import { heldOutScores, nb201Rows } from './fixtures/nb201-table.js';

// Held-out quality on the shipped NAS-Bench-201 table (bench/nb201-protocol-predictors.ts has the full table).
describe('gradient-boosted trees on NAS-Bench-201, held out', () => {
  it('fitted on 100 random architectures, ranks 1,000 others by 12-epoch CIFAR-10 validation accuracy (τ > 0.4, ρ > 0.55)', () => {
    const rows = nb201Rows('c10_valid_12ep');
    expect(rows.length).toBe(15625);
    for (const split of [0, 1]) {
      const picked = new Rng(1000 + split).sample(rows, 1100);
      const train = picked.slice(0, 100);
      const test = picked.slice(100);
      const g = new GbtEnsemble({ seed: split });
      g.fit(train.map((r) => nb201PathEncoding(r.sample)), copula(train.map((r) => r.value)));
      const { tau, rho } = heldOutScores(g.query(test.map((r) => nb201PathEncoding(r.sample))).mean, test.map((r) => r.value));
      expect(tau, `split ${split}`).toBeGreaterThan(0.4);
      expect(rho, `split ${split}`).toBeGreaterThan(0.55);
    }
  });
});
