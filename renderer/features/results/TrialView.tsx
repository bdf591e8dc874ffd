import { useEffect, useMemo } from 'react';
import type { StudyId } from '../../api/index.js';
import { useNas } from '../../store/index.js';
import { initialTrialState } from '../../store/trial/initialState.js';
import { trialSelectors } from '../../store/trial/selectors.js';
import { LineChart } from '../charts/LineChart.js';
import { fmt, fmtTime, PALETTE } from '../common/format.js';
import { Empty, ErrorNote, Panel } from '../common/widgets.js';
import { ArchGraph } from './ArchGraph.js';
import { ExportsPanel } from './ExportsPanel.js';
import { download } from '../common/download.js';
import '../common/workbench.css';

export function TrialView({ id, number }: { id: StudyId; number: number }) {
  const detail = useNas((s) => s.trialDetail);
  const error = useNas((s) => s.trialError);
  const theme = useNas((s) => s.theme);
  const curveState = useNas((s) => s.trialCurve);
  const latency = useNas((s) => s.trialLatency);
  // Derived in useMemo: these selectors build new objects, which a store subscription must not return.
  const rows = useMemo(() => trialSelectors.metricRows({ ...initialTrialState, trialDetail: detail }), [detail]);
  const curve = useMemo(() => trialSelectors.curve({ ...initialTrialState, trialCurve: curveState }), [curveState]);
  const artifactError = useNas((s) => s.artifactError);
  const { openTrial, fetchArtifact } = useNas.getState();

  useEffect(() => {
    void openTrial(id, number);
  }, [id, number, openTrial]);
  // Alt+← / Alt+→: the previous / next trial, from anywhere on the screen.
  const prev = detail?.previous;
  const next = detail?.next;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!e.altKey || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight')) return;
      const to = e.key === 'ArrowLeft' ? prev : next;
      if (to === null || to === undefined) return;
      e.preventDefault();
      window.location.hash = `#/study/${id}/trial/${to}`;
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [id, prev, next]);

  if (error) return <div className="screen"><ErrorNote message={error} /><a href={`#/study/${id}`}>Back to the search</a></div>;
  if (!detail) return <div className="screen"><p className="muted">Loading trial {number}…</p></div>;
  const t = detail.trial;
  const curveNames = Object.keys(curve);
  const interrupted = t.state === 'failed' && (t.error ?? '').startsWith('interrupted:');
  return (
    <div className="screen" data-screen="trial">
      <div className="toolbar">
        <h1>
          Trial {t.number} <span className="muted">of</span> <a href={`#/study/${id}`}>{detail.study.name}</a>
        </h1>
        <span className={`badge badge-${interrupted ? 'interrupted' : t.state}`} title={interrupted ? t.error : undefined}>
          {interrupted ? 'interrupted' : t.state}
        </span>
        {detail.onFront ? (
          <span className="badge badge-front" data-testid="on-front" title="Not dominated by any other complete trial of this search">
            on the front
          </span>
        ) : null}
        <span className="spacer" />
        <nav className="trial-nav" aria-label="Other trials">
          {detail.previous !== null && detail.previous !== undefined ? (
            <a className="button" href={`#/study/${id}/trial/${detail.previous}`} aria-keyshortcuts="Alt+ArrowLeft">
              ← Trial {detail.previous}
            </a>
          ) : null}
          {detail.next !== null && detail.next !== undefined ? (
            <a className="button" href={`#/study/${id}/trial/${detail.next}`} aria-keyshortcuts="Alt+ArrowRight">
              Trial {detail.next} →
            </a>
          ) : null}
        </nav>
        <button type="button" onClick={() => download(`study${id}-trial${t.number}.json`, JSON.stringify({ study: detail.study, trial: t, decisions: detail.decisions }, null, 2), 'application/json')}>
          Export JSON
        </button>
        {/* A TensorFlow.js export is a folder: it is listed with its path under Exports, not downloaded. */}
        {[...new Set(detail.exports)].filter((k) => k !== 'tfjs').map((k) => (
          <button
            type="button"
            key={k}
            title={`Download the ${k} file recorded for this trial`}
            onClick={() =>
              void fetchArtifact(id, number, k).then((f) => {
                if (f) download(f.fileName, Uint8Array.from(atob(f.base64), (c) => c.charCodeAt(0)), f.mime);
              })
            }
          >
            Download {k}
          </button>
        ))}
      </div>
      <p className="arch-key">
        <code>{t.key}</code>
      </p>
      {detail.parent ? (
        <p className="small" data-testid="parent">
          Likely parent: <a href={`#/study/${id}/trial/${detail.parent.number}`}>trial {detail.parent.number}</a>, one mutation away ({detail.parent.decision}: {detail.parent.from} → {detail.parent.to}).{' '}
          <span className="muted">Inferred: the latest earlier architecture that differs in one decision.</span>
        </p>
      ) : null}
      {t.error ? <ErrorNote message={t.error} /> : null}
      <ErrorNote message={artifactError} />
      <div className="panels">
        <Panel title="Architecture" className="wide">
          {detail.graph.nodes.length > 0 ? <ArchGraph graph={detail.graph} theme={theme} /> : <Empty>No graph for this architecture.</Empty>}
        </Panel>
        <Panel title="Metrics">
          <table className="grid compact" aria-label="Metrics">
            <thead>
              <tr>
                <th>Metric</th>
                <th>Value</th>
                <th>Fidelity</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={r.name}>
                  <td>
                    {r.name} {r.direction ? <span className="muted">({r.direction})</span> : null}
                  </td>
                  <td className="num">{fmt(r.value, 6)}</td>
                  <td>{r.fidelity}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <p className="muted small">
            Cost {fmt(t.cost)} simulated s · started {fmtTime(t.startedAt)} · finished {fmtTime(t.finishedAt)}
          </p>
        </Panel>
        {t.state === 'running' && detail.known && Object.keys(detail.known).length > 0 ? (
          <Panel title="Known before training">
            <table className="grid compact" aria-label="Known before training" data-testid="known-metrics">
              <tbody>
                {Object.entries(detail.known).map(([name, value]) => (
                  <tr key={name}>
                    <td>{name}</td>
                    <td className="num">{fmt(value, 6)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p className="muted small">Known without training it (tables, analytic counts, zero-cost proxies); recorded with the trial when it finishes.</p>
          </Panel>
        ) : null}
        <Panel title="Decisions">
          <table className="grid compact" aria-label="Decisions">
            <tbody>
              {detail.decisions.map((d) => (
                <tr key={d.name} className={d.active ? '' : 'inactive'}>
                  <td>{d.name}</td>
                  <td>
                    <code>{d.value}</code>
                    {d.active ? '' : <span className="muted"> (inactive)</span>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
        <Panel title="Latency per op">
          {latency.length > 0 ? (
            latency.map((l) => {
              const sum = l.perOp.reduce((a, o) => a + o.ms, 0) || 1;
              return (
                <div key={l.deviceId} className="latency-device" data-testid="trial-latency">
                  <p className="small">
                    <code>{l.deviceId}</code>: predicted <b>{fmt(l.totalMs, 3)} ms</b>
                    {l.missing ? <span className="muted"> ({l.missing} kernels not in the table, left out)</span> : null}
                  </p>
                  <table className="grid compact" aria-label={`Latency per op on ${l.deviceId}`}>
                    <thead>
                      <tr>
                        <th>Op</th>
                        <th className="num">Kernels</th>
                        <th className="num">ms</th>
                        <th>Share of measured time</th>
                      </tr>
                    </thead>
                    <tbody>
                      {l.perOp.map((o) => (
                        <tr key={o.op}>
                          <td>{o.op}</td>
                          <td className="num">{o.kernels}</td>
                          <td className="num">{fmt(o.ms, 3)}</td>
                          <td>
                            <span className="share-bar" style={{ width: `${Math.round((o.ms / sum) * 100)}%` }} />
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              );
            })
          ) : (
            <Empty>No device has a latency lookup table for this space yet (build one from the Devices of a phone).</Empty>
          )}
        </Panel>
        <ExportsPanel id={id} number={number} />
        <Panel title="Learning curve">
          {curveNames.length > 0 ? (
            curveNames.map((m, k) => (
              <div key={m}>
                <div className="chart-caption small muted">{m}</div>
                <LineChart label={`Learning curve of ${m}`} x={curve[m]!.steps} series={[{ label: m, color: PALETTE[k % PALETTE.length] as string, values: curve[m]!.values }]} xLabel="epoch" yLabel={m} integerX height={180} theme={theme} />
              </div>
            ))
          ) : (
            <Empty>No intermediate values were recorded: {Object.values(t.fidelity)[0] === 'table' ? 'a table evaluation answers at once.' : 'the evaluator reported none.'}</Empty>
          )}
        </Panel>
      </div>
    </div>
  );
}
