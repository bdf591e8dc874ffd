import { useEffect, useMemo, useState } from 'react';
import type { StudyDetail, StudyId } from '../../api/index.js';
import { useNas } from '../../store/index.js';
import { formatEta, liveSelectors } from '../../store/live/selectors.js';
import { LineChart } from '../charts/LineChart.js';
import { ScatterCanvas } from '../charts/ScatterCanvas.js';
import { fmt, PALETTE } from '../common/format.js';
import { Empty, ErrorNote, Panel, ProgressBar, StatusBadge, WhenVisible } from '../common/widgets.js';
import { TrialsTable } from './TrialsTable.js';
import { EnasMobilenetPanels } from './EnasMobilenetPanels.js';
import { OneShotPanels } from './OneShotPanels.js';
import { SupernetPanels } from './SupernetPanels.js';
import { ParallelCoords, type PcColumn } from '../charts/ParallelCoords.js';
import { SlicePlot } from '../results/SlicePlot.js';
import { TrialFilters } from '../results/TrialFilters.js';
import { ExportsPanel } from '../results/ExportsPanel.js';
import { ReportButton, ReportResult } from '../results/ReportButton.js';
import { decisionKey, trialMask } from '../../store/live/filter.js';
import { POLL_MS } from '../../store/live/action.js';
import '../common/workbench.css';

type XAxis = 'evals' | 'cost' | 'wall';
const X_AXES: { id: XAxis; label: string }[] = [
  { id: 'evals', label: 'evaluations' },
  { id: 'cost', label: 'simulated time (s)' },
  { id: 'wall', label: 'wall time (s)' },
];

export function LiveView({ id }: { id: StudyId }) {
  const detail = useNas((s) => s.detail);
  const points = useNas((s) => s.points);
  const history = useNas((s) => s.history);
  const axes = useNas((s) => s.axes);
  const error = useNas((s) => s.liveError);
  const hovered = useNas((s) => s.hovered);
  const tableSort = useNas((s) => s.tableSort);
  const theme = useNas((s) => s.theme);
  const scatter = useNas(liveSelectors.scatter);
  const order = useNas(liveSelectors.tableOrder);
  const counts = useNas(liveSelectors.stateCounts);
  const mask = useNas(liveSelectors.mask);
  const frontAxes = useNas(liveSelectors.frontAxes);
  const filters = useNas((s) => s.filters);
  const brushes = useNas((s) => s.brushes);
  const { openLive, closeLive, setAxes, sortTable, setHovered, stopStudy, resumeStudy, navigate, addFilter, removeFilter, clearFilters, setBrush } = useNas.getState();
  const [logX, setLogX] = useState(false);
  const [logY, setLogY] = useState(false);
  const [xAxis, setXAxis] = useState<XAxis>('evals');
  // Why Resume was refused (e.g. a DARTS run whose checkpoint is gone).
  const [actionError, setActionError] = useState<string | null>(null);

  useEffect(() => {
    void openLive(id);
    return () => closeLive();
  }, [id, openLive, closeLive]);

  // Only where both axes are objectives is the non-dominated set a Pareto front (drawn solid and joined).
  const series = useMemo(
    () => (scatter ? [{ label: detail?.name ?? '', color: PALETTE[0] as string, ...scatter, ...(frontAxes ? {} : { front: null, frontOrder: new Int32Array(0) }) }] : []),
    [scatter, detail?.name, frontAxes],
  );
  const bestSeries = useMemo(
    () => (history && detail ? detail.objectives.map((o, k) => ({ label: `${o.metric} (${o.direction})`, metric: o.metric, color: PALETTE[k % PALETTE.length] as string, values: history.best[o.metric] ?? [], stepped: true })) : []),
    [history, detail],
  );
  const xs = useMemo(() => {
    if (!history) return [];
    if (xAxis === 'cost' && history.cost) return history.cost;
    if (xAxis === 'wall' && history.wallMs) return history.wallMs.map((v) => v / 1000);
    return history.evals;
  }, [history, xAxis]);
  const xLabel = X_AXES.find((a) => a.id === xAxis)?.label ?? 'evaluations';
  const pcColumns: PcColumn[] = useMemo(() => {
    if (!points) return [];
    const dims = (points.dims ?? []).map((d, k) => ({ key: decisionKey(d.name), label: d.name, values: points.decisions?.[k] ?? [], categories: d.choices }));
    const mets = Object.entries(points.metrics).map(([m, col]) => ({ key: m, label: m, values: col }));
    return [...dims, ...mets];
  }, [points]);
  const maskFor = useMemo(() => (points ? (b: Readonly<Record<string, readonly [number, number]>>) => trialMask(points, filters, b) : undefined), [points, filters]);
  const hvSeries = useMemo(() => (history ? [{ label: 'hypervolume', color: PALETTE[2] as string, values: history.hypervolume, stepped: true }] : []), [history]);


  if (error) return <div className="screen"><ErrorNote message={error} /><a href="#/">Back to searches</a></div>;
  if (!detail || !points) return <div className="screen"><p className="muted">Loading search {id}…</p></div>;

  const open = (number: number) => navigate({ name: 'trial', id, number });
  const metrics = Object.keys(points.metrics);
  const budget = detail.budget;
  const budgetText = [budget.evals ? `${detail.progress.evals.toLocaleString('en-US')} / ${budget.evals.toLocaleString('en-US')} evaluations` : `${detail.progress.evals.toLocaleString('en-US')} evaluations`, budget.seconds ? `${fmt(detail.progress.costSeconds)} / ${fmt(budget.seconds)} simulated s` : null, budget.wallMs ? `${fmt(detail.progress.wallMs / 1000)} / ${fmt(budget.wallMs / 1000)} wall s` : null].filter(Boolean).join(' · ');
  // A search another process runs (its lease is live) can be watched here, not resumed.
  // A DARTS/ENAS run (on the NB201 cell or the mobilenet space) and a supernet training are resumed
  // here from their checkpoints (main runs them). The CLI's run of any on this machine is stopped
  // from here as Ctrl-C stops it.
  const oneShot = (detail.strategy === 'darts' || detail.strategy === 'enas') && detail.space === 'nb201';
  const enasMobilenet = detail.strategy === 'enas' && detail.space === 'mobilenet';
  const cliRun = oneShot || enasMobilenet || detail.strategy === 'supernet-train';
  const canStop = detail.active || (cliRun && !!detail.runningElsewhere);
  const canResume = !detail.active && !detail.runningElsewhere && (detail.status === 'stopped' || detail.status === 'running' || detail.status === 'created');

  return (
    <div className="screen" data-screen="live">
      <div className="toolbar">
        <h1>
          {detail.name} <span className="muted">#{detail.id}</span>
        </h1>
        <StatusBadge status={detail.status} active={detail.active} elsewhere={detail.runningElsewhere} />
        <span className="spacer" />
        <a className="button" href={`#/study/${id}/insights`}>
          Insights
        </a>
        <ReportButton id={id} />
        {canStop ? (
          <button type="button" onClick={() => void stopStudy(id)}>
            Stop
          </button>
        ) : null}
        {canResume ? (
          <button type="button" className="primary" onClick={() => void resumeStudy(id).then(() => setActionError(null), (e: Error) => setActionError(e.message))}>
            {detail.status === 'created' ? 'Start' : 'Resume'}
          </button>
        ) : null}
      </div>
      {detail.error ? <ErrorNote message={`This search failed: ${detail.error}`} /> : null}
      <ErrorNote message={actionError} />
      <ReportResult id={id} />
      {detail.runningElsewhere && detail.status === 'running' ? (
        <p className="note" data-testid="elsewhere-note">
          Run by process {detail.runningElsewhere.pid} on {detail.runningElsewhere.host} (e.g. <code>frontier search</code>): shown live from the store, read every {POLL_MS / 1000} s. It can be stopped there; Resume is offered only if that process stops beating.
        </p>
      ) : null}
      <div className="progress-line">
        <ProgressBar fraction={detail.fraction} label="Budget used" />
        <div className="progress-text" data-testid="progress-text">
          <b>{Math.round(detail.fraction * 100)}%</b> · {budgetText}
          {detail.active || detail.runningElsewhere ? (
            <>
              {' '}· ETA {formatEta(detail.etaMs)} · {detail.throughput ? `${fmt(detail.throughput, 3)} evals/s` : '—'}
            </>
          ) : null}
          {' '}· {counts.complete ?? 0} complete{counts.failed ? `, ${counts.failed} failed` : ''}
          {counts.interrupted ? `, ${counts.interrupted} interrupted by a stop` : ''}
          {counts.invalid ? `, ${counts.invalid} invalid` : ''}
          {detail.progress.rejected ? `, ${detail.progress.rejected} rejected up front` : ''}
          {detail.objectives.length >= 2 ? (
            <>
              {' '}· front <b data-testid="front-size">{detail.frontSize}</b> · hypervolume {fmt(detail.hypervolume)}
            </>
          ) : null}
        </div>
      </div>
      <div className="panels">
        {oneShot ? <OneShotPanels id={id} /> : null}
        {enasMobilenet ? <EnasMobilenetPanels id={id} /> : null}
        {detail.strategy === 'supernet-train' ? <SupernetPanels id={id} /> : null}
        <Panel
          title={frontAxes ? 'Pareto front' : 'Trials'}
          className="wide"
          actions={
            <>
              <label>
                <input type="checkbox" checked={logX} onChange={(e) => setLogX(e.target.checked)} /> log x
              </label>
              <label>
                <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} /> log y
              </label>
              <label>
                x{' '}
                <select aria-label="x axis" value={axes.x} onChange={(e) => setAxes({ x: e.target.value })}>
                  {metrics.map((m) => (
                    <option key={m}>{m}</option>
                  ))}
                </select>
              </label>
              <label>
                y{' '}
                <select aria-label="y axis" value={axes.y} onChange={(e) => setAxes({ y: e.target.value })}>
                  {metrics.map((m) => (
                    <option key={m}>{m}</option>
                  ))}
                </select>
              </label>
            </>
          }
        >
          <ScatterCanvas
            label={`Pareto scatter of ${axes.y} against ${axes.x}`}
            series={series}
            xLabel={`${axes.x}${dirOf(detail.objectives, axes.x)}`}
            yLabel={`${axes.y}${dirOf(detail.objectives, axes.y)}`}
            highlight={hovered}
            theme={theme}
            logX={logX}
            logY={logY}
            onHover={(h) => setHovered(h?.number ?? null)}
            onPick={(h) => open(h.number)}
          />
          <p className="legend muted small">
            {frontAxes ? 'Solid, joined: the Pareto front of these two objectives · faded squares: dominated trials' : 'Not both axes are objectives, so no front is drawn'}
            {mask ? ` · ${scatter?.numbers.length.toLocaleString('en-US') ?? 0} trials pass the filters` : ''} · hover for the trial, click to open it
          </p>
        </Panel>
        <Panel
          title="Best so far"
          actions={
            <label>
              x{' '}
              <select aria-label="Progress x axis" value={xAxis} onChange={(e) => setXAxis(e.target.value as XAxis)}>
                {X_AXES.map((a) => (
                  <option key={a.id} value={a.id}>
                    {a.label}
                  </option>
                ))}
              </select>
            </label>
          }
        >
          {history && history.evals.length > 0 ? (
            <div className="stack">
              {bestSeries.map((s) => (
                <div key={s.label}>
                  <div className="chart-caption small muted">best {s.label}</div>
                  <LineChart label={`Best ${s.label} over ${xLabel}`} x={xs} series={[s]} xLabel={xLabel} yLabel={s.metric} integerX={xAxis === 'evals'} height={160} theme={theme} />
                </div>
              ))}
            </div>
          ) : (
            <Empty>Waiting for the first finished trial.</Empty>
          )}
        </Panel>
        <Panel title="Hypervolume over time">
          {detail.objectives.length < 2 ? (
            <Empty>One objective: its progress is the best-so-far curve (a hypervolume of one objective would only be best minus worst).</Empty>
          ) : history && history.evals.length > 0 && history.hypervolume.some((v) => v !== null) ? (
            <LineChart label={`Hypervolume over ${xLabel}`} x={xs} series={hvSeries} xLabel={xLabel} yLabel="hypervolume" integerX={xAxis === 'evals'} height={300} theme={theme} />
          ) : (
            <Empty>{detail.objectives.length > 3 ? 'Hypervolume is computed for up to 3 objectives.' : 'Waiting for the first complete trial.'}</Empty>
          )}
        </Panel>
        <Panel title="Resources">
          <ResourcesTable detail={detail} />
        </Panel>
        <Panel title="Parallel coordinates" className="wide">
          {pcColumns.length >= 2 ? (
            <WhenVisible height={320}>
              <ParallelCoords label={`Parallel coordinates of ${points.numbers.length} trials over decisions and metrics`} columns={pcColumns} count={points.numbers.length} mask={mask} brushes={brushes} onBrush={setBrush} maskFor={maskFor} theme={theme} />
            </WhenVisible>
          ) : (
            <Empty>Fewer than two columns to draw.</Empty>
          )}
          <p className="legend muted small">Drag along an axis to keep a range (it filters the table, the scatter and the slice plot); click an axis to clear it.</p>
        </Panel>
        <Panel title="Slice plot" className="wide">
          <WhenVisible height={340}>
            <SlicePlot points={points} mask={mask} theme={theme} onPick={open} />
          </WhenVisible>
        </Panel>
        <Panel title={`Trials (${points.numbers.length.toLocaleString('en-US')})`} className="wide">
          <TrialFilters
            points={points}
            filters={filters}
            brushes={brushes}
            order={order}
            studyId={id}
            studyName={detail.name}
            onAdd={addFilter}
            onRemove={removeFilter}
            onClear={clearFilters}
            onClearBrush={(k) => setBrush(k, null)}
          />
          <TrialsTable points={points} order={order} sort={tableSort} onSort={sortTable} onOpen={open} highlight={hovered} onHover={setHovered} />
        </Panel>
        <ExportsPanel id={id} />
      </div>
    </div>
  );
}

/** Compute spent and the variety of the explored architectures (stored trials), and the CPU of a run here. */
function ResourcesTable({ detail }: { detail: StudyDetail }) {
  const r = detail.resources;
  const cpu = detail.cpu;
  // What the study's finished runs here used (stored with it), shown when none runs now.
  const kept = detail.active ? undefined : detail.record.cpu;
  const accelerator = cpu ? cpu.accelerator : kept?.accelerator;
  if (!r || r.finished === 0) return <Empty>Waiting for the first finished trial.</Empty>;
  const pct = (v: number) => `${(v * 100).toFixed(v < 0.1 ? 1 : 0)}%`;
  const rows: [string, string, string][] = [
    ['compute-hours', 'Compute (trials\' wall time)', `${fmt(r.computeHours, 3)} h`],
    ['simulated-hours', 'Charged training time', `${fmt(r.simulatedHours, 3)} h`],
    ['evals-per-hour', 'Evaluations per hour', r.evalsPerHour === null ? '—' : fmt(r.evalsPerHour, 3)],
    ['trial-seconds', 'Time per architecture (median / max)', `${fmt(r.trialSeconds.median, 3)} s / ${fmt(r.trialSeconds.max, 3)} s wall · ${fmt(r.costSeconds.median, 3)} s / ${fmt(r.costSeconds.max, 3)} s charged`],
    ['unique', 'Distinct architectures', `${pct(r.uniqueFraction)} of ${r.finished.toLocaleString('en-US')}`],
    ['diversity', `Diversity (mean Hamming distance, last ${r.window})`, r.diversity === null ? '—' : `${pct(r.diversity)} of the decisions`],
    ['cpu', cpu || !kept ? 'CPU (this run, all cores)' : 'CPU (its runs here, all cores)', cpu ? `${pct(cpu.utilisation)} of ${cpu.cores} cores · load ${fmt(cpu.load1, 3)}` : detail.active ? '…' : kept ? `${pct(kept.wallSeconds > 0 ? Math.min(1, kept.cpuSeconds / kept.wallSeconds / kept.cores) : 0)} of ${kept.cores} cores over ${fmt(kept.wallSeconds, 3)} s (${kept.runs} run${kept.runs === 1 ? '' : 's'}, kept with the search)` : 'not running here'],
    ['accelerator', 'GPU', accelerator === 'cuda' ? 'CUDA' : accelerator === 'cpu' ? 'none (CPU training)' : 'not known for this evaluator'],
  ];
  return (
    <table className="grid compact" aria-label="Resources" data-testid="resources">
      <tbody>
        {rows.map(([k, label, value]) => (
          <tr key={k} data-resource={k}>
            <th scope="row">{label}</th>
            <td>{value}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function dirOf(objectives: readonly { metric: string; direction: string }[], m: string): string {
  const o = objectives.find((x) => x.metric === m);
  return o ? ` (${o.direction})` : '';
}
