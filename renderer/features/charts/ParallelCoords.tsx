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
  readonly height?: number;
  readonly theme?: string;
  readonly label: string;
}

const PAD = { left: 36, right: 36, top: 34, bottom: 22 };

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
export function ParallelCoords({ columns, count, mask, brushes, onBrush, height = 320, theme, label }: Props) {
  const wrap = useRef<HTMLDivElement>(null);
  const back = useRef<HTMLCanvasElement>(null);
  const front = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(800);
  const [drag, setDrag] = useState<{ axis: number; y0: number; y1: number } | null>(null);
  const frame = useRef(0);

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

  // Pixel y of every trial on every axis, computed once per data and size (NaN: missing).
  const ys = useMemo(() => {
    const A = axes.length;
    const out = new Float32Array(count * A);
    axes.forEach((ax, a) => {
      for (let i = 0; i < count; i++) {
        const v = ax.col.values[i];
        out[i * A + a] = v === null || v === undefined ? NaN : ax.y(v);
      }
    });
    return out;
  }, [axes, count]);

  const setup = (c: HTMLCanvasElement | null) => {
    if (!c) return null;
    const dpr = window.devicePixelRatio || 1;
    c.width = Math.floor(width * dpr);
    c.height = Math.floor(height * dpr);
    c.style.width = `${width}px`;
    c.style.height = `${height}px`;
    const ctx = c.getContext('2d');
    ctx?.setTransform(dpr, 0, 0, dpr, 0, 0);
    return ctx;
  };

  const lines = (ctx: CanvasRenderingContext2D, take: (i: number) => boolean) => {
    const A = axes.length;
    ctx.beginPath();
    for (let i = 0; i < count; i++) {
      if (!take(i)) continue;
      let pen = false;
      for (let a = 0; a < A; a++) {
        const y = ys[i * A + a] as number;
        if (Number.isNaN(y)) {
          pen = false;
          continue;
        }
        const x = (axes[a] as Axis).x;
        if (pen) ctx.lineTo(x, y);
        else ctx.moveTo(x, y);
        pen = true;
      }
    }
    ctx.stroke();
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
    ctx.globalAlpha = count > 5000 ? 0.05 : count > 500 ? 0.12 : 0.25;
    ctx.lineWidth = 1;
    lines(ctx, () => true);
    ctx.globalAlpha = 1;
    ctx.font = '11px system-ui, sans-serif';
    for (const ax of axes) {
      ctx.strokeStyle = fg;
      ctx.beginPath();
      ctx.moveTo(ax.x + 0.5, PAD.top);
      ctx.lineTo(ax.x + 0.5, PAD.top + plotH);
      ctx.stroke();
      ctx.fillStyle = fg;
      ctx.textAlign = 'center';
      ctx.textBaseline = 'bottom';
      ctx.fillText(ax.col.label.length > 18 ? `${ax.col.label.slice(0, 17)}…` : ax.col.label, ax.x, PAD.top - 14);
      ctx.fillStyle = muted;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'middle';
      const ticks: { v: number; text: string }[] = ax.col.categories
        ? ax.col.categories.length <= 14 ? ax.col.categories.map((c, k) => ({ v: k, text: c })) : []
        : niceTicks(ax.inv(PAD.top + plotH), ax.inv(PAD.top), 4).map((v) => ({ v, text: fmt(v, 3) }));
      for (const t of ticks) {
        const y = ax.y(t.v);
        ctx.fillRect(ax.x - 3, Math.round(y), 6, 1);
        ctx.fillText(t.text.length > 14 ? `${t.text.slice(0, 13)}…` : t.text, ax.x + 5, y);
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
    const css = getComputedStyle(c);
    const accent = css.getPropertyValue('--accent').trim() || '#4e9af1';
    const fg = css.getPropertyValue('--fg').trim() || '#ddd';
    ctx.clearRect(0, 0, width, height);
    let shown = 0;
    if (mask) for (let i = 0; i < count; i++) shown += mask[i] as number;
    else shown = count;
    ctx.strokeStyle = accent;
    ctx.lineWidth = 1;
    ctx.globalAlpha = shown > 20_000 ? 0.06 : shown > 5000 ? 0.12 : shown > 500 ? 0.3 : 0.7;
    lines(ctx, mask ? (i) => mask[i] === 1 : () => true);
    ctx.globalAlpha = 1;
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
  }, [axes, ys, mask, brushes, drag, width, height, theme]);

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
          e.currentTarget.setPointerCapture(e.pointerId);
          setDrag({ axis: a, y0: p.y, y1: p.y });
        }}
        onPointerMove={(e) => {
          if (!drag) return;
          const p = pos(e);
          const next = { ...drag, y1: p.y };
          setDrag(next);
          // The brush filters as it moves, at most once a frame.
          cancelAnimationFrame(frame.current);
          if (Math.abs(next.y1 - next.y0) >= 3) frame.current = requestAnimationFrame(() => onBrush((axes[next.axis] as Axis).col.key, rangeOf(next.axis, next.y0, next.y1)));
        }}
        onPointerUp={(e) => {
          if (!drag) return;
          const p = pos(e);
          cancelAnimationFrame(frame.current);
          const key = (axes[drag.axis] as Axis).col.key;
          onBrush(key, Math.abs(p.y - drag.y0) < 3 ? null : rangeOf(drag.axis, drag.y0, p.y));
          setDrag(null);
        }}
      />
    </div>
  );
}
