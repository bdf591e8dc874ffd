import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { StudyListItem } from '../../api/index.js';
import { ErrorNote } from '../common/widgets.js';

/** A modal <dialog> (focus trapped, Escape closes) shown while mounted. */
function Modal({ label, onClose, children }: { label: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d && !d.open) d.showModal();
  }, []);
  return (
    <dialog ref={ref} aria-label={label} className="modal" onClose={onClose} onCancel={onClose}>
      {children}
    </dialog>
  );
}

/** Rename a search, write its notes, set its tags (comma-separated). */
export function EditStudyDialog({ study, onSave, onClose }: { study: StudyListItem; onSave: (info: { name: string; notes: string; tags: string[] }) => Promise<string | null>; onClose: () => void }) {
  const [name, setName] = useState(study.name);
  const [notes, setNotes] = useState(study.notes ?? '');
  const [tags, setTags] = useState((study.tags ?? []).join(', '));
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const nameProblem = name.trim() === '' ? 'A search needs a name.' : name.length > 200 ? 'At most 200 characters.' : null;
  const tagList = tags.split(',').map((t) => t.trim()).filter((t) => t !== '');
  const tagProblem = tagList.length > 20 ? 'At most 20 tags.' : tagList.some((t) => t.length > 40) ? 'A tag has at most 40 characters.' : null;
  return (
    <Modal label={`Edit search #${study.id}`} onClose={onClose}>
      <form
        method="dialog"
        className="form"
        onSubmit={(e) => {
          e.preventDefault();
          if (nameProblem || tagProblem) return;
          setBusy(true);
          void onSave({ name: name.trim(), notes, tags: tagList }).then((err) => {
            setBusy(false);
            if (err) setError(err);
            else onClose();
          });
        }}
      >
        <h2>Edit search #{study.id}</h2>
        <div className="field">
          <label htmlFor="edit-name">Name</label>
          <input id="edit-name" value={name} onChange={(e) => setName(e.target.value)} aria-invalid={nameProblem ? true : undefined} autoFocus />
          {nameProblem ? <p className="field-error">{nameProblem}</p> : null}
        </div>
        <div className="field">
          <label htmlFor="edit-tags">Tags (comma-separated)</label>
          <input id="edit-tags" value={tags} onChange={(e) => setTags(e.target.value)} placeholder="baseline, seed sweep" aria-invalid={tagProblem ? true : undefined} />
          {tagProblem ? <p className="field-error">{tagProblem}</p> : null}
        </div>
        <div className="field">
          <label htmlFor="edit-notes">Notes</label>
          <textarea id="edit-notes" rows={4} value={notes} onChange={(e) => setNotes(e.target.value)} maxLength={10_000} />
        </div>
        <ErrorNote message={error} />
        <div className="form-actions">
          <button type="submit" className="primary" disabled={busy || !!nameProblem || !!tagProblem}>
            Save
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}

/** Asks before deleting a search: what goes (its trials), what stays (artifact files). */
export function DeleteStudyDialog({ study, onDelete, onClose }: { study: StudyListItem; onDelete: () => Promise<string | null>; onClose: () => void }) {
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  return (
    <Modal label={`Delete search #${study.id}?`} onClose={onClose}>
      <h2>Delete search #{study.id} “{study.name}”?</h2>
      <p>
        Its {study.progress.evals.toLocaleString('en-US')} evaluated trials, their metrics and learning curves are removed from the database. This cannot be undone. Exported model files stay on disk.
      </p>
      <ErrorNote message={error} />
      <div className="form-actions">
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={() => {
            setBusy(true);
            void onDelete().then((err) => {
              setBusy(false);
              if (err) setError(err);
              else onClose();
            });
          }}
        >
          Delete search
        </button>
        <button type="button" onClick={onClose} autoFocus>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
