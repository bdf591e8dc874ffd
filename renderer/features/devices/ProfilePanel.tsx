import { useState } from 'react';
import type { DeviceInfo } from '../../api/index.js';
import { useNas } from '../../store/index.js';
import { devicesSelectors, profileFraction } from '../../store/devices/selectors.js';
import { ErrorNote, ProgressBar } from '../common/widgets.js';

/**
 * A phone's "Build latency table" action: a space picker, then a progress bar with Cancel while the
 * job runs, and how it ended (the finished table's report shows below, in the card).
 */
export function ProfilePanel({ device }: { device: DeviceInfo }) {
  const job = useNas((s) => devicesSelectors.profile(s, device.id));
  const error = useNas((s) => s.profileErrors[device.id]);
  const spaces = useNas((s) => s.profileSpaces);
  const canProfile = useNas((s) => devicesSelectors.canProfile(s, device.id));
  const { startProfile, cancelProfile } = useNas.getState();
  const [space, setSpace] = useState('');
  const chosen = space || spaces[0]?.id || '';
  const running = job?.state === 'running';
  return (
    <div className="profile-panel" data-testid="profile-panel">
      {running ? (
        <div className="progress-line" aria-live="polite">
          <span className="small">
            Building the latency table for <b>{job.space}</b>: {job.message}
            {job.total > 0 ? ` (${job.done}/${job.total} measurements)` : ''}
          </span>
          <ProgressBar fraction={profileFraction(job)} label={`Latency table of ${device.name}`} />
          <div>
            <button type="button" onClick={() => void cancelProfile(device.id)}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <div className="toolbar">
          <label className="small">
            Space{' '}
            <select aria-label={`Space for the latency table of ${device.name}`} value={chosen} onChange={(e) => setSpace(e.target.value)} disabled={spaces.length === 0}>
              {spaces.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.title}
                </option>
              ))}
            </select>
          </label>
          <button type="button" disabled={!canProfile || !chosen} onClick={() => void startProfile(device.id, chosen)} title={device.online ? undefined : 'The phone is offline'}>
            Build latency table
          </button>
        </div>
      )}
      {job && job.state === 'finished' ? <p className="small" role="status">{job.message}</p> : null}
      {job && job.state === 'cancelled' ? <p className="muted small" role="status">Cancelled: nothing was stored.</p> : null}
      {job && job.state === 'failed' ? <ErrorNote message={job.message} /> : null}
      <ErrorNote message={error ?? null} />
    </div>
  );
}
