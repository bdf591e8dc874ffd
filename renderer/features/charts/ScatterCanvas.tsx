import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import { fmt } from '../common/format.js';
import { niceTicks } from './ticks.js';

export interface ScatterSeries {
  readonly label: string;
  readonly color: string;
  readonly xs: Float64Array;
  readonly ys: Float64Array;
  /** Trial number of each point. */
  readonly numbers: Int32Array;
  /** 1 for non-dominated points (drawn solid); null: every point solid. */
  readonly front: Uint8Array | null;
  /** Indices of the front in x order, joined by a step line when given. */
  readonly frontOrder?: Int32Array;
}

interface Props {
  readonly series: readonly ScatterSeries[];
  readonly xLabel: string;
  readonly yLabel: string;
  readonly height?: number;
  readonly highlight?: number | null;
  readonly onHover?: (hit: { series: number; number: number } | null) => void;
  readonly onPick?: (hit: { series: number; number: number }) => void;
  /** Changes when the theme does (colours are read from CSS variables). */
  readonly theme?: string;
  readonly label: string;
  /** Draws the y = x line (predicted against measured). */
  readonly diagonal?: boolean;
  /** A categorical x axis: values are choice indices (jittered by the caller), ticks are these labels. */
  readonly xCategories?: readonly string[];
  /** Logarithmic axes (non-positive values are left out). */
  readonly logX?: boolean;
  readonly logY?: boolean;
}

/** Tick values of an axis over [lo, hi] in drawn space, with their labels. */
function axisTicks(lo: number, hi: number, count: number, log: boolean, categories?: readonly string[]): { at: number; text: string }[] {
  if (categories) {
    const every = Math.max(1, Math.ceil(categories.length / Math.max(1, count * 2)));
    return categories.flatMap((c, k) => (k % every === 0 && k >= lo && k <= hi ? [{ at: k, text: c }] : []));
  }
  if (!log) return niceTicks(lo, hi, count).map((t) => ({ at: t, text: fmt(t, 3) }));
  // Decades when the range spans several, else round values of the log domain.
  const decades = niceTicks(lo, hi, count).filter((t) => Number.isInteger(t));
  const ts = decades.length >= 2 ? decades : niceTicks(lo, hi, count);
  return ts.map((t) => ({ at: t, text: fmt(10 ** t, 3) }));
}

const PAD = { left: 64, right: 16, top: 12, bottom: 40 };
const CELL = 12;
/** Pixels a drag must cover (on both axes) to zoom rather than count as a click. */
const MIN_DRAG = 6;

/** A zoomed view: the ranges shown, in drawn space (log10 of the value on a log axis). */
interface Zoom {
  readonly x0: number;
  readonly x1: number;
  readonly y0: number;
  readonly y1: number;
}

/**
 * A canvas scatter for up to ~100k points: dominated points faded, the front solid and joined,
 * hover shows the trial, click (or Enter on the focused front point) picks it. Hit testing uses a
 * grid of screen cells built at each draw, so hovering stays O(1) at any size. Arrow keys walk the
 * front of the first series. Drag a rectangle to zoom into it (again to zoom further); double-click,
 * Escape or the Reset zoom button shows everything again.
 */
export function ScatterCanvas({ series, xLabel, yLabel, height = 360, highlight = null, onHover, onPick, theme, label, diagonal = false, xCategories, logX = false, logY = false }: Props) {
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  // 0 until measured (before the first paint): 50,000 points are drawn once, at the right width.
  const [width, setWidth] = useState(0);
  const [tip, setTip] = useState<{ x: number; y: number; text: string } | null>(null);
  const [cursor, setCursor] = useState(-1);
  // Hit-testing grid of screen cells, built from the drawn positions on the first hover after a draw.
  const grid = useRef<Map<number, { s: number; i: number; px: number; py: number }[]> | null>(null);
  const drawn = useRef<{ px: Float32Array; py: Float32Array }[]>([]);
  const view = useRef<{ sx: (v: number) => number; sy: (v: number) => number; fromPx: (px: number, py: number) => { x: number; y: number } } | null>(null);
  const [zoom, setZoom] = useState<Zoom | null>(null);
  // The drag in progress (canvas pixels) and whether the last mouse-up ended one (not a click).
  const [drag, setDrag] = useState<{ x0: number; y0: number; x1: number; y1: number } | null>(null);
  const dragged = useRef(false);

  // Another axis, another scale: the zoom does not carry over.
  useEffect(() => setZoom(null), [xLabel, yLabel, logX, logY, diagonal]);

  useLayoutEffect(() => {
    const el = wrap.current;
    if (!el) return;
    setWidth(Math.max(240, Math.floor(el.clientWidth)));
    const ro = new ResizeObserver(([entry]) => entry && setWidth(Math.max(240, Math.floor(entry.contentRect.width))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  useEffect(() => {
    const c = canvas.current;
    if (!c || width === 0) return;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.floor(width * dpr);
    c.height = Math.floor(height * dpr);
    c.style.width = `${width}px`;
    c.style.height = `${height}px`;
    const ctx = c.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const css = getComputedStyle(c);
    const fg = css.getPropertyValue('--fg').trim() || '#ddd';
    const muted = css.getPropertyValue('--muted').trim() || '#888';
    const gridColor = css.getPropertyValue('--grid').trim() || '#333';
    ctx.clearRect(0, 0, width, height);
    // Drawn space: log10 of the value on a log axis (NaN, not drawn, for non-positive values).
    const tx = logX ? (v: number) => (v > 0 ? Math.log10(v) : NaN) : (v: number) => v;
    const ty = logY ? (v: number) => (v > 0 ? Math.log10(v) : NaN) : (v: number) => v;
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const s of series) {
      for (let i = 0; i < s.xs.length; i++) {
        const x = tx(s.xs[i] as number), y = ty(s.ys[i] as number);
        if (Number.isNaN(x) || Number.isNaN(y)) continue;
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
    const plotW = width - PAD.left - PAD.right;
    const plotH = height - PAD.top - PAD.bottom;
    ctx.font = '12px system-ui, sans-serif';
    if (!Number.isFinite(x0)) {
      ctx.fillStyle = muted;
      ctx.textAlign = 'center';
      ctx.fillText('No complete trial yet', width / 2, height / 2);
      view.current = null;
      grid.current = null;
      drawn.current = [];
      return;
    }
    if (diagonal) {
      // One square range for both axes, so y = x is the 45° line.
      x0 = y0 = Math.min(x0, y0);
      x1 = y1 = Math.max(x1, y1);
    }
    const padX = (x1 - x0 || Math.abs(x0) || 1) * 0.05;
    const padY = (y1 - y0 || Math.abs(y0) || 1) * 0.05;
    x0 -= padX; x1 += padX; y0 -= padY; y1 += padY;
    if (xCategories) {
      x0 = -0.5;
      x1 = xCategories.length - 0.5;
    }
    if (zoom) {
      x0 = zoom.x0; x1 = zoom.x1; y0 = zoom.y0; y1 = zoom.y1;
    }
    const px0 = x0, px1 = x1, py0 = y0, py1 = y1;
    const gx = (v: number) => PAD.left + ((v - px0) / (px1 - px0)) * plotW;
    const gy = (v: number) => PAD.top + plotH - ((v - py0) / (py1 - py0)) * plotH;
    const sx = (v: number) => gx(tx(v));
    const sy = (v: number) => gy(ty(v));
    const inPlot = (px: number, py: number) => px >= PAD.left - 0.5 && px <= PAD.left + plotW + 0.5 && py >= PAD.top - 0.5 && py <= PAD.top + plotH + 0.5;
    const fromPx = (px: number, py: number) => ({ x: px0 + ((px - PAD.left) / plotW) * (px1 - px0), y: py0 + ((PAD.top + plotH - py) / plotH) * (py1 - py0) });
    view.current = { sx, sy, fromPx };
    // Axes and grid.
    ctx.strokeStyle = gridColor;
    ctx.fillStyle = muted;
    ctx.lineWidth = 1;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (const t of axisTicks(x0, x1, Math.max(3, Math.floor(plotW / 90)), logX, xCategories)) {
      const px = Math.round(gx(t.at)) + 0.5;
      ctx.beginPath(); ctx.moveTo(px, PAD.top); ctx.lineTo(px, PAD.top + plotH); ctx.stroke();
      ctx.fillText(t.text, px, PAD.top + plotH + 6);
    }
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (const t of axisTicks(y0, y1, Math.max(3, Math.floor(plotH / 60)), logY)) {
      const py = Math.round(gy(t.at)) + 0.5;
      ctx.beginPath(); ctx.moveTo(PAD.left, py); ctx.lineTo(PAD.left + plotW, py); ctx.stroke();
      ctx.fillText(t.text, PAD.left - 6, py);
    }
    ctx.fillStyle = fg;
    ctx.textAlign = 'center';
    ctx.textBaseline = 'bottom';
    ctx.fillText(`${xLabel}${logX ? ' (log)' : ''}`, PAD.left + plotW / 2, height - 4);
    ctx.save();
    ctx.translate(14, PAD.top + plotH / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.textBaseline = 'middle';
    ctx.fillText(`${yLabel}${logY ? ' (log)' : ''}`, 0, 0);
    ctx.restore();
    if (diagonal) {
      ctx.save();
      ctx.strokeStyle = muted;
      ctx.setLineDash([5, 4]);
      ctx.beginPath();
      ctx.moveTo(gx(x0), gy(x0));
      ctx.lineTo(gx(x1), gy(x1));
      ctx.stroke();
      ctx.restore();
    }
    // Points: dominated (faded squares, one path per series), then the front on top; clipped to
    // the plot (a zoomed view leaves points outside it), and only those inside can be hovered.
    ctx.save();
    ctx.beginPath();
    ctx.rect(PAD.left, PAD.top, plotW, plotH);
    ctx.clip();
    let visible = 0;
    const positions: { px: Float32Array; py: Float32Array }[] = [];
    series.forEach((s) => {
      const pxs = new Float32Array(s.xs.length).fill(NaN);
      const pys = new Float32Array(s.xs.length).fill(NaN);
      positions.push({ px: pxs, py: pys });
      // Dominated points stay readable (faded, not hidden) under the front.
      ctx.globalAlpha = s.front ? 0.5 : 0.85;
      ctx.fillStyle = s.color;
      ctx.beginPath();
      for (let i = 0; i < s.xs.length; i++) {
        const px = sx(s.xs[i] as number), py = sy(s.ys[i] as number);
        if (Number.isNaN(px) || Number.isNaN(py) || !inPlot(px, py)) continue;
        pxs[i] = px;
        pys[i] = py;
        visible++;
        if (s.front && s.front[i]) continue;
        if (!s.front && s.xs.length < 2000) {
          // A small plain series (e.g. predicted vs measured): round, readable markers.
          ctx.moveTo(px + 3.5, py);
          ctx.arc(px, py, 3.5, 0, Math.PI * 2);
        } else ctx.rect(px - 2, py - 2, 4, 4);
      }
      ctx.fill();
    });
    ctx.globalAlpha = 1;
    series.forEach((s) => {
      if (!s.front) return;
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 1.5;
      if (s.frontOrder && s.frontOrder.length > 1) {
        ctx.beginPath();
        s.frontOrder.forEach((k, j) => {
          const px = sx(s.xs[k] as number), py = sy(s.ys[k] as number);
          if (j === 0) ctx.moveTo(px, py);
          else {
            const prev = s.frontOrder![j - 1] as number;
            ctx.lineTo(px, sy(s.ys[prev] as number));
            ctx.lineTo(px, py);
          }
        });
        ctx.stroke();
      }
      ctx.fillStyle = s.color;
      for (let i = 0; i < s.xs.length; i++) {
        if (!s.front[i]) continue;
        ctx.beginPath();
        ctx.arc(sx(s.xs[i] as number), sy(s.ys[i] as number), 4, 0, Math.PI * 2);
        ctx.fill();
      }
    });
    // Highlighted trial (hovered here or in the table).
    if (highlight !== null) {
      series.forEach((s) => {
        for (let i = 0; i < s.numbers.length; i++) {
          if (s.numbers[i] !== highlight) continue;
          ctx.strokeStyle = fg;
          ctx.lineWidth = 2;
          ctx.beginPath();
          ctx.arc(sx(s.xs[i] as number), sy(s.ys[i] as number), 7, 0, Math.PI * 2);
          ctx.stroke();
        }
      });
    }
    ctx.restore();
    drawn.current = positions;
    grid.current = null;
    c.dataset.points = String(series.reduce((a, s) => a + s.xs.length, 0));
    // What the view shows, for tests: the points inside it and, when zoomed, its ranges (values).
    c.dataset.visible = String(visible);
    const back = (v: number, log: boolean) => fmt(log ? 10 ** v : v, 4);
    c.dataset.zoom = zoom ? `${back(zoom.x0, logX)},${back(zoom.x1, logX)},${back(zoom.y0, logY)},${back(zoom.y1, logY)}` : '';
    c.dataset.drawn = '1';
  }, [series, width, height, highlight, theme, xLabel, yLabel, diagonal, xCategories, logX, logY, zoom]);

  const hitAt = useCallback((mx: number, my: number) => {
    const cols = Math.ceil(width / CELL) + 1;
    if (!grid.current) {
      const g = new Map<number, { s: number; i: number; px: number; py: number }[]>();
      drawn.current.forEach(({ px: pxs, py: pys }, si) => {
        for (let i = 0; i < pxs.length; i++) {
          const px = pxs[i] as number;
          const py = pys[i] as number;
          if (Number.isNaN(px) || Number.isNaN(py)) continue;
          const key = Math.floor(py / CELL) * cols + Math.floor(px / CELL);
          let cell = g.get(key);
          if (!cell) g.set(key, (cell = []));
          cell.push({ s: si, i, px, py });
        }
      });
      grid.current = g;
    }
    const cx = Math.floor(mx / CELL), cy = Math.floor(my / CELL);
    let best: { s: number; i: number; px: number; py: number } | undefined;
    let bd = 100;
    for (let dy = -1; dy <= 1; dy++) {
      for (let dx = -1; dx <= 1; dx++) {
        for (const p of grid.current.get((cy + dy) * cols + (cx + dx)) ?? []) {
          const d = (p.px - mx) ** 2 + (p.py - my) ** 2;
          const s = series[p.s];
          // Prefer front points when equally near.
          const bias = s?.front && s.front[p.i] ? -1 : 0;
          if (d + bias < bd) {
            bd = d + bias;
            best = p;
          }
        }
      }
    }
    return best;
  }, [series, width]);

  const describe = (s: number, i: number) => {
    const ser = series[s] as ScatterSeries;
    const prefix = series.length > 1 ? `${ser.label} · ` : '';
    const xText = xCategories ? (xCategories[Math.round(ser.xs[i] as number)] ?? '?') : fmt(ser.xs[i]);
    return `${prefix}trial ${ser.numbers[i]} · ${xLabel} ${xText} · ${yLabel} ${fmt(ser.ys[i])}${ser.front && ser.front[i] ? ' · on the front' : ''}`;
  };

  const onDown = (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (e.button !== 0) return;
    const r = e.currentTarget.getBoundingClientRect();
    const x = e.clientX - r.left, y = e.clientY - r.top;
    setDrag({ x0: x, y0: y, x1: x, y1: y });
  };

  const onUp = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const d = drag;
    setDrag(null);
    dragged.current = false;
    if (!d || !view.current) return;
    const r = e.currentTarget.getBoundingClientRect();
    const x1 = e.clientX - r.left, y1 = e.clientY - r.top;
    if (Math.abs(x1 - d.x0) < MIN_DRAG || Math.abs(y1 - d.y0) < MIN_DRAG) return;
    dragged.current = true;
    const a = view.current.fromPx(Math.min(d.x0, x1), Math.max(d.y0, y1));
    const b = view.current.fromPx(Math.max(d.x0, x1), Math.min(d.y0, y1));
    setZoom({ x0: a.x, x1: b.x, y0: a.y, y1: b.y });
    setTip(null);
  };

  const onMove = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const r = e.currentTarget.getBoundingClientRect();
    if (drag) {
      setDrag({ ...drag, x1: e.clientX - r.left, y1: e.clientY - r.top });
      return;
    }
    const hit = hitAt(e.clientX - r.left, e.clientY - r.top);
    if (!hit) {
      setTip(null);
      onHover?.(null);
      return;
    }
    setTip({ x: hit.px, y: hit.py, text: describe(hit.s, hit.i) });
    onHover?.({ series: hit.s, number: (series[hit.s] as ScatterSeries).numbers[hit.i] as number });
  };

  const onClick = (e: React.MouseEvent<HTMLCanvasElement>) => {
    if (dragged.current) {
      dragged.current = false;
      return;
    }
    const r = e.currentTarget.getBoundingClientRect();
    const hit = hitAt(e.clientX - r.left, e.clientY - r.top);
    if (hit) onPick?.({ series: hit.s, number: (series[hit.s] as ScatterSeries).numbers[hit.i] as number });
  };

  const onKey = (e: KeyboardEvent<HTMLCanvasElement>) => {
    if (e.key === 'Escape' && zoom) {
      setZoom(null);
      return;
    }
    const s = series[0];
    const order = s?.frontOrder;
    if (!s || !order || order.length === 0 || !view.current) return;
    if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') {
      e.preventDefault();
      const next = cursor < 0 ? 0 : (cursor + (e.key === 'ArrowRight' ? 1 : order.length - 1)) % order.length;
      setCursor(next);
      const i = order[next] as number;
      setTip({ x: view.current.sx(s.xs[i] as number), y: view.current.sy(s.ys[i] as number), text: describe(0, i) });
      onHover?.({ series: 0, number: s.numbers[i] as number });
    } else if (e.key === 'Enter' && cursor >= 0) {
      onPick?.({ series: 0, number: s.numbers[order[cursor] as number] as number });
    }
  };

  return (
    <div className="scatter" ref={wrap} style={{ height }}>
      <canvas
        ref={canvas}
        tabIndex={0}
        role="img"
        aria-label={`${label}. Arrow keys walk the Pareto front, Enter opens the trial.`}
        onMouseDown={onDown}
        onMouseUp={onUp}
        onMouseMove={onMove}
        onMouseLeave={() => {
          setTip(null);
          setDrag(null);
          onHover?.(null);
        }}
        onClick={onClick}
        onDoubleClick={() => setZoom(null)}
        onKeyDown={onKey}
        onBlur={() => setCursor(-1)}
        style={{ cursor: tip ? 'pointer' : 'crosshair' }}
      />
      {drag ? (
        <div className="zoom-box" style={{ left: Math.min(drag.x0, drag.x1), top: Math.min(drag.y0, drag.y1), width: Math.abs(drag.x1 - drag.x0), height: Math.abs(drag.y1 - drag.y0) }} />
      ) : null}
      {zoom ? (
        <button type="button" className="zoom-reset" onClick={() => setZoom(null)} title="Show every point again (or double-click, or Escape)">
          Reset zoom
        </button>
      ) : null}
      {tip ? (
        <div className="tip" role="status" style={{ left: Math.min(tip.x + 10, width - 260), top: Math.max(0, tip.y - 34) }}>
          {tip.text}
        </div>
      ) : null}
    </div>
  );
}
