import { useEffect, useMemo, useState } from 'react';
import { useNas } from '../../store/index.js';
import { initialCompareState } from '../../store/compare/initialState.js';
import { alignCurves, objectiveGroups, progressCurve, seedKey, type CompareX } from '../../store/compare/reducer.js';
import { compareSelectors } from '../../store/compare/selectors.js';
import type { CompareEntry } from '../../store/compare/initialState.js';
import { scatterData } from '../../store/live/selectors.js';
import { LineChart, type LineSeries } from '../charts/LineChart.js';
import { ScatterCanvas, type ScatterSeries } from '../charts/ScatterCanvas.js';
import { fmt, PALETTE } from '../common/format.js';
import { Empty, ErrorNote, Panel } from '../common/widgets.js';
import '../common/workbench.css';

const X_AXES: { id: CompareX; label: string }[] = [
  { id: 'evals', label: 'evaluations' },
  { id: 'cost', label: 'simulated time (s)' },
  { id: 'wall', label: 'wall time (s)' },
];

const name = (e: CompareEntry) => `#${e.detail.id} ${e.detail.name}`;

/** One objective group's progress chart: a line per search, or mean ± std per group of seeds. */
function ProgressChart({ entries, colorOf, x, bySeed, theme }: { entries: readonly CompareEntry[]; colorOf: (e: CompareEntry) => string; x: CompareX; bySeed: boolean; theme: string }) {
  const objectives = entries[0]?.detail.objectives ?? [];
  const hv = objectives.length >= 2;
  const xLabel = X_AXES.find((a) => a.id === x)?.label ?? 'evaluations';
  const data = useMemo(() => {
    const seeds = new Map<string, CompareEntry[]>();
    for (const e of entries) seeds.set(bySeed ? seedKey(e) : `#${e.detail.id}`, [...(seeds.get(bySeed ? seedKey(e) : `#${e.detail.id}`) ?? []), e]);
    const groups = [...seeds.values()];
    const curves = groups.map((g) => g.map((e) => progressCurve(e, x)));
    const aligned = alignCurves(curves.flat());
    let k = 0;
    const series: LineSeries[] = groups.map((g, gi) => {
      const first = g[0] as CompareEntry;
      if (g.length === 1) return { label: name(first), color: colorOf(first), values: aligned.values[k++] ?? [], stepped: true };
      const own = alignCurves(curves[gi] ?? []);
      k += g.length;
      // Back onto the shared grid (each group's own grid is a subset of it).
      const at = (arr: (number | null)[]) => aligned.xs.map((xv) => {
        const i = own.xs.indexOf(xv);
        return i >= 0 ? (arr[i] ?? null) : null;
      });
      return { label: `mean of ${g.length} seeds: ${g.map((e) => `#${e.detail.id}`).join(', ')}`, color: colorOf(first), values: at(own.mean), stepped: true, band: { lo: at(own.lo), hi: at(own.hi) } };
    });
    return { xs: aligned.xs, series };
  }, [entries, x, bySeed, colorOf]);
  const title = `${hv ? 'Hypervolume' : 'Best so far'} · ${objectives.map((o) => `${o.metric} (${o.direction})`).join(', ')}`;
  const reference = entries[0]?.reference;
  return (
    <Panel title={title} className="wide">
      {data.xs.length > 0 ? (
        <LineChart label={`${title} over ${xLabel}`} x={data.xs} series={data.series} xLabel={xLabel} yLabel={hv ? 'hypervolume' : `best ${objectives[0]?.metric ?? ''}`} integerX={x === 'evals'} height={280} theme={theme} />
      ) : (
        <Empty>No finished trial yet.</Empty>
      )}
      <p className="muted small" data-testid="reference-note">
        {!hv
          ? 'One objective: the curve is the best value found so far (a one-objective hypervolume would only be best minus worst).'
          : reference
            ? `Every curve here is measured against one reference point, the worst of these searches' nadirs (${reference.map((v) => fmt(Math.abs(v))).join(', ')}), so they compare; the table also gives each search's own value, as in the Searches list.`
            : "Each search's hypervolume against its own nadir (the Searches list's value)."}
        {data.series.some((s) => s.band) ? ' Shaded: mean ± one standard deviation across searches that differ only by their seed.' : ''}
      </p>
    </Panel>
  );
}

export function CompareView({ ids }: { ids: readonly string[] }) {
  const entries = useNas((s) => s.compare);
  const loading = useNas((s) => s.compareLoading);
  const error = useNas((s) => s.compareError);
  const theme = useNas((s) => s.theme);
  const table = useMemo(() => compareSelectors.table({ ...initialCompareState, compare: entries }), [entries]);
  const groups = useMemo(() => objectiveGroups(entries), [entries]);
  const seedGroups = useMemo(() => new Set(entries.map(seedKey)).size < entries.length, [entries]);
  const [x, setX] = useState<CompareX>('evals');
  const [bySeed, setBySeed] = useState(true);
  const { openCompare, navigate } = useNas.getState();
  const key = ids.join(',');
  useEffect(() => {
    void openCompare(key ? key.split(',') : []);
  }, [key, openCompare]);
  const colorOf = useMemo(() => {
    const index = new Map(entries.map((e, k) => [e.detail.id, k]));
    return (e: CompareEntry) => PALETTE[(index.get(e.detail.id) ?? 0) % PALETTE.length] as string;
  }, [entries]);

  const fronts = useMemo(
    () =>
      groups
        .filter((g) => g.objectives.length >= 2)
        .map((g) => {
          const [oy, ox] = g.objectives as [(typeof g.objectives)[0], (typeof g.objectives)[0]];
          const series: ScatterSeries[] = g.entries.map((e) => {
            const d = e.points ? scatterData(e.points, ox.metric, oy.metric, ox.direction, oy.direction) : null;
            return { label: name(e), color: colorOf(e), xs: d?.xs ?? new Float64Array(0), ys: d?.ys ?? new Float64Array(0), numbers: d?.numbers ?? new Int32Array(0), front: d?.front ?? null, frontOrder: d?.frontOrder ?? new Int32Array(0) };
          });
          return { key: g.key, ox, oy, entries: g.entries, series };
        }),
    [groups, colorOf],
  );

  if (ids.length < 2) return <div className="screen"><Empty>Tick two or more searches on the <a href="#/">Searches</a> screen to compare them.</Empty></div>;
  if (error) return <div className="screen"><ErrorNote message={error} /></div>;
  if (loading || entries.length === 0) return <div className="screen"><p className="muted">Loading {ids.length} searches…</p></div>;
  return (
    <div className="screen" data-screen="compare">
      <div className="toolbar">
        <h1>Compare {entries.length} searches</h1>
        <span className="spacer" />
        <label>
          x{' '}
          <select aria-label="Compare x axis" value={x} onChange={(e) => setX(e.target.value as CompareX)}>
            {X_AXES.map((a) => (
              <option key={a.id} value={a.id}>
                {a.label}
              </option>
            ))}
          </select>
        </label>
        <label title={seedGroups ? 'Searches that differ only by their seed are drawn as their mean ± std' : 'No two of these searches differ only by their seed'}>
          <input type="checkbox" checked={bySeed && seedGroups} disabled={!seedGroups} onChange={(e) => setBySeed(e.target.checked)} /> mean ± std across seeds
        </label>
      </div>
      <div className="legend-row">
        {entries.map((e) => (
          <a key={e.detail.id} href={`#/study/${e.detail.id}`} className="legend-item">
            <span className="swatch" style={{ background: colorOf(e) }} />
            {name(e)}
          </a>
        ))}
      </div>
      {groups.length > 1 ? (
        <p className="note" data-testid="objective-groups">
          These searches optimise {groups.length} different sets of objectives, so they are drawn on {groups.length} separate charts: values of different objectives never share an axis.
        </p>
      ) : null}
      <div className="panels">
        {groups.map((g) => (
          <ProgressChart key={g.key} entries={g.entries} colorOf={colorOf} x={x} bySeed={bySeed && seedGroups} theme={theme} />
        ))}
        {fronts.map((f) => (
          <Panel key={f.key} title={`Pareto fronts · ${f.oy.metric} against ${f.ox.metric}`} className="wide">
            <ScatterCanvas
              label={`Pareto fronts of ${f.entries.length} searches`}
              series={f.series}
              xLabel={`${f.ox.metric} (${f.ox.direction})`}
              yLabel={`${f.oy.metric} (${f.oy.direction})`}
              theme={theme}
              onPick={(h) => {
                const e = f.entries[h.series];
                if (e) navigate({ name: 'trial', id: e.detail.id, number: h.number });
              }}
            />
            <p className="legend muted small">Solid and joined: each search's front · faded squares: its dominated trials · click a point to open the trial</p>
          </Panel>
        ))}
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
                <th title="The front against the search's own nadir: the Searches list's value">Hypervolume</th>
                <th title="Against the reference point shared by the compared searches of the same objectives">Hypervolume, shared reference</th>
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
                  <td className="num" data-testid={`hv-${r.id}`}>{fmt(r.hypervolume)}</td>
                  <td className="num">{fmt(r.sharedHypervolume)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      </div>
    </div>
  );
}
