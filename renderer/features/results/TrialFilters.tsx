import { useState } from 'react';
import type { TrialPoints } from '../../api/index.js';
import { columnLabels, filterColumns, filterProblem, trialRows, trialsCsv } from '../../store/live/filter.js';
import type { FilterOp, TrialFilter } from '../../store/live/initialState.js';
import { download } from '../common/download.js';
import { fmt } from '../common/format.js';

const NUMERIC_OPS: FilterOp[] = ['>=', '<=', '>', '<', '=', '!='];
const LABEL_OPS: FilterOp[] = ['=', '!='];
const OP_TEXT: Record<FilterOp, string> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥', '=': '=', '!=': '≠' };

interface Props {
  readonly points: TrialPoints;
  readonly filters: readonly TrialFilter[];
  readonly brushes: Readonly<Record<string, readonly [number, number]>>;
  /** Column indices of the shown trials, in table order. */
  readonly order: Int32Array;
  readonly studyName: string;
  readonly studyId: string;
  readonly onAdd: (f: TrialFilter) => void;
  readonly onRemove: (index: number) => void;
  readonly onClear: () => void;
  readonly onClearBrush: (key: string) => void;
}

/** Conditions on any metric or decision, the parallel-coordinates brushes, and export of what they leave. */
export function TrialFilters({ points, filters, brushes, order, studyName, studyId, onAdd, onRemove, onClear, onClearBrush }: Props) {
  const columns = filterColumns(points);
  const [column, setColumn] = useState(columns[2]?.key ?? 'number');
  const labels = columnLabels(points, column);
  const [op, setOp] = useState<FilterOp>('>=');
  const [value, setValue] = useState('');
  const ops = labels.length > 0 ? LABEL_OPS : NUMERIC_OPS;
  const effectiveOp = ops.includes(op) ? op : (ops[0] as FilterOp);
  const effectiveValue = labels.length > 0 && !labels.includes(value) ? (labels[0] as string) : value;
  const draft: TrialFilter = { column, op: effectiveOp, value: effectiveValue };
  const problem = value === '' && labels.length === 0 ? null : filterProblem(points, draft);
  const base = `study${studyId}-trials${filters.length + Object.keys(brushes).length > 0 ? '-filtered' : ''}`;
  const brushText = (k: string, [lo, hi]: readonly [number, number]) => {
    if (k.startsWith('d:')) {
      const ch = columnLabels(points, k);
      return `${k.slice(2)} ∈ {${ch.slice(lo, hi + 1).join(', ')}}`;
    }
    return `${fmt(lo, 3)} ≤ ${k} ≤ ${fmt(hi, 3)}`;
  };
  return (
    <div className="trial-filters" role="group" aria-label="Filter trials">
      <form
        className="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          if (filterProblem(points, draft) === null) {
            onAdd(draft);
            if (labels.length === 0) setValue('');
          }
        }}
      >
        <label>
          Filter{' '}
          <select aria-label="Filter column" value={column} onChange={(e) => setColumn(e.target.value)}>
            {columns.map((c) => (
              <option key={c.key} value={c.key}>
                {c.key.startsWith('d:') ? `decision ${c.label}` : c.label}
              </option>
            ))}
          </select>
        </label>
        <select aria-label="Filter operator" value={effectiveOp} onChange={(e) => setOp(e.target.value as FilterOp)}>
          {ops.map((o) => (
            <option key={o} value={o}>
              {OP_TEXT[o]}
            </option>
          ))}
        </select>
        {labels.length > 0 ? (
          <select aria-label="Filter value" value={effectiveValue} onChange={(e) => setValue(e.target.value)}>
            {labels.map((l) => (
              <option key={l}>{l}</option>
            ))}
          </select>
        ) : (
          <input aria-label="Filter value" inputMode="decimal" placeholder="value" value={value} onChange={(e) => setValue(e.target.value)} aria-invalid={problem ? true : undefined} size={10} />
        )}
        <button type="submit" disabled={filterProblem(points, draft) !== null}>
          Add filter
        </button>
        {problem ? <span className="field-error">{problem}</span> : null}
        <span className="spacer" />
        <span className="muted small" data-testid="shown-count">
          {order.length.toLocaleString('en-US')} of {points.numbers.length.toLocaleString('en-US')} trials
        </span>
        <button type="button" onClick={() => download(`${base}.csv`, trialsCsv(points, order), 'text/csv')}>
          Export CSV
        </button>
        <button type="button" onClick={() => download(`${base}.json`, JSON.stringify({ study: { id: studyId, name: studyName }, filters, brushes, trials: trialRows(points, order) }, null, 1), 'application/json')}>
          Export JSON
        </button>
      </form>
      {filters.length + Object.keys(brushes).length > 0 ? (
        <ul className="chips" aria-label="Active filters">
          {filters.map((f, i) => (
            <li key={`f${i}`} className="chip">
              {f.column.replace(/^d:/, '')} {OP_TEXT[f.op]} {f.value}
              <button type="button" aria-label={`Remove filter ${f.column.replace(/^d:/, '')} ${OP_TEXT[f.op]} ${f.value}`} onClick={() => onRemove(i)}>
                ×
              </button>
            </li>
          ))}
          {Object.entries(brushes).map(([k, r]) => (
            <li key={`b${k}`} className="chip brush">
              {brushText(k, r)}
              <button type="button" aria-label={`Remove range on ${k.replace(/^d:/, '')}`} onClick={() => onClearBrush(k)}>
                ×
              </button>
            </li>
          ))}
          <li>
            <button type="button" className="link" onClick={onClear}>
              Clear all
            </button>
          </li>
        </ul>
      ) : null}
    </div>
  );
}
