import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export interface LineSeries {
  readonly label: string;
  readonly color: string;
  readonly values: readonly (number | null)[];
  /** Step line (best-so-far) rather than straight segments. */
  readonly stepped?: boolean;
}

interface Props {
  readonly x: readonly number[];
  readonly series: readonly LineSeries[];
  readonly xLabel: string;
  readonly yLabel?: string;
  readonly height?: number;
  readonly theme?: string;
  readonly label: string;
}

/** A uPlot line chart (canvas) that follows its container's width and the theme. */
export function LineChart({ x, series, xLabel, yLabel, height = 220, theme, label }: Props) {
  const el = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => `${s.label}:${s.color}:${s.stepped ? 1 : 0}`).join('|');

  useEffect(() => {
    const host = el.current;
    if (!host) return;
    const css = getComputedStyle(host);
    const muted = css.getPropertyValue('--muted').trim() || '#888';
    const gridColor = css.getPropertyValue('--grid').trim() || '#333';
    const axis = { stroke: muted, grid: { stroke: gridColor, width: 1 }, ticks: { stroke: gridColor, width: 1 } };
    const opts: uPlot.Options = {
      width: Math.max(200, host.clientWidth),
      height,
      legend: { show: series.length > 1 },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: false } },
      axes: [{ ...axis, label: xLabel }, { ...axis, ...(yLabel ? { label: yLabel } : {}), size: 60 }],
      series: [
        { label: xLabel },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 2,
          spanGaps: true,
          ...(s.stepped ? { paths: uPlot.paths.stepped!({ align: 1 }) } : {}),
        })),
      ],
    };
    const u = new uPlot(opts, [x.slice(), ...series.map((s) => s.values.slice())] as uPlot.AlignedData, host);
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
  }, [shape, xLabel, yLabel, height, theme]);

  useEffect(() => {
    plot.current?.setData([x.slice(), ...series.map((s) => s.values.slice())] as uPlot.AlignedData);
  }, [x, series]);

  return <div className="linechart" ref={el} role="img" aria-label={label} />;
}
