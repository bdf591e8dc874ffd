/**
 * Performance predictors with NASLib's verbs: `fit(x, y)` on encoded architectures and their
 * scores, `query(x)` for a mean and an uncertainty per architecture. Larger y is better.
 */
export type Matrix = readonly (readonly number[])[];

export interface Prediction {
  readonly mean: number[];
  /** Standard deviation of the prediction (the model's uncertainty), ≥ 0. */
  readonly std: number[];
}

export interface Predictor {
  fit(x: Matrix, y: readonly number[]): void;
  query(x: Matrix): Prediction;
}

/** Mean and standard deviation (population; 1 when all values are equal) for standardising targets. */
export function standardise(y: readonly number[]): { mean: number; scale: number; z: number[] } {
  if (y.length === 0) throw new RangeError('cannot fit a predictor on no data');
  for (const v of y) if (!Number.isFinite(v)) throw new RangeError(`predictor targets must be finite, got ${v}`);
  const mean = y.reduce((a, b) => a + b, 0) / y.length;
  const v = y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length;
  const scale = v > 1e-24 ? Math.sqrt(v) : 1;
  return { mean, scale, z: y.map((t) => (t - mean) / scale) };
}

export function checkInputs(x: Matrix, y?: readonly number[]): number {
  if (x.length === 0) throw new RangeError('no architectures given');
  const d = (x[0] as readonly number[]).length;
  for (const row of x) if (row.length !== d) throw new RangeError(`encodings differ in length (${row.length} vs ${d})`);
  if (y && y.length !== x.length) throw new RangeError(`${x.length} encodings but ${y.length} targets`);
  return d;
}
