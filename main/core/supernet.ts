/**
 * The pure parts of the once-for-all supernet of the `mobilenet` space: the supernet's shape (the
 * largest choice of everything the space allows, which every smaller choice slices), a sample as the
 * active sub-network the engine runs, and Kendall's τ for checking how well supernet accuracy ranks
 * sub-networks against standalone training. The engine is main/services/train/supernet-engine.ts.
 */
import { NasError } from '../../shared/errors.js';
import type { Architecture } from '../../shared/types/index.js';
import { MOBILENET_STEM } from './graph/mobilenet.js';
import type { MobilenetSpace } from './spaces/mobilenet.js';

export interface SupernetStageSpec {
  /** Output channels of each width choice, in the space's width order. */
  readonly channels: readonly number[];
  readonly stride: number;
  readonly depths: readonly number[];
}

/** What the native engine builds: the space's choices with the data's input and the macro skeleton. */
export interface SupernetSpec {
  readonly input: readonly [number, number, number];
  readonly classes: number;
  readonly stem: number;
  readonly stemStride: number;
  readonly stages: readonly SupernetStageSpec[];
  readonly kernels: readonly number[];
  readonly expansions: readonly number[];
  readonly squeezeExcite: boolean;
}

/** One stage of an active sub-network, as MobilenetSpace.stages gives it. */
export interface ActiveStage {
  readonly channels: number;
  readonly blocks: readonly { readonly kernel: number; readonly expansion: number; readonly se: boolean }[];
}

/** Channels of a stage at a width multiplier (as MobilenetSpace.stages computes them). */
export function stageChannels(channels: number, width: number): number {
  return Math.max(8, Math.round((channels * width) / 8) * 8);
}

export function supernetSpec(space: MobilenetSpace, input: readonly [number, number, number], classes: number, stemStride = 1): SupernetSpec {
  const o = space.options;
  if (o.kernels.some((k) => k % 2 === 0)) throw new NasError('invalid-space', `a supernet needs odd kernels (the smaller ones are the centre of the largest), got ${o.kernels.join(', ')}`);
  if (!Number.isInteger(classes) || classes < 1) throw new NasError('invalid-input', `classes must be a positive integer, got ${classes}`);
  return {
    input,
    classes,
    stem: MOBILENET_STEM,
    stemStride,
    stages: o.stages.map((st) => ({ channels: o.widths.map((w) => stageChannels(st.channels, w)), stride: st.stride, depths: [...st.depths] })),
    kernels: [...o.kernels],
    expansions: [...o.expansions],
    squeezeExcite: o.squeezeExcite,
  };
}

/** The sub-network an architecture of the space is. */
export function activeOf(space: MobilenetSpace, a: Architecture): ActiveStage[] {
  if (a.space !== space.id) throw new NasError('invalid-input', `architecture ${a.key} is of space ${a.space}, the supernet is of ${space.id}`);
  return space.stages(a.sample).map((st) => ({ channels: st.channels, blocks: st.blocks.map((b) => ({ kernel: b.kernel, expansion: b.expansion, se: b.se })) }));
}

/** The largest and smallest architectures of the space (the sandwich rule's two fixed ends). */
export function extremes(space: MobilenetSpace): { largest: Architecture; smallest: Architecture } {
  const pick = (max: boolean) =>
    space.dims.map((d) => {
      if (d.name.endsWith('.se')) return max ? d.choices.indexOf(true as never) : d.choices.indexOf(false as never);
      const vals = d.choices as readonly number[];
      const best = max ? Math.max(...vals) : Math.min(...vals);
      return vals.indexOf(best);
    });
  return { largest: space.freeze(pick(true)), smallest: space.freeze(pick(false)) };
}

/** Kendall's τ-b of two paired lists (ties handled); NaN with fewer than two pairs. */
export function kendallTau(x: readonly number[], y: readonly number[]): number {
  if (x.length !== y.length) throw new NasError('internal', 'kendallTau: lists of different lengths');
  let concordant = 0, discordant = 0, tiesX = 0, tiesY = 0;
  for (let i = 0; i < x.length; i++) {
    for (let j = i + 1; j < x.length; j++) {
      const dx = Math.sign((x[i] as number) - (x[j] as number));
      const dy = Math.sign((y[i] as number) - (y[j] as number));
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) tiesX++;
      else if (dy === 0) tiesY++;
      else if (dx === dy) concordant++;
      else discordant++;
    }
  }
  const denom = Math.sqrt((concordant + discordant + tiesX) * (concordant + discordant + tiesY));
  return denom === 0 ? Number.NaN : (concordant - discordant) / denom;
}
