/**
 * A run's hold on its study outside `Study.run` (a DARTS/ENAS search, a supernet's training): the
 * study's one-writer lease taken for this process (services/lease.ts rules: StudyBusy while another
 * live process holds it, a dead one's taken over), a heartbeat every 2 s that keeps it and records
 * the wall time, and the release.
 */
import type { StudyProgress } from '../../../shared/types/index.js';
import type { Store } from '../../core/store.js';
import { processLease } from '../lease.js';

export class StudyHold {
  private readonly timer: ReturnType<typeof setInterval>;
  private released = false;
  private readonly started = Date.now();

  private constructor(
    private readonly store: Store,
    readonly id: string,
    private readonly owner: string,
    /** The progress recorded so far; `current()` adds this run's wall time. */
    public progress: StudyProgress,
  ) {
    this.timer = setInterval(() => {
      try {
        this.store.renewLease(this.id, this.owner, Date.now());
        this.store.updateProgress(this.id, this.current());
      } catch {
        // A busy database: the next beat tries again; a lost lease: the run's next write says so.
      }
    }, processLease().heartbeatMs);
    this.timer.unref?.();
  }

  /** Takes the study's lease (StudyBusy when a live process holds it). */
  static take(store: Store, id: string, progress: StudyProgress, now = Date.now()): StudyHold {
    const { holder, policy } = processLease();
    const owner = `${holder.pid}.${now.toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
    store.acquireLease(id, { ...holder, owner }, now, policy);
    return new StudyHold(store, id, owner, progress);
  }

  current(): StudyProgress {
    return { ...this.progress, wallMs: this.progress.wallMs + (Date.now() - this.started) };
  }

  /** Stops the heartbeat and drops the lease (a study left `running` is then a dead run's: resumable). */
  release(): void {
    if (this.released) return;
    this.released = true;
    clearInterval(this.timer);
    try {
      this.store.releaseLease(this.id, this.owner);
    } catch {
      // The store is gone: the lease goes stale and the next run takes it over.
    }
  }
}
