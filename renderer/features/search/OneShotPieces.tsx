import { useEffect } from 'react';
import type { StudyId } from '../../api/index.js';
import { useNas } from '../../store/index.js';

/**
 * Opens a one-shot study's records for its page (closed when the page goes) and, while it runs
 * (e.g. resumed from this page), reads its epochs again as they arrive.
 */
export function useOneShotRecords(id: StudyId) {
  const derived = useNas((s) => s.oneShotTrials[0] ?? null);
  const error = useNas((s) => s.oneShotError);
  const detail = useNas((s) => s.detail);
  const { openOneShot, closeOneShot, followOneShot } = useNas.getState();
  const running = detail?.status === 'running';
  useEffect(() => {
    void openOneShot(id);
    return () => closeOneShot();
  }, [id, openOneShot, closeOneShot]);
  // Resumed from this page: its epochs are read again as they arrive.
  useEffect(() => {
    if (running) followOneShot(id);
  }, [id, running, followOneShot]);
  return { derived, error };
}

/** A stopped or interrupted run (no live process holds it) says that its page's Resume continues it (or, stopped before its first checkpoint, starts it over). */
export function ResumeNote({ id, what, epoch }: { id: StudyId; what: string; epoch: number }) {
  const detail = useNas((s) => s.detail);
  return detail && !detail.active && !detail.runningElsewhere && (detail.status === 'stopped' || detail.status === 'running') ? (
    <p className="note wide" data-testid="one-shot-resume">
      {epoch > 0
        ? <>This {what} run {detail.status === 'stopped' ? 'was stopped' : 'was interrupted'} after epoch {epoch}: Resume continues it from its checkpoint</>
        : <>This {what} run {detail.status === 'stopped' ? 'was stopped' : 'was interrupted'} before its first checkpoint: Resume starts it over from the beginning</>} (or <code>frontier resume {id}</code> in a terminal).
    </p>
  ) : null;
}

/** The epoch slider of a panel: `at` indexes `epochs`; picking the last follows the latest epoch (null). */
export function EpochSlider({ epochs, at, testId, onPick }: { epochs: readonly number[]; at: number; testId: string; onPick: (i: number | null) => void }) {
  const last = epochs.length - 1;
  return epochs.length > 1 ? (
    <label>
      epoch{' '}
      <input type="range" aria-label="Epoch" min={0} max={last} value={at} onChange={(e) => onPick(Number(e.target.value) === last ? null : Number(e.target.value))} />{' '}
      <b data-testid={testId}>{epochs[at]}</b> / {epochs[last]}
    </label>
  ) : null;
}
