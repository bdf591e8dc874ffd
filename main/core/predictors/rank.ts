/** Rank correlations of predictions against measurements: Kendall τ-b and Spearman ρ (ties averaged). */

function checkPair(a: readonly number[], b: readonly number[]): void {
  if (a.length !== b.length) throw new RangeError(`rank correlation of ${a.length} against ${b.length} values`);
}

/** Kendall τ-b (tie-corrected); NaN with fewer than 2 pairs or when one side is constant. O(n²). */
export function kendallTau(a: readonly number[], b: readonly number[]): number {
  checkPair(a, b);
  const n = a.length;
  let concordant = 0;
  let discordant = 0;
  let tiesA = 0;
  let tiesB = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const da = Math.sign((a[i] as number) - (a[j] as number));
      const db = Math.sign((b[i] as number) - (b[j] as number));
      if (da === 0 && db === 0) continue;
      if (da === 0) tiesA++;
      else if (db === 0) tiesB++;
      else if (da === db) concordant++;
      else discordant++;
    }
  }
  const denom = Math.sqrt((concordant + discordant + tiesA) * (concordant + discordant + tiesB));
  return denom > 0 ? (concordant - discordant) / denom : NaN;
}

/** Ranks 1..n, ties given their average rank. */
export function ranks(a: readonly number[]): number[] {
  const idx = a.map((_, i) => i).sort((i, j) => (a[i] as number) - (a[j] as number));
  const out = new Array<number>(a.length);
  for (let s = 0; s < idx.length; ) {
    let e = s;
    while (e + 1 < idx.length && a[idx[e + 1] as number] === a[idx[s] as number]) e++;
    const r = (s + e) / 2 + 1;
    for (let k = s; k <= e; k++) out[idx[k] as number] = r;
    s = e + 1;
  }
  return out;
}

/** Spearman ρ: Pearson correlation of the ranks; NaN when one side is constant or n < 2. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  checkPair(a, b);
  return pearson(ranks(a), ranks(b));
}

export function pearson(a: readonly number[], b: readonly number[]): number {
  checkPair(a, b);
  const n = a.length;
  if (n < 2) return NaN;
  const ma = a.reduce((s, v) => s + v, 0) / n;
  const mb = b.reduce((s, v) => s + v, 0) / n;
  let sab = 0;
  let saa = 0;
  let sbb = 0;
  for (let i = 0; i < n; i++) {
    const da = (a[i] as number) - ma;
    const db = (b[i] as number) - mb;
    sab += da * db;
    saa += da * da;
    sbb += db * db;
  }
  return saa > 0 && sbb > 0 ? sab / Math.sqrt(saa * sbb) : NaN;
}
