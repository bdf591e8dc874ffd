import { useMemo, useState } from 'react';
import type { StudyId } from '../../api/index.js';
import type { TrialRecord } from '../../../shared/types/index.js';
import { useNas } from '../../store/index.js';
import { collapseCount, derivedOps, nb201ArchString, PARAMETER_FREE, type ArchWeights } from '../../store/oneShot/reducer.js';
import { oneShotSelectors } from '../../store/oneShot/selectors.js';
import { LineChart } from '../charts/LineChart.js';
import { fmt, PALETTE } from '../common/format.js';
import { Empty, ErrorNote, Panel } from '../common/widgets.js';
import { EpochSlider, ResumeNote, useOneShotRecords } from './OneShotPieces.js';

/**
 * A DARTS or ENAS study's own panels: the architecture weights per epoch (a heat map of edges ×
 * operations with an epoch slider, and one small chart per edge), the derived cell with its collapse
 * indicator and looked-up NAS-Bench-201 accuracies, and the search's curves. Read again every few
 * seconds while the run goes on (oneShot slice).
 */
export function OneShotPanels({ id }: { id: StudyId }) {
  const w = useNas(oneShotSelectors.weights);
  const { derived, error } = useOneShotRecords(id);
  // null: follow the latest epoch (the view moves on as epochs arrive).
  const [picked, setPicked] = useState<number | null>(null);

  if (!w) return null;
  const last = w.epochs.length - 1;
  const at = picked === null ? last : Math.min(picked, last);
  const rows = w.weights[at];
  const what = w.kind === 'darts' ? 'softmax(alpha)' : 'controller probabilities';
  return (
    <>
      {error ? <ErrorNote message={error} /> : null}
      <ResumeNote id={id} what={w.kind === 'darts' ? 'DARTS' : 'ENAS'} epoch={w.epochs.at(-1) ?? 0} />
      <Panel
        title="Architecture weights"
        className="wide"
        actions={<EpochSlider epochs={w.epochs} at={at} testId="weights-epoch" onPick={setPicked} />}
      >
        {rows ? (
          <>
            <WeightHeatMap w={w} rows={rows} label={`${what} per edge at epoch ${w.epochs[at]}`} />
            <p className="legend muted small">
              {what} per edge (rows) and operation (columns) at epoch {w.epochs[at]}; outlined: the operation the edge would take (strongest, 'none' excluded){w.kind === 'darts' ? '; grey names: parameter-free operations' : ''}.
            </p>
            <EdgeCharts w={w} />
          </>
        ) : (
          <Empty>Waiting for the first epoch to end.</Empty>
        )}
      </Panel>
      <Panel title="Derived cell">{rows ? <DerivedCell w={w} rows={rows} derived={derived} /> : <Empty>Waiting for the first epoch to end.</Empty>}</Panel>
      <Panel title="Search curves">{w.epochs.length > 0 ? <SearchCurves w={w} /> : <Empty>Waiting for the first epoch to end.</Empty>}</Panel>
    </>
  );
}

function WeightHeatMap({ w, rows, label }: { w: ArchWeights; rows: readonly (readonly number[])[]; label: string }) {
  const chosen = derivedOps(rows, w.ops);
  return (
    <table className="grid compact heatmap" aria-label={label} data-testid="arch-weights">
      <thead>
        <tr>
          <th scope="col">edge</th>
          {w.ops.map((op) => (
            <th key={op} scope="col" className={PARAMETER_FREE.has(op) ? 'muted' : undefined}>
              {op}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {w.edges.map((edge, e) => (
          <tr key={edge} data-edge={edge}>
            <th scope="row">{edge}</th>
            {w.ops.map((op, k) => {
              const v = rows[e]?.[k] ?? 0;
              return (
                <td
                  key={op}
                  data-op={op}
                  data-chosen={chosen[e] === k ? 'true' : undefined}
                  title={`${edge} ${op}: ${v.toFixed(4)}`}
                  style={{ background: `rgba(37, 99, 235, ${Math.min(1, v).toFixed(3)})`, color: v > 0.55 ? '#fff' : undefined, outline: chosen[e] === k ? '2px solid #f59e0b' : undefined, outlineOffset: -2 }}
                >
                  {v.toFixed(3)}
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** One small chart per edge: each operation's weight over the epochs. */
function EdgeCharts({ w }: { w: ArchWeights }) {
  const theme = useNas((s) => s.theme);
  const perEdge = useMemo(
    () => w.edges.map((edge, e) => ({ edge, series: w.ops.map((op, k) => ({ label: op, color: PALETTE[k % PALETTE.length] as string, values: w.weights.map((r) => r[e]?.[k] ?? null) })) })),
    [w],
  );
  if (w.epochs.length < 2) return null;
  return (
    <div className="edge-charts" style={{ display: 'grid', gridTemplateColumns: 'repeat(auto-fill, minmax(260px, 1fr))', gap: 8 }}>
      {perEdge.map(({ edge, series }) => (
        <div key={edge} data-edge-chart={edge}>
          <div className="chart-caption small muted">edge {edge}</div>
          <LineChart label={`Weights of edge ${edge} over epochs`} x={w.epochs} series={series} xLabel="epoch" integerX height={120} theme={theme} />
        </div>
      ))}
    </div>
  );
}

function DerivedCell({ w, rows, derived }: { w: ArchWeights; rows: readonly (readonly number[])[]; derived: TrialRecord | null }) {
  const chosen = derivedOps(rows, w.ops);
  // DARTS stores its run's collapse indicator per epoch; ENAS: the cell of the latest probabilities.
  const pfEdges = w.series.parameter_free_edges?.at(-1);
  const free = w.kind === 'darts' && typeof pfEdges === 'number' ? pfEdges : collapseCount(chosen, w.ops);
  const lookups: [string, string][] = [['c10_test', 'CIFAR-10 test'], ['c100_test', 'CIFAR-100 test'], ['c10_valid', 'CIFAR-10 valid'], ['c100_valid', 'CIFAR-100 valid']];
  return (
    <div className="stack" data-testid="derived-cell">
      <p>
        {derived ? 'Derived cell' : 'Cell of the latest epoch'}: <code data-testid="derived-arch">{derived ? derived.key : nb201ArchString(w.edges, w.ops, chosen)}</code>
      </p>
      <p data-testid="collapse">
        Collapse indicator: <b>{free}/{w.edges.length}</b> edges take a parameter-free operation
        {w.kind === 'darts' && w.series.parameter_free_weight?.at(-1) != null ? <> (their weight {fmt(w.series.parameter_free_weight.at(-1) as number, 3)})</> : null}
        {free * 2 >= w.edges.length ? <b> — collapsed (parameter-free operations dominate)</b> : null}
      </p>
      {derived ? (
        <table className="grid compact" aria-label="NAS-Bench-201 accuracies" data-testid="nb201-lookup">
          <tbody>
            {lookups.map(([k, label]) => (
              <tr key={k} data-metric={k}>
                <th scope="row">{label} (NAS-Bench-201, 200 epochs)</th>
                <td>{derived.metrics[k] !== undefined ? `${(derived.metrics[k] as number).toFixed(2)}%` : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="muted small">Its NAS-Bench-201 accuracies are looked up when the run ends.</p>
      )}
    </div>
  );
}

const CURVES: Record<'darts' | 'enas', [string, string][]> = {
  darts: [['train_loss', 'train loss'], ['val_loss', 'validation loss'], ['search_val_accuracy', 'validation accuracy (mixed network)'], ['parameter_free_weight', 'parameter-free weight']],
  enas: [['train_loss', 'train loss (shared weights)'], ['mean_reward', 'mean reward (validation accuracy of sampled cells)']],
};

function SearchCurves({ w }: { w: ArchWeights }) {
  const theme = useNas((s) => s.theme);
  return (
    <div className="stack">
      {CURVES[w.kind].filter(([m]) => w.series[m]).map(([m, label], i) => (
        <div key={m}>
          <div className="chart-caption small muted">{label}</div>
          <LineChart label={`${label} over epochs`} x={w.epochs} series={[{ label, color: PALETTE[i % PALETTE.length] as string, values: w.series[m] ?? [] }]} xLabel="epoch" yLabel={m} integerX height={120} theme={theme} />
        </div>
      ))}
    </div>
  );
}
