import { useEffect, useMemo, useRef, useState } from 'react';
import { fmt } from '../common/format.js';
import { niceTicks } from './ticks.js';

export interface PcColumn {
  readonly key: string;
  readonly label: string;
  /** Per trial (column index of the points): a number, a choice index (categories), or null / -1 (missing). */
  readonly values: ArrayLike<number | null>;
  /** Choice labels of a categorical column (values are indices). */
  readonly categories?: readonly string[];
}

interface Props {
  readonly columns: readonly PcColumn[];
  readonly count: number;
  /** 1 for the trials shown (filters and brushes); null: all. */
  readonly mask: Uint8Array | null;
  readonly brushes: Readonly<Record<string, readonly [number, number]>>;
  readonly onBrush: (key: string, range: readonly [number, number] | null) => void;
  /**
   * The mask for other brushes (the filters applied too): used while a brush is dragged, so the
   * lines follow the pointer at once while `onBrush` (which filters the table and the scatter)
   * is called when the pointer rests BRUSH_COMMIT_MS or is released.
   */
  readonly maskFor?: (brushes: Readonly<Record<string, readonly [number, number]>>) => Uint8Array | null;
  readonly height?: number;
  readonly theme?: string;
  readonly label: string;
}

const PAD = { left: 36, right: 36, top: 34, bottom: 22 };
/** While dragging, how long the pointer rests before the brush filters the rest of the screen. */
const BRUSH_COMMIT_MS = 200;

interface Axis {
  readonly x: number;
  /** Value → y pixel (NaN for missing values). */
  readonly y: (v: number) => number;
  /** y pixel → value (categorical: fractional choice index). */
  readonly inv: (py: number) => number;
  readonly col: PcColumn;
}

/**
 * Parallel coordinates on two canvases: every trial faded underneath (drawn when the data or size
 * change), the shown ones on top (redrawn on each brush move: one path, so 50,000 trials stay
 * interactive). Drag along an axis to brush a range (it filters the table and the scatter), click
 * an axis to clear its brush. `data-frame-ms` on the figure gives the last redraw's duration.
 */
export function ParallelCoords({ columns, count, mask, brushes, onBrush, maskFor, height = 320, theme, label }: Props) {
  const wrap = useRef<HTMLDivElement>(null);
  const back = useRef<HTMLCanvasElement>(null);
  const front = useRef<HTMLCanvasElement>(null);
  const labels = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(800);
  const [drag, setDrag] = useState<{ axis: number; y0: number; y1: number } | null>(null);
  const frame = useRef(0);
  const commit = useRef<{ timer: ReturnType<typeof setTimeout> | undefined; last: number }>({ timer: undefined, last: 0 });

  useEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(([e]) => e && setWidth(Math.max(320, Math.floor(e.contentRect.width))));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const plotH = height - PAD.top - PAD.bottom;
  const axes: Axis[] = useMemo(() => {
    const step = columns.length > 1 ? (width - PAD.left - PAD.right) / (columns.length - 1) : 0;
    return columns.map((col, a) => {
      const x = PAD.left + a * step;
      if (col.categories) {
        const k = Math.max(1, col.categories.length);
        return { x, col, y: (v) => (v < 0 ? NaN : PAD.top + ((v + 0.5) / k) * plotH), inv: (py) => ((py - PAD.top) / plotH) * k - 0.5 };
      }
      let lo = Infinity;
      let hi = -Infinity;
      for (let i = 0; i < count; i++) {
        const v = col.values[i];
        if (v === null || v === undefined) continue;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
      if (!Number.isFinite(lo)) {
        lo = 0;
        hi = 1;
      }
      const span = hi - lo || Math.abs(lo) || 1;
      return { x, col, y: (v) => PAD.top + (1 - (v - lo) / span) * plotH, inv: (py) => lo + (1 - (py - PAD.top) / plotH) * span };
    });
  }, [columns, count, width, plotH]);

  // Whole-pixel y (from the plot's top) of every trial on every axis, axis by axis; -1: missing.
  const ys = useMemo(() => {
    const out = new Int16Array(axes.length * count);
    axes.forEach((ax, a) => {
      const base = a * count;
      for (let i = 0; i < count; i++) {
        const v = ax.col.values[i];
        const y = v === null || v === undefined ? NaN : ax.y(v);
        out[base + i] = Number.isNaN(y) ? -1 : Math.round(y - PAD.top);
      }
    });
    return out;
  }, [axes, count]);

  // Resizing a canvas reallocates it: only when the size changed (not on every brush frame).
  const setup = (c: HTMLCanvasElement | null) => {
    if (!c) return null;
    const dpr = window.devicePixelRatio || 1;
    const w = Math.floor(width * dpr);
    const h = Math.floor(height * dpr);
    if (c.width !== w || c.height !== h) {
      c.width = w;
      c.height = h;
      c.style.width = `${width}px`;
      c.style.height = `${height}px`;
    }
    const ctx = c.getContext('2d');
    ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
    return ctx;
  };
  // Theme colours, read once per theme (reading computed style on every frame forces a style pass).
  const colors = useRef<{ theme: string | undefined; accent: string; fg: string } | null>(null);

  // Reused per draw: segment counts between two adjacent axes, by whole-pixel end points.
  const grid = useRef<{ counts: Int32Array; touched: Int32Array }>({ counts: new Int32Array(0), touched: new Int32Array(0) });

  /**
   * Draws the trials `take` accepts as polylines. Segments are drawn once per distinct pair of
   * whole-pixel end points, as dark as the lines they stand for (alpha compounding in 6 levels):
   * between decision axes there are only a few dozen distinct segments however many trials there
   * are, so 50,000 trials draw as a few thousand segments.
   */
  const lines = (ctx: CanvasRenderingContext2D, take: Uint8Array | null, alpha: number) => {
    const A = axes.length;
    const side = Math.ceil(plotH) + 1;
    if (grid.current.counts.length !== side * side) grid.current = { counts: new Int32Array(side * side), touched: new Int32Array(side * side) };
    const { counts, touched } = grid.current;
    const LEVELS = [1, 2, 4, 8, 16, 32];
    const paths = LEVELS.map(() => new Path2D());
    for (let a = 0; a + 1 < A; a++) {
      let nt = 0;
      const b1 = a * count;
      const b2 = b1 + count;
      for (let i = 0; i < count; i++) {
        if (take !== null && take[i] === 0) continue;
        const y1 = ys[b1 + i] as number;
        const y2 = ys[b2 + i] as number;
        if (y1 < 0 || y2 < 0) continue;
        const k = y1 * side + y2;
        if ((counts[k] = (counts[k] as number) + 1) === 1) touched[nt++] = k;
      }
    const x1 = (axes[a] as Axis).x;
      const x2 = (axes[a + 1] as Axis).x;
      for (let t = 0; t < nt; t++) {
        const k = touched[t] as number;
        const c = counts[k] as number;
        counts[k] = 0;
        let level = 0;
        while (level + 1 < LEVELS.length && c >= (LEVELS[level + 1] as number)) level++;
        const p = paths[level] as Path2D;
        p.moveTo(x1, PAD.top + Math.floor(k / side));
        p.lineTo(x2, PAD.top + (k % side));
      }
    }
    LEVELS.forEach((n, level) => {
      // n lines on top of each other at `alpha` each.
      ctx.globalAlpha = Math.min(1, 1 - (1 - alpha) ** n);
      ctx.stroke(paths[level] as Path2D);
    });
    ctx.globalAlpha = 1;
  };

  // Underneath: every trial, faded; axes, ticks and labels.
  useEffect(() => {
    const ctx = setup(back.current);
    if (!ctx || !back.current) return;
    const css = getComputedStyle(back.current);
    const muted = css.getPropertyValue('--muted').trim() || '#888';
    const fg = css.getPropertyValue('--fg').trim() || '#ddd';
    ctx.clearRect(0, 0, width, height);
    ctx.strokeStyle = muted;
    ctx.lineWidth = 1;
    lines(ctx, null, count > 5000 ? 0.05 : count > 500 ? 0.12 : 0.25);
    for (const ax of axes) {
      ctx.strokeStyle = fg;
      ctx.beginPath();
      ctx.moveTo(ax.x + 0.5, PAD.top);
      ctx.lineTo(ax.x + 0.5, PAD.top + plotH);
      ctx.stroke();
    }
    // Names and ticks on their own layer above the lines, each on a backing so lines never hide it.
    const lc = setup(labels.current);
    if (lc && labels.current) {
      const panel = getComputedStyle(labels.current).getPropertyValue('--panel').trim() || '#181c22';
      lc.clearRect(0, 0, width, height);
      lc.font = '11px system-ui, sans-serif';
      const label = (text: string, x: number, y: number, align: 'left' | 'center', color: string) => {
        const w = lc.measureText(text).width;
        const left = align === 'center' ? x - w / 2 : x;
        lc.globalAlpha = 0.8;
        lc.fillStyle = panel;
        lc.fillRect(left - 2, y - 7, w + 4, 14);
        lc.globalAlpha = 1;
        lc.fillStyle = color;
        lc.fillText(text, left, y);
      };
      lc.textBaseline = 'middle';
      lc.textAlign = 'left';
      for (const ax of axes) {
        label(ax.col.label.length > 18 ? `${ax.col.label.slice(0, 17)}…` : ax.col.label, ax.x, PAD.top - 20, 'center', fg);
        const ticks: { v: number; text: string }[] = ax.col.categories
          ? ax.col.categories.length <= 14 ? ax.col.categories.map((c, k) => ({ v: k, text: c })) : []
          : niceTicks(ax.inv(PAD.top + plotH), ax.inv(PAD.top), 4).map((v) => ({ v, text: fmt(v, 3) }));
        for (const t of ticks) {
          const y = ax.y(t.v);
          lc.fillStyle = muted;
          lc.fillRect(ax.x - 3, Math.round(y), 6, 1);
          label(t.text.length > 14 ? `${t.text.slice(0, 13)}…` : t.text, ax.x + 5, y, 'left', muted);
        }
      }
    }
    back.current.dataset.drawn = '1';
  }, [axes, ys, width, height, theme]);

  // On top: the shown trials and the brushes; redrawn on every brush move.
  useEffect(() => {
    const c = front.current;
    const ctx = setup(c);
    if (!ctx || !c) return;
    const t0 = performance.now();
    if (!colors.current || colors.current.theme !== theme) {
      const css = getComputedStyle(c);
      colors.current = { theme, accent: css.getPropertyValue('--accent').trim() || '#4e9af1', fg: css.getPropertyValue('--fg').trim() || '#ddd' };
    }
    const { accent, fg } = colors.current;
    ctx.clearRect(0, 0, width, height);
    // While dragging: the lines of the dragged range now (the store hears of it every BRUSH_COMMIT_MS).
    let m = mask;
    if (drag && maskFor && Math.abs(drag.y1 - drag.y0) >= 3) {
      const key = (axes[drag.axis] as Axis).col.key;
      m = maskFor({ ...brushes, [key]: rangeOf(drag.axis, drag.y0, drag.y1) });
    }
    let shown = 0;
    if (m) for (let i = 0; i < count; i++) shown += m[i] as number;
    else shown = count;
    ctx.strokeStyle = accent;
    ctx.lineWidth = 1;
    lines(ctx, m, shown > 20_000 ? 0.06 : shown > 5000 ? 0.12 : shown > 500 ? 0.3 : 0.7);
    // Brushes (and the one being dragged).
    axes.forEach((ax, a) => {
      const r = brushes[ax.col.key];
      let py0: number;
      let py1: number;
      if (drag && drag.axis === a) {
        py0 = Math.min(drag.y0, drag.y1);
        py1 = Math.max(drag.y0, drag.y1);
      } else if (r && ax.col.categories) {
        const half = plotH / (2 * Math.max(1, ax.col.categories.length));
        py0 = ax.y(r[0]) - half;
        py1 = ax.y(r[1]) + half;
      } else if (r) {
        py0 = ax.y(r[1]);
        py1 = ax.y(r[0]);
      } else return;
      ctx.fillStyle = fg;
      ctx.globalAlpha = 0.15;
      ctx.fillRect(ax.x - 8, py0, 16, Math.max(2, py1 - py0));
      ctx.globalAlpha = 0.9;
      ctx.strokeStyle = fg;
      ctx.strokeRect(ax.x - 8 + 0.5, py0 + 0.5, 16, Math.max(2, py1 - py0));
      ctx.globalAlpha = 1;
    });
    c.dataset.frameMs = (performance.now() - t0).toFixed(2);
    c.dataset.shown = String(shown);
    c.dataset.drawn = '1';
  }, [axes, ys, mask, brushes, drag, width, height, theme, maskFor]);

  const axisAt = (mx: number) => {
    let best = -1;
    let bd = 18;
    axes.forEach((ax, a) => {
      const d = Math.abs(ax.x - mx);
      if (d < bd) {
        bd = d;
        best = a;
      }
    });
    return best;
  };

  const rangeOf = (a: number, ya: number, yb: number): readonly [number, number] => {
    const ax = axes[a] as Axis;
    const lo = ax.inv(Math.max(ya, yb));
    const hi = ax.inv(Math.min(ya, yb));
    if (ax.col.categories) {
      // Choices whose position lies inside the dragged span.
      const first = Math.ceil(Math.min(lo, hi) - 1e-9);
      const last = Math.floor(Math.max(lo, hi) + 1e-9);
      return [first, Math.max(first, last)];
    }
    return [Math.min(lo, hi), Math.max(lo, hi)];
  };

  const pos = (e: React.PointerEvent) => {
    const r = (e.currentTarget as HTMLElement).getBoundingClientRect();
    return { x: e.clientX - r.left, y: Math.min(PAD.top + plotH, Math.max(PAD.top, e.clientY - r.top)) };
  };

  return (
    <div className="pcoords" ref={wrap} style={{ height, position: 'relative' }}>
      <canvas ref={back} style={{ position: 'absolute', inset: 0 }} aria-hidden="true" />
      <canvas
        ref={front}
        role="img"
        aria-label={`${label}. Drag along an axis to keep a range of it; click an axis to clear its range.`}
        data-testid="parallel-coordinates"
        style={{ position: 'absolute', inset: 0, cursor: 'ns-resize', touchAction: 'none' }}
        onPointerDown={(e) => {
          const p = pos(e);
          const a = axisAt(p.x);
          if (a < 0) return;
          try {
            e.currentTarget.setPointerCapture(e.pointerId);
          } catch {
            /* a synthetic pointer (no capture): the drag still works while over the canvas */
          }
          setDrag({ axis: a, y0: p.y, y1: p.y });
        }}
        onPointerMove={(e) => {
          if (!drag) return;
          const p = pos(e);
          const next = { ...drag, y1: p.y };
          setDrag(next);
          if (Math.abs(next.y1 - next.y0) < 3) return;
          const send = () => {
            commit.current.timer = undefined;
            commit.current.last = performance.now();
            onBrush((axes[next.axis] as Axis).col.key, rangeOf(next.axis, next.y0, next.y1));
          };
          if (!maskFor) {
            cancelAnimationFrame(frame.current);
            frame.current = requestAnimationFrame(send);
            return;
          }
          // The rest of the screen follows once the pointer rests BRUSH_COMMIT_MS (or is released),
          // the lines at once: refiltering 50,000 rows at every move would drop frames.
          if (commit.current.timer) clearTimeout(commit.current.timer);
          commit.current.timer = setTimeout(send, BRUSH_COMMIT_MS);
        }}
        onPointerUp={(e) => {
          if (!drag) return;
          const p = pos(e);
          cancelAnimationFrame(frame.current);
          if (commit.current.timer) clearTimeout(commit.current.timer);
          commit.current.timer = undefined;
          const key = (axes[drag.axis] as Axis).col.key;
          onBrush(key, Math.abs(p.y - drag.y0) < 3 ? null : rangeOf(drag.axis, drag.y0, p.y));
          setDrag(null);
        }}
      />
      <canvas ref={labels} style={{ position: 'absolute', inset: 0, pointerEvents: 'none' }} aria-hidden="true" />
    </div>
  );
}
