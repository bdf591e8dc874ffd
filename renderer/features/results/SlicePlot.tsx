import { useMemo, useState } from 'react';
import type { TrialPoints } from '../../api/index.js';
import { ScatterCanvas, type ScatterSeries } from '../charts/ScatterCanvas.js';
import { PALETTE } from '../common/format.js';
import { Empty } from '../common/widgets.js';

/** A deterministic jitter in [-0.3, 0.3] per trial number, so points of one choice spread out. */
function jitter(n: number): number {
  const h = Math.imul(n ^ 0x9e3779b9, 0x85ebca6b) >>> 0;
  return ((h % 1000) / 1000 - 0.5) * 0.6;
}

/** The slice plot: one metric against the choices of one decision (complete, shown trials). */
export function SlicePlot({ points, mask, theme, onPick }: { points: TrialPoints; mask: Uint8Array | null; theme: string; onPick: (n: number) => void }) {
  const dims = points.dims ?? [];
  const metrics = Object.keys(points.metrics);
  const [dim, setDim] = useState(0);
  const [metric, setMetric] = useState(metrics[0] ?? '');
  const [logY, setLogY] = useState(false);
  const d = dims[Math.min(dim, dims.length - 1)];
  const series: ScatterSeries[] = useMemo(() => {
    const col = points.decisions?.[Math.min(dim, dims.length - 1)];
    const ys = points.metrics[metric];
    if (!col || !ys) return [];
    const xs: number[] = [];
    const vs: number[] = [];
    const ns: number[] = [];
    for (let i = 0; i < points.numbers.length; i++) {
      const c = col[i] as number;
      const v = ys[i];
      if (c < 0 || v === null || v === undefined || points.states[i] !== 1 || (mask && !mask[i])) continue;
      xs.push(c + jitter(points.numbers[i] as number));
      vs.push(v);
      ns.push(points.numbers[i] as number);
    }
    return [{ label: metric, color: PALETTE[1] as string, xs: Float64Array.from(xs), ys: Float64Array.from(vs), numbers: Int32Array.from(ns), front: null }];
  }, [points, mask, dim, dims.length, metric]);
  if (!d) return <Empty>This search's trials have no decisions to slice by.</Empty>;
  return (
    <div>
      <div className="toolbar small">
        <label>
          decision{' '}
          <select aria-label="Slice decision" value={dim} onChange={(e) => setDim(Number(e.target.value))}>
            {dims.map((x, i) => (
              <option key={x.name} value={i}>
                {x.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          metric{' '}
          <select aria-label="Slice metric" value={metric} onChange={(e) => setMetric(e.target.value)}>
            {metrics.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label>
          <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} /> log scale
        </label>
      </div>
      <ScatterCanvas label={`Slice plot of ${metric} against ${d.name}`} series={series} xLabel={d.name} yLabel={metric} xCategories={d.choices} logY={logY} height={300} theme={theme} onPick={(h) => onPick(h.number)} />
    </div>
  );
}
