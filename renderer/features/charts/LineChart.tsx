import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmt } from '../common/format.js';

export interface LineSeries {
  readonly label: string;
  readonly color: string;
  readonly values: readonly (number | null)[];
  /** Step line (best-so-far) rather than straight segments. */
  readonly stepped?: boolean;
  /** A shaded band around the line (e.g. mean ± std across seeds). */
  readonly band?: { readonly lo: readonly (number | null)[]; readonly hi: readonly (number | null)[] };
}

interface Props {
  readonly x: readonly number[];
  readonly series: readonly LineSeries[];
  readonly xLabel: string;
  readonly yLabel?: string;
  readonly height?: number;
  readonly theme?: string;
  readonly label: string;
  /** Whole-number x ticks only (epochs, evaluations). */
  readonly integerX?: boolean;
  /** Logarithmic y axis. */
  readonly logY?: boolean;
}

const INTEGER_INCRS = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];

/** Tick labels: readable numbers (the same format as the tables). */
const tickValues = (_u: uPlot, splits: number[]) => splits.map((v) => (v === null || v === undefined ? '' : fmt(v, 3)));

function hexAlpha(color: string, alpha: number): string {
  const m = /^#([0-9a-f]{6})$/i.exec(color);
  if (!m) return color;
  const n = parseInt(m[1] as string, 16);
  return `rgba(${n >> 16}, ${(n >> 8) & 255}, ${n & 255}, ${alpha})`;
}

/** uPlot data: x, each series, then each band's lo and hi. */
function aligned(x: readonly number[], series: readonly LineSeries[]): uPlot.AlignedData {
  const bands = series.filter((s) => s.band);
  return [x.slice(), ...series.map((s) => s.values.slice()), ...bands.flatMap((s) => [s.band!.lo.slice(), s.band!.hi.slice()])] as uPlot.AlignedData;
}

/** A uPlot line chart (canvas) that follows its container's width and the theme. */
export function LineChart({ x, series, xLabel, yLabel, height = 220, theme, label, integerX = false, logY = false }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => `${s.label}:${s.color}:${s.stepped ? 1 : 0}:${s.band ? 1 : 0}`).join('|');

  useEffect(() => {
    const host = el.current;
    if (!host) return;
    const css = getComputedStyle(host);
    const muted = css.getPropertyValue('--muted').trim() || '#888';
    const gridColor = css.getPropertyValue('--grid').trim() || '#333';
    const axis = { stroke: muted, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1, show: true }, font: '11px system-ui, sans-serif', labelFont: '12px system-ui, sans-serif', values: tickValues };
    const banded = series.map((s, k) => ({ s, k })).filter(({ s }) => s.band);
    const opts: uPlot.Options = {
      width: Math.max(200, host.clientWidth),
      height,
      legend: { show: series.length > 1 },
      // Drag across the plot to zoom into a range of x; double-click to zoom back out.
      cursor: { drag: { x: true, y: false } },
      scales: { x: { time: false }, y: logY ? { distr: 3 } : {} },
      axes: [
        { ...axis, label: xLabel, labelSize: 20, ...(integerX ? { incrs: INTEGER_INCRS } : {}) },
        { ...axis, ...(yLabel ? { label: yLabel, labelSize: 20 } : {}), size: 64 },
      ],
      series: [
        { label: xLabel },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          spanGaps: true,
          ...(s.stepped ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}),
        })),
        ...banded.flatMap(({ s }) => [
          { label: `${s.label} −σ`, stroke: 'transparent', width: 0, spanGaps: true, ...(s.stepped ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}) },
          { label: `${s.label} +σ`, stroke: 'transparent', width: 0, spanGaps: true, ...(s.stepped ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}) },
        ]),
      ],
      bands: banded.map(({ s }, j) => ({ series: [series.length + 2 + 2 * j, series.length + 1 + 2 * j] as [number, number], fill: hexAlpha(s.color, 0.18) })),
    };
    if (banded.length > 0) opts.legend = { show: true };
    // What was drawn, for tests and screen readers' neighbours: the axes' labels and x tick values.
    opts.hooks = { draw: [(u) => {
      const splits = (u.axes[0] as { _splits?: number[] })._splits;
      if (splits) host.dataset.xTicks = splits.join(',');
    }] };
    host.dataset.xLabel = xLabel;
    host.dataset.yLabel = yLabel ?? '';
    host.dataset.logY = logY ? '1' : '0';
    const u = new uPlot(opts, aligned(x, series), host);
    plot.current = u;
    const ro = new ResizeObserver(([e]) => e && u.setSize({ width: Math.max(200, Math.floor(e.contentRect.width)), height }));
    ro.observe(host);
    host.dataset.drawn = '1';
    return () => {
      ro.disconnect();
      u.destroy();
      plot.current = null;
    };
    // Rebuilt when the series set, labels or theme change; data updates go through setData below.
  }, [shape, xLabel, yLabel, height, theme, integerX, logY]);

  useEffect(() => {
    plot.current?.setData(aligned(x, series));
  }, [x, series]);

  return <div className="linechart" ref={el} role="img" aria-label={label} />;
}
