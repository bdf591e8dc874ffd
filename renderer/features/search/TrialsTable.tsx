import { useRef, useState } from 'react';
import type { TrialPoints } from '../../api/index.js';
import { TRIAL_STATES } from '../../../shared/types/index.js';
import { architectureOf } from '../../store/live/filter.js';
import { fmt } from '../common/format.js';

const ROW = 28;
const OVERSCAN = 8;

interface Props {
  readonly points: TrialPoints;
  readonly order: Int32Array;
  readonly sort: { key: string; dir: 'asc' | 'desc' };
  readonly onSort: (key: string) => void;
  readonly onOpen: (number: number) => void;
  readonly highlight: number | null;
  readonly onHover: (number: number | null) => void;
  readonly height?: number;
}

/** A virtualised trials table: only the rows in view are in the DOM, so 50k trials scroll freely. */
export function TrialsTable({ points, order, sort, onSort, onOpen, highlight, onHover, height = 420 }: Props) {
  const [top, setTop] = useState(0);
  const frame = useRef(0);
  const metrics = Object.keys(points.metrics);
  const n = order.length;
  const first = Math.max(0, Math.floor(top / ROW) - OVERSCAN);
  const last = Math.min(n, Math.ceil((top + height) / ROW) + OVERSCAN);
  const hasArch = !!points.dims && points.dims.length > 0;
  const cols = `70px 96px repeat(${metrics.length}, minmax(90px, 1fr))${hasArch ? ' minmax(180px, 2.5fr)' : ''}`;
  const header = [{ key: 'number', label: 'Trial' }, { key: 'state', label: 'State' }, ...metrics.map((m) => ({ key: m, label: m }))];
  const interrupted = new Set(points.interrupted ?? []);
  const rows = [];
  for (let r = first; r < last; r++) {
    const i = order[r] as number;
    const number = points.numbers[i] as number;
    const raw = TRIAL_STATES[points.states[i] as number] ?? '?';
    // A trial the search's Stop (or crash) cut short is recorded failed; it did not fail.
    const state = raw === 'failed' && interrupted.has(number) ? 'interrupted' : raw;
    const arch = hasArch ? architectureOf(points, i) : '';
    rows.push(
      <div
        key={number}
        role="row"
        aria-rowindex={r + 2}
        tabIndex={0}
        className={`vrow state-${state} ${highlight === number ? 'hl' : ''}`}
        style={{ transform: `translateY(${r * ROW}px)`, gridTemplateColumns: cols }}
        onClick={() => onOpen(number)}
        onKeyDown={(e) => e.key === 'Enter' && onOpen(number)}
        onMouseEnter={() => onHover(number)}
        onMouseLeave={() => onHover(null)}
      >
        <span role="cell" className="num">{number}</span>
        <span role="cell">{state}</span>
        {metrics.map((m) => (
          <span role="cell" className="num" key={m}>
            {fmt(points.metrics[m]?.[i])}
          </span>
        ))}
        {hasArch ? (
          <span role="cell" className="arch" title={arch}>
            {arch}
          </span>
        ) : null}
      </div>,
    );
  }
  return (
    <div className="vtable" role="table" aria-label="Trials" aria-rowcount={n + 1} data-rows={n}>
      <div role="row" className="vhead" style={{ gridTemplateColumns: cols }}>
        {header.map((h) => (
          <span role="columnheader" key={h.key} className={h.key === 'state' ? '' : 'num'} aria-sort={sort.key === h.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
            <button type="button" className="sort" onClick={() => onSort(h.key)}>
              {h.label}
              {sort.key === h.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
            </button>
          </span>
        ))}
        {hasArch ? <span role="columnheader">Architecture</span> : null}
      </div>
      <div
        className="vbody"
        style={{ height }}
        onScroll={(e) => {
          const t = e.currentTarget.scrollTop;
          cancelAnimationFrame(frame.current);
          frame.current = requestAnimationFrame(() => setTop(t));
        }}
      >
        <div style={{ height: n * ROW, position: 'relative' }}>{rows}</div>
      </div>
    </div>
  );
}
