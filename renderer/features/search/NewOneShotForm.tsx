import { useEffect } from 'react';
import type { StrategyOptionInfo } from '../../../shared/strategy-info.js';
import { useNas } from '../../store/index.js';
import { oneShotFormSelectors } from '../../store/oneShotForm/selectors.js';
import { FormActions, LabelledField, OptionInput, type FieldProps } from '../common/field.js';
import { ErrorNote } from '../common/widgets.js';

/** How the form names each setting (the CLI's option names are the keys). */
const LABELS: Record<string, string> = {
  epochs: 'Epochs', seed: 'Seed', order: 'Order', guard: 'Collapse guard', 'arch-lr': 'Alpha learning rate', 'controller-steps': 'Controller steps',
  train: 'Training images', val: 'Validation images', downsample: 'Downsample', channels: 'Channels', cells: 'Cells per stage',
  'batch-size': 'Batch size', lr: 'Learning rate', threads: 'Threads',
  steps: 'Steps', sandwich: 'Sampling (uniform or sandwich N)', shrink: 'Shrinking', 'max-train': 'Training images (at most)', optimizer: 'Optimizer',
  'stem-stride': 'Stem stride', 'controller-lr': 'Controller learning rate', 'score-every': 'Score the panel every (steps)', 'score-sampled': 'Panel: sampled sub-networks', backend: 'Engine',
};
/** Shown at once; the others under "More settings". */
const MAIN = new Set(['epochs', 'seed', 'order', 'guard', 'arch-lr', 'controller-steps', 'train', 'val', 'steps', 'sandwich', 'shrink', 'max-train', 'score-every']);
const START: Record<string, string> = { darts: 'Start DARTS', enas: 'Start ENAS', 'enas-mobilenet': 'Start ENAS', supernet: 'Start training' };

/** A field of the form, with the issue main found with it (if any). */
function Field(props: FieldProps) {
  const issue = useNas((s) => s.oneShotIssue);
  return <LabelledField {...props} issue={issue && issue.field === props.field ? issue : null} />;
}

function Setting({ o }: { o: StrategyOptionInfo }) {
  const value = useNas((s) => s.oneShotDraft.settings[o.name] ?? '');
  const settings = useNas((s) => s.oneShotDraft.settings);
  const { editOneShot } = useNas.getState();
  const set = (v: string) => editOneShot({ settings: { ...settings, [o.name]: v } });
  const hint = [o.meaning, `default ${o.default}`, o.range ? `range ${o.range}` : ''].filter(Boolean).join(' · ');
  return (
    <Field label={LABELS[o.name] ?? o.name} field={o.name} hint={hint}>
      {(id, invalid) => <OptionInput o={o} id={id} invalid={invalid} value={value} placeholder={o.default} onChange={set} />}
    </Field>
  );
}

/**
 * New search's one-shot run: DARTS or ENAS on the NAS-Bench-201 cell, with the settings of
 * `frontier darts|enas` (main checks them and says which is wrong). Started in main, it opens the
 * study's screen, where its architecture weights arrive epoch by epoch.
 */
export function NewOneShotForm() {
  const draft = useNas((s) => s.oneShotDraft);
  const info = useNas(oneShotFormSelectors.chosen);
  const issue = useNas((s) => s.oneShotIssue);
  const submitting = useNas((s) => s.oneShotSubmitting);
  const { loadOneShotRuns, editOneShot, submitOneShot, navigate } = useNas.getState();

  useEffect(() => {
    void loadOneShotRuns();
  }, [loadOneShotRuns]);

  if (!info) return issue ? <ErrorNote message={issue.message} /> : <p className="muted">Loading…</p>;
  const submit = async () => {
    const id = await submitOneShot();
    if (id) navigate({ name: 'study', id });
  };
  return (
    <form
      className="form"
      noValidate
      data-testid="one-shot-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <fieldset>
        <legend>{info.title}</legend>
        <p className="hint">{info.summary} The same run as <code>frontier {info.kind === 'supernet' ? 'supernet train' : info.kind}</code>: stop it from its page (its checkpoint is kept) and resume it there.</p>
        <Field label="Name" field="name" hint={`default: ${info.kind === 'supernet' ? 'supernet training' : `${info.kind}${info.kind === 'darts' ? ' (order …)' : ''}`} on the data`}>
          {(id, invalid) => <input id={id} aria-invalid={invalid} value={draft.name} onChange={(e) => editOneShot({ name: e.target.value })} />}
        </Field>
        <Field label="Data" field="data" hint="builtin:fashion-mnist, or a path on this machine: a .csv file or a folder of IDX files, CIFAR batches or one sub-folder of images per class">
          {(id, invalid) => (
            <>
              <input id={id} list={`${id}-builtin`} aria-invalid={invalid} value={draft.data} placeholder={info.data} onChange={(e) => editOneShot({ data: e.target.value })} />
              <datalist id={`${id}-builtin`}>
                <option value="builtin:fashion-mnist">Fashion-MNIST subset (built in)</option>
              </datalist>
            </>
          )}
        </Field>
        <div className="row" data-testid="one-shot-settings">
          {info.settings.filter((o) => MAIN.has(o.name)).map((o) => (
            <Setting key={o.name} o={o} />
          ))}
        </div>
        <details open={info.settings.some((o) => !MAIN.has(o.name) && (draft.settings[o.name] ?? '') !== '') || (issue !== null && !MAIN.has(issue.field) && issue.field !== '' && issue.field !== 'data')}>
          <summary>More settings ({info.kind === 'supernet' ? 'batch, learning rate, optimizer, engine, threads' : 'network, batch, learning rate, threads'})</summary>
          <div className="row">
            {info.settings.filter((o) => !MAIN.has(o.name)).map((o) => (
              <Setting key={o.name} o={o} />
            ))}
          </div>
        </details>
      </fieldset>
      {issue && issue.field === '' ? <ErrorNote message={issue.message} /> : null}
      {issue && issue.field !== '' ? (
        <div className="form-issues" role="alert" aria-live="polite">
          <b>One thing to fix before starting:</b>
          <ul>
            <li>{issue.message}</li>
          </ul>
        </div>
      ) : null}
      <FormActions label={START[info.kind]} submitting={submitting} disabled={submitting} />
    </form>
  );
}
