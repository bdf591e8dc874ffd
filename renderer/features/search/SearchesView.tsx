import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { StudySortKey } from '../../store/studies/initialState.js';
import { studiesSelectors } from '../../store/studies/selectors.js';
import { useNas } from '../../store/index.js';
import { fmt, fmtDuration, fmtTime } from '../common/format.js';
import { Empty, ErrorNote, ProgressBar, StatusBadge } from '../common/widgets.js';
import { DeleteStudyDialog, EditStudyDialog } from '../results/StudyDialogs.js';
import '../common/workbench.css';

const COLUMNS: { key: StudySortKey | null; label: string }[] = [
  { key: null, label: 'Compare' },
  { key: 'id', label: '#' },
  { key: 'name', label: 'Name' },
  { key: 'status', label: 'Status' },
  { key: null, label: 'Space · strategy' },
  { key: 'evals', label: 'Evaluations' },
  { key: 'duration', label: 'Duration' },
  { key: null, label: 'Best' },
  { key: 'frontSize', label: 'Front' },
  { key: 'hypervolume', label: 'Hypervolume' },
  { key: 'createdAt', label: 'Started' },
  { key: null, label: 'Finished' },
  { key: null, label: 'Actions' },
];

export function SearchesView() {
  const { query, statusFilter, sort, selected, loaded, error } = useNas(
    useShallow((s) => ({ query: s.query, statusFilter: s.statusFilter, sort: s.sort, selected: s.selected, loaded: s.studiesLoaded, error: s.studiesError })),
  );
  const visible = useNas(studiesSelectors.visible);
  const total = useNas((s) => s.studies.length);
  const canCompare = useNas(studiesSelectors.canCompare);
  const { fetchStudies, setQuery, setStatusFilter, sortBy, toggleSelected, navigate, updateStudy, deleteStudy } = useNas.getState();
  const [editing, setEditing] = useState<{ id: string; mode: 'edit' | 'delete' } | null>(null);
  const editStudy = editing ? visible.find((s) => s.id === editing.id) : undefined;

  useEffect(() => {
    void fetchStudies();
    // Searches run by another process on the same database (e.g. `frontier search`) send no
    // events here: re-read the list every few seconds while it is on screen.
    const timer = setInterval(() => void fetchStudies(), 5000);
    return () => clearInterval(timer);
  }, [fetchStudies]);

  return (
    <div className="screen" data-screen="searches">
      <div className="toolbar">
        <h1>Searches</h1>
        <input type="search" placeholder="Filter by name, space, strategy, #tag, notes…" aria-label="Filter searches" value={query} onChange={(e) => setQuery(e.target.value)} />
        <select aria-label="Status" value={statusFilter} onChange={(e) => setStatusFilter(e.target.value as typeof statusFilter)}>
          <option value="all">All statuses</option>
          {['running', 'created', 'stopped', 'complete', 'failed'].map((s) => (
            <option key={s} value={s}>
              {s}
            </option>
          ))}
        </select>
        <span className="spacer" />
        <button type="button" disabled={!canCompare} onClick={() => navigate({ name: 'compare', ids: selected })} title="Tick two or more searches to compare them">
          Compare {selected.length > 0 ? `(${selected.length})` : ''}
        </button>
        <a className="button primary" href="#/new">
          New search
        </a>
      </div>
      <ErrorNote message={error} />
      {loaded && total === 0 ? (
        <Empty>
          No search yet. <a href="#/new">Start one</a>, or run <code>frontier search</code> in a terminal: it shows up here.
        </Empty>
      ) : null}
      {total > 0 ? (
        <div className="table-wrap">
          <table className="grid" aria-label="Searches">
            <thead>
              <tr>
                {COLUMNS.map((c) => (
                  <th key={c.label} aria-sort={c.key && sort.key === c.key ? (sort.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
                    {c.key ? (
                      <button type="button" className="sort" onClick={() => sortBy(c.key as StudySortKey)}>
                        {c.label}
                        {sort.key === c.key ? (sort.dir === 'asc' ? ' ▲' : ' ▼') : ''}
                      </button>
                    ) : (
                      c.label
                    )}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {visible.map((s) => (
                <tr key={s.id} className={selected.includes(s.id) ? 'selected' : ''}>
                  <td>
                    <input type="checkbox" aria-label={`Compare ${s.name}`} checked={selected.includes(s.id)} onChange={() => toggleSelected(s.id)} />
                  </td>
                  <td className="num">{s.id}</td>
                  <td>
                    <a href={`#/study/${s.id}`}>{s.name}</a>
                    {s.tags && s.tags.length > 0 ? (
                      <div aria-label={`Tags of ${s.name}`}>
                        {s.tags.map((t) => (
                          <span className="tag" key={t}>
                            {t}
                          </span>
                        ))}
                      </div>
                    ) : null}
                    {s.notes ? (
                      <p className="study-notes muted small" title={s.notes}>
                        {s.notes}
                      </p>
                    ) : null}
                  </td>
                  <td>
                    <StatusBadge status={s.status} active={s.active} elsewhere={s.runningElsewhere} />
                    {s.error ? <span className="muted small" title={s.error}> ⚠</span> : null}
                  </td>
                  <td>
                    {s.space} · {s.strategy}
                  </td>
                  <td className="evals">
                    <span className="num">{s.progress.evals.toLocaleString('en-US')}</span>
                    <ProgressBar fraction={s.fraction} label={`Budget used by ${s.name}`} />
                  </td>
                  <td className="num small" title="Wall time spent running (all runs)">
                    {fmtDuration(s.progress.wallMs)}
                  </td>
                  <td className="small" data-testid="best">
                    {s.extremes && s.extremes.length > 0 ? (
                      <>
                        <div>
                          front of <b>{s.frontSize}</b>, from:
                        </div>
                        {s.extremes.map((x) => (
                          <div key={x.metric} title={`Trial ${x.trial}: the front's best ${x.metric}`}>
                            best {x.metric}: <b>{fmt(x.values[x.metric])}</b>{' '}
                            <span className="muted">
                              with{' '}
                              {s.objectives
                                .filter((o) => o.metric !== x.metric)
                                .map((o) => `${o.metric} ${fmt(x.values[o.metric])}`)
                                .join(', ')}
                            </span>
                          </div>
                        ))}
                      </>
                    ) : (
                      s.objectives.map((o) => (
                        <div key={o.metric}>
                          {o.metric} <span className="muted">({o.direction})</span> <b>{fmt(s.best[o.metric])}</b>
                        </div>
                      ))
                    )}
                  </td>
                  <td className="num">{s.frontSize}</td>
                  <td className="num">{fmt(s.hypervolume)}</td>
                  <td className="small">{fmtTime(s.startedAt ?? s.createdAt)}</td>
                  <td className="small">{fmtTime(s.finishedAt)}</td>
                  <td>
                    <div className="row-actions">
                      <button type="button" aria-label={`Edit ${s.name}`} title="Rename, notes, tags" onClick={() => setEditing({ id: s.id, mode: 'edit' })}>
                        Edit
                      </button>
                      <button
                        type="button"
                        aria-label={`Delete ${s.name}`}
                        disabled={s.active || !!s.runningElsewhere}
                        title={s.active || s.runningElsewhere ? 'Stop it before deleting it' : 'Delete this search and its trials'}
                        onClick={() => setEditing({ id: s.id, mode: 'delete' })}
                      >
                        Delete
                      </button>
                    </div>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {visible.length === 0 ? <Empty>No search matches this filter.</Empty> : null}
        </div>
      ) : null}
      {editStudy && editing?.mode === 'edit' ? <EditStudyDialog study={editStudy} onSave={(info) => updateStudy(editStudy.id, info)} onClose={() => setEditing(null)} /> : null}
      {editStudy && editing?.mode === 'delete' ? <DeleteStudyDialog study={editStudy} onDelete={() => deleteStudy(editStudy.id)} onClose={() => setEditing(null)} /> : null}
    </div>
  );
}
