import { useEffect, useMemo } from 'react';
import type { StudyId } from '../../api/index.js';
import { useNas } from '../../store/index.js';
import { insightsSelectors } from '../../store/insights/selectors.js';
import { fmt } from '../common/format.js';
import { Empty, ErrorNote } from '../common/widgets.js';
import { PredictorQuality } from './PredictorQuality.js';
import '../common/workbench.css';

export function InsightsView({ id }: { id: StudyId }) {
  const insights = useNas((s) => s.insights);
  const error = useNas((s) => s.insightsError);
  const top = useNas((s) => s.insightsTop);
  const direction = useNas((s) => s.insightsDirection);
  const ranked = useMemo(() => insightsSelectors.ranked({ insights, insightsError: null, insightsTop: top, insightsMetric: null, insightsDirection: direction }), [insights, top, direction]);
  const { openInsights } = useNas.getState();


  useEffect(() => {
    void openInsights(id);
  }, [id, openInsights]);

  return (
    <div className="screen" data-screen="insights">
      <div className="toolbar">
        <h1>
          Insights <span className="muted">of</span> <a href={`#/study/${id}`}>search #{id}</a>
        </h1>
        <span className="spacer" />
        <label>
          Metric{' '}
          <select aria-label="Insights metric" value={insights?.metric ?? ''} onChange={(e) => void openInsights(id, { top, metric: e.target.value })}>
            {(insights?.metrics ?? (insights ? [insights.metric] : [])).map((m) => (
              <option key={m} value={m}>
                {m === 'pareto_rank' ? 'Pareto rank (0 = on the front)' : m}
              </option>
            ))}
          </select>
        </label>
        {insights && insights.fixedDirection === false ? (
          <label title="Which end of this metric is good (objectives carry their own direction)">
            better{' '}
            <select aria-label="Insights direction" value={insights.direction} onChange={(e) => void openInsights(id, { top, metric: insights.metric, direction: e.target.value as 'min' | 'max' })}>
              <option value="max">higher</option>
              <option value="min">lower</option>
            </select>
          </label>
        ) : null}
        <label>
          Top{' '}
          <select aria-label="Top fraction" value={top} onChange={(e) => void openInsights(id, { top: Number(e.target.value), ...(insights ? { metric: insights.metric } : {}) })}>
            {[0.05, 0.1, 0.25].map((f) => (
              <option key={f} value={f}>
                {f * 100}%
              </option>
            ))}
          </select>
        </label>
      </div>
      <ErrorNote message={error} />
      <PredictorQuality quality={insights?.predictor} />
      {insights && insights.total === 0 ? <Empty>No complete trial yet.</Empty> : null}
      {insights?.warning ? (
        <p className="warn-note" role="alert" data-testid="insights-warning">
          ⚠ {insights.warning}
        </p>
      ) : null}
      {insights && insights.total > 0 ? (
        <>
          <p className="muted">
            The top {insights.top} of {insights.total} complete trials by <b>{insights.metric}</b> ({insights.direction}), against all of them. Importance: share of the variance of {insights.metric} explained by each decision (η²), with its 95% bootstrap interval; the thin mark is what a decision that does not matter would get by chance; ranked by importance above it. A decision only some trials use (a block past the depth, a setting of the other block type) is scored over those trials.
          </p>
          <div className="insights">
            {ranked.map((d) => (
              <section className="decision" key={d.name} aria-label={d.name}>
                <header>
                  <b>{d.name}</b>
                  <span className="importance" title="η² with its 95% bootstrap interval; the thin mark: chance level">
                    {d.importanceCi ? (
                      <span className="ci" aria-hidden="true">
                        <span className="range" style={{ left: `${d.importanceCi[0] * 100}%`, width: `${Math.max(1, (d.importanceCi[1] - d.importanceCi[0]) * 100)}%` }} />
                        <span className="point" style={{ left: `${d.importance * 100}%` }} />
                        {d.chance !== undefined ? <span className="chance" style={{ left: `${d.chance * 100}%` }} /> : null}
                      </span>
                    ) : (
                      <span className="bar" style={{ width: `${Math.round(d.importance * 100)}%` }} />
                    )}
                    <span className="small" data-testid="importance">
                      importance {fmt(d.importance, 2)}
                      {d.importanceCi ? ` [${fmt(d.importanceCi[0], 2)}, ${fmt(d.importanceCi[1], 2)}]` : ''}
                      {d.aboveChance === false ? <span className="muted"> · not clear of chance</span> : null}
                    </span>
                  </span>
                  {d.active !== undefined && d.active < insights.total ? (
                    <span className="small muted" data-testid="decision-active" title="A conditional decision (a block past the depth, a setting of the other block type): its importance is over the trials that use it">
                      {d.active === 0 ? 'used by no trial' : `used in ${d.active} of ${insights.total} trials`}
                    </span>
                  ) : null}
                </header>
                <div className="choices">
                  {d.choices.map((c, i) => (
                    <div className={`choice ${c === d.favourite && d.lift > 0.05 ? 'fav' : ''}`} key={c}>
                      <span className="choice-name">{c}</span>
                      <span className="pair">
                        <span className="bar top" style={{ width: `${Math.round((d.topShare[i] ?? 0) * 100)}%` }} />
                        <span className="bar all" style={{ width: `${Math.round((d.allShare[i] ?? 0) * 100)}%` }} />
                      </span>
                      <span className="small num">
                        {Math.round((d.topShare[i] ?? 0) * 100)}% vs {Math.round((d.allShare[i] ?? 0) * 100)}%
                      </span>
                    </div>
                  ))}
                </div>
              </section>
            ))}
          </div>
          <p className="muted small">
            <span className="swatch top" /> top trials <span className="swatch all" /> all trials
          </p>
        </>
      ) : null}
    </div>
  );
}
