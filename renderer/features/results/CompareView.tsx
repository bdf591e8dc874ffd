import { useEffect, useMemo } from 'react';
import { useNas } from '../../store/index.js';
import { initialCompareState } from '../../store/compare/initialState.js';
import { compareSelectors } from '../../store/compare/selectors.js';
import { LineChart } from '../charts/LineChart.js';
import { ScatterCanvas, type ScatterSeries } from '../charts/ScatterCanvas.js';
import { fmt, PALETTE } from '../common/format.js';
import { Empty, ErrorNote, Panel } from '../common/widgets.js';

export function CompareView({ ids }: { ids: readonly string[] }) {
  const entries = useNas((s) => s.compare);
  const loading = useNas((s) => s.compareLoading);
  const error = useNas((s) => s.compareError);
  const theme = useNas((s) => s.theme);
  const reference = useNas((s) => s.compareReference);
  const shared = useMemo(() => compareSelectors.shared({ ...initialCompareState, compare: entries }), [entries]);
  const table = useMemo(() => compareSelectors.table({ ...initialCompareState, compare: entries }), [entries]);
  const { openCompare, navigate } = useNas.getState();
  const key = ids.join(',');

  useEffect(() => {
    void openCompare(key ? key.split(',') : []);
  }, [key, openCompare]);

  const [oy, ox] = shared;
  const fronts: ScatterSeries[] = useMemo(() => {
    if (!ox || !oy) return [];
    return entries.map((e, k) => {
      const f = e.summary.front.filter((t) => Number.isFinite(t.metrics[ox.metric]) && Number.isFinite(t.metrics[oy.metric])).sort((a, b) => (a.metrics[ox.metric] as number) - (b.metrics[ox.metric] as number));
      return {
        label: `#${e.detail.id} ${e.detail.name}`,
        color: PALETTE[k % PALETTE.length] as string,
        xs: Float64Array.from(f.map((t) => t.metrics[ox.metric] as number)),
        ys: Float64Array.from(f.map((t) => t.metrics[oy.metric] as number)),
        numbers: Int32Array.from(f.map((t) => t.number)),
        front: new Uint8Array(f.length).fill(1),
        frontOrder: Int32Array.from(f.map((_, i) => i)),
      };
    });
  }, [entries, ox, oy]);

  const hv = useMemo(() => {
    const xs = [...new Set(entries.flatMap((e) => e.history.evals))].sort((a, b) => a - b);
    const series = entries.map((e, k) => {
      const at = new Map(e.history.evals.map((x, i) => [x, e.history.hypervolume[i] ?? null]));
      return { label: `#${e.detail.id} ${e.detail.name}`, color: PALETTE[k % PALETTE.length] as string, values: xs.map((x) => at.get(x) ?? null), stepped: true };
    });
    return { xs, series };
  }, [entries]);

  if (ids.length < 2) return <div className="screen"><Empty>Tick two or more searches on the <a href="#/">Searches</a> screen to compare them.</Empty></div>;
  if (error) return <div className="screen"><ErrorNote message={error} /></div>;
  if (loading || entries.length === 0) return <div className="screen"><p className="muted">Loading {ids.length} searches…</p></div>;

  return (
    <div className="screen" data-screen="compare">
      <div className="toolbar">
        <h1>Compare {entries.length} searches</h1>
      </div>
      <div className="legend-row">
        {entries.map((e, k) => (
          <a key={e.detail.id} href={`#/study/${e.detail.id}`} className="legend-item">
            <span className="swatch" style={{ background: PALETTE[k % PALETTE.length] }} />#{e.detail.id} {e.detail.name}
          </a>
        ))}
      </div>
      <div className="panels">
        <Panel title="Pareto fronts" className="wide">
          {ox && oy ? (
            <ScatterCanvas
              label={`Pareto fronts of ${entries.length} searches`}
              series={fronts}
              xLabel={`${ox.metric} (${ox.direction})`}
              yLabel={`${oy.metric} (${oy.direction})`}
              theme={theme}
              onPick={(h) => {
                const e = entries[h.series];
                if (e) navigate({ name: 'trial', id: e.detail.id, number: h.number });
              }}
            />
          ) : (
            <Empty>These searches share fewer than two objectives, so their fronts cannot be overlaid.</Empty>
          )}
        </Panel>
        <Panel title="Hypervolume over evaluations" className="wide">
          {hv.xs.length > 0 ? <LineChart label="Hypervolume curves" x={hv.xs} series={hv.series} xLabel="evaluations" height={260} theme={theme} /> : <Empty>No finished trial yet.</Empty>}
          <p className="muted small">
            {reference
              ? `Every curve is measured against one reference point, the worst of the searches' nadirs (${reference.map((v) => fmt(Math.abs(v))).join(', ')}), so they compare.`
              : "These searches' objectives differ, so each curve is measured against its own reference point (the nadir of its trials)."}
          </p>
        </Panel>
        <Panel title="Best trials" className="wide">
          <table className="grid" aria-label="Best trials">
            <thead>
              <tr>
                <th>Search</th>
                <th>Evaluations</th>
                {table.objectives.map((o) => (
                  <th key={o.metric}>
                    best {o.metric} ({o.direction})
                  </th>
                ))}
                <th>Front</th>
                <th>Hypervolume</th>
              </tr>
            </thead>
            <tbody>
              {table.rows.map((r) => (
                <tr key={r.id}>
                  <td>
                    <a href={`#/study/${r.id}`}>
                      #{r.id} {r.name}
                    </a>
                  </td>
                  <td className="num">{r.evals.toLocaleString('en-US')}</td>
                  {table.objectives.map((o) => {
                    const b = r.best[o.metric];
                    return (
                      <td key={o.metric} className="num">
                        {b ? <a href={`#/study/${r.id}/trial/${b.trial}`}>{fmt(b.value)}</a> : '—'}
                        {b ? <span className="muted small"> trial {b.trial}</span> : null}
                      </td>
                    );
                  })}
                  <td className="num">{r.frontSize}</td>
                  <td className="num">{fmt(r.hypervolume)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      </div>
    </div>
  );
}
