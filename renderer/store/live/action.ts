import type { StateCreator } from 'zustand';
import { nas, type StudyDetail, type StudyId } from '../../api/index.js';
import type { NasEvents } from '../../api/index.js';
import type { TrialRecord } from '../../../shared/types/index.js';
import type { NasStore } from '../index.js';
import { initialLiveState, type LiveState, type TrialFilter } from './initialState.js';
import { applyLiveProgress, defaultAxes, mergeTrials } from './reducer.js';

export interface LiveActions {
  openLive(id: StudyId): Promise<void>;
  closeLive(): void;
  setAxes(axes: { x?: string; y?: string }): void;
  sortTable(key: string): void;
  setHovered(n: number | null): void;
  stopStudy(id: StudyId): Promise<void>;
  resumeStudy(id: StudyId): Promise<void>;
  onTrialEvent(e: NasEvents['onDidUpdateTrial']): void;
  onProgressEvent(e: NasEvents['onDidStudyProgress']): void;
  onLiveStatusEvent(e: NasEvents['onDidChangeStudyStatus']): void;
  addFilter(f: TrialFilter): void;
  removeFilter(index: number): void;
  clearFilters(): void;
  /** A parallel-coordinates brush on a column (null removes it). */
  setBrush(key: string, range: readonly [number, number] | null): void;
}

/** Trial events are batched (at most one store update per FLUSH_MS) so a fast search stays smooth. */
const FLUSH_MS = 250;
const REFRESH_MS = 1000;
/**
 * A search another process runs (e.g. `frontier search`) sends no events to this one: while it
 * holds the study's lease, the store is read every POLL_MS (the trials from the first one still
 * running onwards, then the derived views).
 */
export const POLL_MS = 2000;

export const createLiveSlice: StateCreator<NasStore, [], [], LiveState & LiveActions> = (set, get) => {
  let buffer: TrialRecord[] = [];
  let flushTimer: ReturnType<typeof setTimeout> | undefined;
  let refreshTimer: ReturnType<typeof setTimeout> | undefined;
  let generation = 0;
  let pollTimer: ReturnType<typeof setTimeout> | undefined;
  const stopPoll = () => {
    if (pollTimer) clearTimeout(pollTimer);
    pollTimer = undefined;
  };
  const watchedElsewhere = (d: StudyDetail | null) => !!d && d.status === 'running' && !d.active && !!d.runningElsewhere;
  // The first poll's reading: the pace of another process's run is measured from it.
  let pollStart: { t: number; evals: number; fraction: number } | undefined;
  const poll = async (id: StudyId, gen: number) => {
    const points = get().points;
    if (!points) return;
    let from = points.states.indexOf(0); // the first trial still running
    if (from < 0) from = points.numbers.length;
    const [detail, fresh, history, summary] = await Promise.all([
      nas().study.get({ id }),
      nas().study.trials({ id, offset: from, limit: 100_000 }),
      nas().study.history({ id }),
      nas().study.summary({ id }),
    ]);
    if (gen !== generation) return;
    // Its pace as seen from here (that process sends no progress events): evaluations per second
    // and the time left at that pace, from the first reading on.
    const now = Date.now();
    pollStart ??= { t: now, evals: detail.progress.evals, fraction: detail.fraction };
    const dt = now - pollStart.t;
    const df = detail.fraction - pollStart.fraction;
    const de = detail.progress.evals - pollStart.evals;
    const paced = detail.runningElsewhere && dt > 0 ? { throughput: de > 0 ? (de * 1000) / dt : null, etaMs: df > 0 ? ((1 - detail.fraction) * dt) / df : null } : {};
    set({ detail: { ...detail, ...paced }, history, summary, points: mergeTrials(get().points ?? points, fresh) });
  };
  const schedulePoll = (id: StudyId, gen: number) => {
    stopPoll();
    if (gen !== generation) pollStart = undefined;
    if (gen !== generation || !watchedElsewhere(get().detail)) return;
    pollTimer = setTimeout(() => {
      pollTimer = undefined;
      void poll(id, gen)
        .catch(() => undefined)
        .finally(() => schedulePoll(id, gen));
    }, POLL_MS);
  };

  const refresh = async (id: StudyId, gen: number) => {
    const [detail, history, summary] = await Promise.all([nas().study.get({ id }), nas().study.history({ id }), nas().study.summary({ id })]);
    if (gen === generation) set({ detail, history, summary });
  };
  const scheduleRefresh = (id: StudyId) => {
    if (refreshTimer) return;
    const gen = generation;
    refreshTimer = setTimeout(() => {
      refreshTimer = undefined;
      void refresh(id, gen).catch(() => undefined);
    }, REFRESH_MS);
  };
  const flush = () => {
    flushTimer = undefined;
    const { points } = get();
    if (!points || buffer.length === 0) return;
    const trials = buffer;
    buffer = [];
    set({ points: mergeTrials(points, trials) });
  };

  return {
    ...initialLiveState,
    async openLive(id) {
      const gen = ++generation;
      buffer = [];
      set({ ...initialLiveState, liveId: id });
      pollStart = undefined;
      try {
        const [detail, points, history, summary] = await Promise.all([
          nas().study.get({ id }),
          nas().study.points({ id }),
          nas().study.history({ id }),
          nas().study.summary({ id }),
        ]);
        if (gen !== generation) return;
        set({ detail, points, history, summary, axes: defaultAxes(detail.objectives, Object.keys(points.metrics)) });
        schedulePoll(id, gen);
      } catch (e) {
        if (gen === generation) set({ liveError: (e as Error).message });
      }
    },
    closeLive() {
      generation++;
      stopPoll();
      buffer = [];
      set({ ...initialLiveState });
    },
    setAxes(axes) {
      set({ axes: { ...get().axes, ...axes } });
    },
    sortTable(key) {
      const cur = get().tableSort;
      set({ tableSort: cur.key === key ? { key, dir: cur.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'desc' } });
    },
    setHovered(hovered) {
      if (get().hovered !== hovered) set({ hovered });
    },
    async stopStudy(id) {
      await nas().study.stop({ id });
      await get().fetchStudies();
    },
    async resumeStudy(id) {
      await nas().study.resume({ id });
      await get().fetchStudies();
    },
    addFilter(f) {
      set({ filters: [...get().filters, f] });
    },
    removeFilter(index) {
      set({ filters: get().filters.filter((_, i) => i !== index) });
    },
    clearFilters() {
      set({ filters: [], brushes: {} });
    },
    setBrush(key, range) {
      const { [key]: _old, ...rest } = get().brushes;
      set({ brushes: range ? { ...rest, [key]: range } : rest });
    },
    onTrialEvent(e) {
      if (e.id !== get().liveId) return;
      buffer.push(e.trial);
      flushTimer ??= setTimeout(flush, FLUSH_MS);
      scheduleRefresh(e.id);
    },
    onProgressEvent(e) {
      const detail = applyLiveProgress(get().detail, e);
      if (detail !== get().detail) set({ detail });
    },
    onLiveStatusEvent(e) {
      if (e.id !== get().liveId) return;
      const gen = generation;
      // Final state: flush what is buffered, then fetch the full picture.
      if (flushTimer) clearTimeout(flushTimer);
      flush();
      void refresh(e.id, gen)
        .then(() => (e.status !== 'running' ? nas().study.points({ id: e.id }) : undefined))
        .then((points) => {
          if (points && gen === generation) set({ points });
        })
        .catch(() => undefined);
    },
  };
};
