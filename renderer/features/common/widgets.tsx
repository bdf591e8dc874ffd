import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { StudyStatus } from '../../../shared/types/index.js';

/**
 * A study's status as the user sees it: `running` by this engine, `running elsewhere` by another
 * live process (e.g. the CLI; it holds the study's lease), or `interrupted` (its process died).
 */
export function StatusBadge({ status, active, elsewhere }: { status: StudyStatus; active?: boolean; elsewhere?: { pid: number; host: string } | undefined }) {
  if (status === 'running' && active === false && elsewhere) {
    return (
      <span className="badge badge-running" title={`run by process ${elsewhere.pid} on ${elsewhere.host}`}>
        running elsewhere
      </span>
    );
  }
  const label = status === 'running' && active === false ? 'interrupted' : status;
  return <span className={`badge badge-${label}`}>{label}</span>;
}

export function ProgressBar({ fraction, label }: { fraction: number; label: string }) {
  const pct = Math.round(Math.min(1, Math.max(0, fraction)) * 1000) / 10;
  return (
    <div className="progress" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={pct}>
      <div className="progress-fill" style={{ width: `${pct}%` }} />
    </div>
  );
}

export function Panel({ title, children, actions, className }: { title: string; children: ReactNode; actions?: ReactNode; className?: string }) {
  return (
    <section className={`panel ${className ?? ''}`} aria-label={title}>
      <header className="panel-head">
        <h2>{title}</h2>
        {actions ? <div className="panel-actions">{actions}</div> : null}
      </header>
      <div className="panel-body">{children}</div>
    </section>
  );
}

export function ErrorNote({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <p className="error-note" role="alert">
      {message}
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/**
 * Mounts its children once they come near the viewport (IntersectionObserver), so heavy charts
 * below the fold do not slow a screen's first paint; until then a placeholder of `height`.
 */
export function WhenVisible({ children, height }: { children: ReactNode; height: number }) {
  const ref = useRef<HTMLDivElement>(null);
  const [seen, setSeen] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el || seen) return;
    if (typeof IntersectionObserver === 'undefined') {
      setSeen(true);
      return;
    }
    const io = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && setSeen(true), { rootMargin: '200px' });
    io.observe(el);
    return () => io.disconnect();
  }, [seen]);
  return seen ? <>{children}</> : <div ref={ref} style={{ height }} className="lazy-placeholder" aria-busy="true" />;
}
