import type { NasStore } from '../index.js';
import { archWeights, panelSeries, type ArchWeights, type PanelSeries } from './reducer.js';

let memo: { curve: unknown; kind: string; out: ArchWeights } | undefined;

export const oneShotSelectors = {
  /** The open study's architecture weights over epochs (memoised on the curve), or null for a search of another kind. */
  weights(s: NasStore): ArchWeights | null {
    const strategy = s.detail?.strategy;
    if (strategy !== 'darts' && strategy !== 'enas') return null;
    if (memo?.curve !== s.oneShotCurve || memo.kind !== strategy) memo = { curve: s.oneShotCurve, kind: strategy, out: archWeights(s.oneShotCurve, strategy) };
    return memo.out;
  },
};

let lossMemo: { curve: unknown; out: { steps: number[]; loss: number[] } } | undefined;

/** A supernet training's loss per reported step (trial 0's curve). */
export function trainingLoss(s: NasStore): { steps: number[]; loss: number[] } {
  if (lossMemo?.curve !== s.oneShotCurve) {
    const pts = s.oneShotCurve.filter((p) => p.metric === 'loss').sort((a, b) => a.step - b.step);
    lossMemo = { curve: s.oneShotCurve, out: { steps: pts.map((p) => p.step), loss: pts.map((p) => p.value) } };
  }
  return lossMemo.out;
}

let panelMemo: { curve: unknown; out: PanelSeries } | undefined;

/** A supernet training's scoring rounds (trial 0's curve): the panel's accuracy over steps. */
export function panelRounds(s: NasStore): PanelSeries {
  if (panelMemo?.curve !== s.oneShotCurve) panelMemo = { curve: s.oneShotCurve, out: panelSeries(s.oneShotCurve) };
  return panelMemo.out;
}
