import { useEffect, useMemo, useState, type FormEvent } from 'react';
import { useNas } from '../../store/index.js';
import { fmtHeartbeat, fmtThroughput, workersSelectors } from '../../store/workers/selectors.js';
import { Empty, ErrorNote } from '../common/widgets.js';

/** How often the screen reads the workers again while it is open (heartbeats come every few seconds). */
const REFRESH_MS = 2000;

/**
 * The evaluation workers announced in Redis (issue #13): hardware, backends, phones, jobs running,
 * throughput and last heartbeat, read again every 2 s. The Redis comes from `frontier serve --redis`
 * or the field here; main sends its URL back with the password as `***`.
 */
export function WorkersView() {
  const workers = useNas((s) => s.workers);
  const redis = useNas((s) => s.workersRedis);
  const error = useNas((s) => s.workersError);
  const loaded = useNas((s) => s.workersLoaded);
  const connecting = useNas((s) => s.workersConnecting);
  const connectError = useNas((s) => s.workersConnectError);
  const readAt = useNas((s) => s.workersReadAt);
  const totals = useMemo(() => workersSelectors.totals({ workers }), [workers]);
  const { fetchWorkers, connectWorkers } = useNas.getState();
  const [url, setUrl] = useState('');

  useEffect(() => {
    void fetchWorkers();
    const t = setInterval(() => void fetchWorkers(), REFRESH_MS);
    return () => clearInterval(t);
  }, [fetchWorkers]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    void connectWorkers(url.trim() || null).then((ok) => ok && setUrl(''));
  };

  return (
    <div className="screen" data-screen="workers">
      <div className="toolbar">
        <h1>Workers</h1>
        <span className="spacer" />
        <button type="button" onClick={() => void fetchWorkers()}>
          Refresh
        </button>
      </div>
      <p className="muted">
        Machines running <code>frontier worker --redis URL</code> take the evaluations of searches started with <code>--redis</code>. Each announces its hardware, training backends and the phones plugged into it; the list is read again every {REFRESH_MS / 1000} s.
      </p>
      <form className="toolbar" onSubmit={submit} aria-label="Redis">
        <div className="field">
          <label htmlFor="workers-redis">Redis URL</label>
          <input id="workers-redis" type="text" autoComplete="off" spellCheck={false} placeholder="redis://:password@host:6379 or rediss://…" value={url} onChange={(e) => setUrl(e.target.value)} size={48} />
        </div>
        <button type="submit" disabled={connecting}>
          {connecting ? 'Connecting…' : url.trim() ? 'Watch' : 'Stop watching'}
        </button>
        <span className="muted small" data-testid="workers-redis">
          {redis ? (
            <>
              Watching <code>{redis}</code>
            </>
          ) : (
            'No Redis set'
          )}
        </span>
      </form>
      <ErrorNote message={connectError} />
      <ErrorNote message={error} />
      {loaded && redis && !error && workers.length === 0 ? <Empty>No worker is announced in this Redis (start one with frontier worker --redis URL).</Empty> : null}
      {loaded && !redis && !error ? <Empty>Give a Redis URL (or start the workbench with frontier serve --redis URL) to see its workers.</Empty> : null}
      {workers.length > 0 ? (
        <>
          <p className="small" data-testid="workers-totals">
            {workers.length} worker{workers.length === 1 ? '' : 's'} · {totals.running}/{totals.slots} jobs running · {totals.phones} phone{totals.phones === 1 ? '' : 's'} · {fmtThroughput(totals.throughput)}
          </p>
          <table className="grid" aria-label="Workers">
            <thead>
              <tr>
                <th>Worker</th>
                <th>Hardware</th>
                <th>Backends</th>
                <th>Phones</th>
                <th>Jobs running</th>
                <th>Done / failed / refused</th>
                <th>Throughput</th>
                <th>Last heartbeat</th>
              </tr>
            </thead>
            <tbody>
              {workers.map((w) => (
                <tr key={w.id} data-worker={w.id}>
                  <td>
                    <b>{w.id}</b>
                    <div className="muted small">
                      {w.host} · pid {w.pid} · queue {w.queue}
                    </div>
                  </td>
                  <td>
                    {w.cpu.model}
                    <div className="muted small">
                      {w.cpu.cores} cores · {w.memoryGiB.toFixed(1)} GiB · {w.platform}
                    </div>
                  </td>
                  <td>{w.backends.length > 0 ? w.backends.join(', ') : <span className="muted">tables only</span>}</td>
                  <td>{w.phones.length > 0 ? w.phones.map((p) => <code key={p}>{p} </code>) : <span className="muted">none</span>}</td>
                  <td>
                    {w.running}/{w.concurrency}
                  </td>
                  <td>
                    {w.done} / {w.failed} / {w.refused}
                  </td>
                  <td>{fmtThroughput(w.throughput)}</td>
                  <td title={new Date(w.heartbeatAt).toLocaleString()}>{fmtHeartbeat(w, readAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      ) : null}
    </div>
  );
}
