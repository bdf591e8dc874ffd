import { useEffect, useMemo } from 'react';
import type { StudyId } from '../../api/index.js';
import { useNas } from '../../store/index.js';
import { formatEta, liveSelectors } from '../../store/live/selectors.js';
import { LineChart } from '../charts/LineChart.js';
import { ScatterCanvas } from '../charts/ScatterCanvas.js';
import { fmt, PALETTE } from '../common/format.js';
import { Empty, ErrorNote, Panel, ProgressBar, StatusBadge } from '../common/widgets.js';
import { TrialsTable } from './TrialsTable.js';

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
  const { openLive, closeLive, setAxes, sortTable, setHovered, stopStudy, resumeStudy, navigate } = useNas.getState();

  useEffect(() => {
    void openLive(id);
    return () => closeLive();
  }, [id, openLive, closeLive]);

  const series = useMemo(() => (scatter ? [{ label: detail?.name ?? '', color: PALETTE[0] as string, ...scatter }] : []), [scatter, detail?.name]);
  const bestSeries = useMemo(
    () => (history && detail ? detail.objectives.map((o, k) => ({ label: `${o.metric} (${o.direction})`, color: PALETTE[k % PALETTE.length] as string, values: history.best[o.metric] ?? [], stepped: true })) : []),
    [history, detail],
  );
  const hvSeries = useMemo(() => (history ? [{ label: 'hypervolume', color: PALETTE[2] as string, values: history.hypervolume, stepped: true }] : []), [history]);

  if (error) return <div className="screen"><ErrorNote message={error} /><a href="#/">Back to searches</a></div>;
  if (!detail || !points) return <div className="screen"><p className="muted">Loading search {id}…</p></div>;

  const open = (number: number) => navigate({ name: 'trial', id, number });
  const metrics = Object.keys(points.metrics);
  const budget = detail.budget;
  const budgetText = [budget.evals ? `${detail.progress.evals.toLocaleString('en-US')} / ${budget.evals.toLocaleString('en-US')} evaluations` : `${detail.progress.evals.toLocaleString('en-US')} evaluations`, budget.seconds ? `${fmt(detail.progress.costSeconds)} / ${fmt(budget.seconds)} simulated s` : null, budget.wallMs ? `${fmt(detail.progress.wallMs / 1000)} / ${fmt(budget.wallMs / 1000)} wall s` : null].filter(Boolean).join(' · ');
  const canStop = detail.active;
  // A search another process runs (its lease is live) can be watched here, not resumed.
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
        {canStop ? (
          <button type="button" onClick={() => void stopStudy(id)}>
            Stop
          </button>
        ) : null}
        {canResume ? (
          <button type="button" className="primary" onClick={() => void resumeStudy(id)}>
            {detail.status === 'created' ? 'Start' : 'Resume'}
          </button>
        ) : null}
      </div>
      {detail.error ? <ErrorNote message={`This search failed: ${detail.error}`} /> : null}
      <div className="progress-line">
        <ProgressBar fraction={detail.fraction} label="Budget used" />
        <div className="progress-text" data-testid="progress-text">
          <b>{Math.round(detail.fraction * 100)}%</b> · {budgetText}
          {detail.active ? (
            <>
              {' '}· ETA {formatEta(detail.etaMs)} · {detail.throughput ? `${fmt(detail.throughput, 3)} evals/s` : '—'}
            </>
          ) : null}
          {' '}· {counts.complete ?? 0} complete{counts.failed ? `, ${counts.failed} failed` : ''}
          {counts.invalid ? `, ${counts.invalid} invalid` : ''}
          {detail.progress.rejected ? `, ${detail.progress.rejected} rejected up front` : ''}
          {' '}· front <b data-testid="front-size">{detail.frontSize}</b> · hypervolume {fmt(detail.hypervolume)}
        </div>
      </div>
      <div className="panels">
        <Panel
          title="Pareto front"
          className="wide"
          actions={
            <>
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
            onHover={(h) => setHovered(h?.number ?? null)}
            onPick={(h) => open(h.number)}
          />
          <p className="legend muted small">Solid: non-dominated in these two metrics · faded: dominated · hover for the trial, click to open it</p>
        </Panel>
        <Panel title="Best so far">
          {history && history.evals.length > 0 ? (
            <div className="stack">
              {bestSeries.map((s) => (
                <div key={s.label}>
                  <div className="chart-caption small muted">best {s.label}</div>
                  <LineChart label={`Best ${s.label} over evaluations`} x={history.evals} series={[s]} xLabel="evaluations" height={140} theme={theme} />
                </div>
              ))}
            </div>
          ) : (
            <Empty>Waiting for the first finished trial.</Empty>
          )}
        </Panel>
        <Panel title="Hypervolume over time">
          {history && history.evals.length > 0 && history.hypervolume.some((v) => v !== null) ? (
            <LineChart label="Hypervolume over evaluations" x={history.evals} series={hvSeries} xLabel="evaluations" height={300} theme={theme} />
          ) : (
            <Empty>{detail.objectives.length > 3 ? 'Hypervolume is computed for up to 3 objectives.' : 'Waiting for the first complete trial.'}</Empty>
          )}
        </Panel>
        <Panel title={`Trials (${points.numbers.length.toLocaleString('en-US')})`} className="wide">
          <TrialsTable points={points} order={order} sort={tableSort} onSort={sortTable} onOpen={open} highlight={hovered} onHover={setHovered} />
        </Panel>
      </div>
    </div>
  );
}

function dirOf(objectives: readonly { metric: string; direction: string }[], m: string): string {
  const o = objectives.find((x) => x.metric === m);
  return o ? ` (${o.direction})` : '';
}
