/**
 * Architecture encodings for predictors: the one-hot of the decisions (every space; inactive
 * decisions all zero) and NAS-Bench-201's path encoding (White et al., BANANAS): one feature per
 * sequence of operations along an input→output path of the cell, paths through `none` dropped.
 */
import { NasError } from '../../../shared/errors.js';
import type { Sample } from '../../../shared/types/index.js';
import type { SearchSpace } from '../search-space.js';

export const ENCODINGS = ['auto', 'onehot', 'path'] as const;
export type EncodingName = (typeof ENCODINGS)[number];

export type Encoder = (s: Sample) => number[];

export function oneHot(space: SearchSpace, s: Sample): number[] {
  return space.features(s);
}

/**
 * The four input→output paths of the NB201 cell as edge indices (edges in the benchmark's order
 * 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2): 0→3, 0→1→3, 0→2→3, 0→1→2→3.
 */
const NB201_PATHS: readonly (readonly number[])[] = [[3], [0, 4], [1, 5], [0, 2, 5]];
/** Operations that pass a signal (codes 1..4: skip, conv1x1, conv3x3, avg pool); `none` (0) cuts a path. */
const LIVE_OPS = 4;
/** Features per path length: 4 + 16 + 64. */
export const NB201_PATH_FEATURES = LIVE_OPS + LIVE_OPS ** 2 + LIVE_OPS ** 3;

/** Binary path encoding of an NB201 sample (84 features; the two length-2 paths share their slots, as in NASLib). */
export function nb201PathEncoding(s: Sample): number[] {
  if (s.length !== 6) throw new NasError('invalid-sample', `an NB201 sample has 6 decisions, got ${s.length}`);
  const out = new Array<number>(NB201_PATH_FEATURES).fill(0);
  for (const path of NB201_PATHS) {
    let code = 0;
    let live = true;
    for (const e of path) {
      const op = s[e] as number;
      if (!Number.isInteger(op) || op < 0 || op > 4) throw new NasError('invalid-sample', `NB201 operation codes are 0..4, got ${String(op)}`);
      if (op === 0) live = false;
      code = code * LIVE_OPS + (op - 1);
    }
    if (!live) continue;
    const offset = path.length === 1 ? 0 : path.length === 2 ? LIVE_OPS : LIVE_OPS + LIVE_OPS ** 2;
    out[offset + code] = 1;
  }
  return out;
}

/** The encoder named: `path` needs the NB201 space; `auto` is `path` there and `onehot` elsewhere. */
export function encoderFor(space: SearchSpace, name: EncodingName): Encoder {
  if (name === 'path' || (name === 'auto' && space.id === 'nb201')) {
    if (space.id !== 'nb201') throw new RangeError(`strategy option 'encoding': 'path' is the NAS-Bench-201 path encoding, not available for space ${space.id}; use onehot`);
    return nb201PathEncoding;
  }
  return (s) => oneHot(space, s);
}
