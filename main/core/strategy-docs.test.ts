import { describe, expect, it } from 'vitest';
import { Nb201Space } from './spaces/nb201.js';
import { createStrategy, STRATEGIES, STRATEGY_OPTIONS, type StrategyName } from './strategies.js';
import { STRATEGY_DOCS, strategyCatalog, strategyHelp } from './strategy-docs.js';

describe('strategy catalog', () => {
  const { strategies, common } = strategyCatalog();

  it('lists every registered strategy in registry order, each with exactly the options it reads', () => {
    expect(strategies.map((s) => s.name)).toEqual(Object.keys(STRATEGIES));
    for (const s of strategies) expect(s.options.map((o) => o.name)).toEqual([...(STRATEGY_OPTIONS[s.name as StrategyName] ?? [])]);
    expect(common.map((o) => o.name)).toEqual(['zcFilter', 'zcProxy']);
  });

  it('documents no option a strategy does not read', () => {
    for (const [name, doc] of Object.entries(STRATEGY_DOCS)) {
      for (const o of Object.keys(doc?.options ?? {})) expect(STRATEGY_OPTIONS[name as StrategyName], `${name}.${o}`).toContain(o);
    }
  });

  it('every documented plain default and every documented choice is accepted by the strategy', () => {
    const space = new Nb201Space();
    const ctx = (options: Record<string, unknown>) => ({ space, objectives: [{ metric: 'acc', direction: 'max' as const }], seed: 0, options, fidelities: [12, 200] });
    let checked = 0;
    for (const s of strategies) {
      for (const o of s.options) {
        const values = o.kind === 'choice' ? [...(o.choices ?? [])] : /^[\d.]+$/.test(o.default) ? [o.default] : [];
        for (const v of values) {
          expect(() => createStrategy(s.name, ctx({ [o.name]: v })), `${s.name} ${o.name}=${v}`).not.toThrow();
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
  });

  it('--help text names every strategy, its title and each option with its meaning', () => {
    const help = strategyHelp();
    for (const s of strategies) {
      expect(help).toContain(`  ${s.name} — ${s.title}`);
      for (const o of s.options) expect(help).toMatch(new RegExp(`\\n    ${o.name}\\s`));
    }
    expect(help).toContain('population');
    expect(help).toMatch(/zcProxy\s+the filter's proxy.*default synflow/s);
    expect(help.split('\n').every((l) => l.length <= 100)).toBe(true);
  });
});
