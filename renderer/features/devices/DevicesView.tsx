import { useEffect } from 'react';
import { useNas } from '../../store/index.js';
import { fmtTime } from '../common/format.js';
import { Empty, ErrorNote } from '../common/widgets.js';
import { LatencyReport } from './LatencyReport.js';
import { ProfilePanel } from './ProfilePanel.js';

export function DevicesView() {
  const devices = useNas((s) => s.devices);
  const loaded = useNas((s) => s.devicesLoaded);
  const error = useNas((s) => s.devicesError);
  const latency = useNas((s) => s.latency);
  const theme = useNas((s) => s.theme);
  const { fetchDevices } = useNas.getState();
  useEffect(() => {
    void fetchDevices();
  }, [fetchDevices]);
  return (
    <div className="screen" data-screen="devices">
      <div className="toolbar">
        <h1>Devices</h1>
        <span className="spacer" />
        <button type="button" onClick={() => void fetchDevices()}>
          Refresh
        </button>
      </div>
      <ErrorNote message={error} />
      <p className="muted">Local backends of this machine and every device that has measured latencies. The list updates live when a phone is plugged or unplugged (once the phones service is running). For a phone, “Build latency table” measures every op configuration of a space on it, so searches can predict their latency there.</p>
      {loaded && devices.length === 0 ? <Empty>No device known.</Empty> : null}
      <div className="cards">
        {devices.map((d) => (
          <article className="card" key={d.id} aria-label={d.name}>
            <header>
              <span className={`dot ${d.online ? 'on' : 'off'}`} aria-label={d.online ? 'online' : 'offline'} />
              <b>{d.name}</b>
              <span className="muted small">{d.kind}</span>
            </header>
            <p className="small">
              <code>{d.id}</code> · seen {fmtTime(d.lastSeenAt)}
            </p>
            <dl>
              {Object.entries(d.info).map(([k, v]) => (
                <div key={k}>
                  <dt>{k}</dt>
                  <dd>{typeof v === 'object' ? JSON.stringify(v) : String(v)}</dd>
                </div>
              ))}
            </dl>
            {d.kind === 'android' ? <ProfilePanel device={d} /> : null}
            {latency[d.id] ? <LatencyReport report={latency[d.id]!} theme={theme} /> : <p className="muted small">No latency lookup table measured on this device yet.</p>}
          </article>
        ))}
      </div>
    </div>
  );
}
