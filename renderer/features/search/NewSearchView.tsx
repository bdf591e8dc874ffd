import { useEffect, useId } from 'react';
import type { StrategyOptionInfo } from '../../../shared/strategy-info.js';
import type { ConstraintOp } from '../../../shared/types/index.js';
import { useNas } from '../../store/index.js';
import { issueFor, optionsOf } from '../../store/form/reducer.js';
import { formSelectors } from '../../store/form/selectors.js';
import { fmtCount } from '../common/format.js';
import { FormActions, LabelledField, OptionInput, type FieldProps } from '../common/field.js';
import { ErrorNote } from '../common/widgets.js';
import type { RunChoice } from '../../store/oneShotForm/initialState.js';
import { NewOneShotForm } from './NewOneShotForm.js';

const OPS: ConstraintOp[] = ['<=', '<', '>=', '>', '=='];

/** A field of the form, with its issue (if any). */
function Field(props: FieldProps) {
  const issues = useNas(formSelectors.issues);
  return <LabelledField {...props} issue={issueFor(issues, props.field)} />;
}

/** One strategy option: a number field (placeholder: its default) or a choice, with its meaning and range. */
function OptionField({ o, value, onChange }: { o: StrategyOptionInfo; value: string; onChange: (v: string) => void }) {
  const hint = [o.meaning, o.default ? `default ${o.default}` : '', o.range ? `range ${o.range}` : ''].filter(Boolean).join(' · ');
  return (
    <Field label={o.name} field={`strategyOptions.${o.name}`} hint={hint}>
      {(id, invalid) => <OptionInput o={o} id={id} invalid={invalid} value={value} placeholder={o.default || 'default'} onChange={onChange} />}
    </Field>
  );
}

/** What New search starts: a search, or a one-shot run (DARTS/ENAS on the NB201 cell) that main offers. */
function RunPicker() {
  const id = useId();
  const run = useNas((s) => s.oneShotDraft.run);
  const runs = useNas((s) => s.oneShotRuns);
  const { editOneShot, loadOneShotRuns } = useNas.getState();
  useEffect(() => {
    void loadOneShotRuns();
  }, [loadOneShotRuns]);
  return (
    <div className="form">
      <div className="field">
        <label htmlFor={id}>Run</label>
        <select id={id} value={run} onChange={(e) => editOneShot({ run: e.target.value as RunChoice })}>
          <option value="search">Search: a strategy over a space, each candidate evaluated</option>
          {(runs ?? []).map((r) => (
            <option key={r.kind} value={r.kind}>
              One-shot: {r.title}
            </option>
          ))}
        </select>
        <p className="hint">A one-shot run trains one weight-sharing network and derives a cell from it.</p>
      </div>
    </div>
  );
}

export function NewSearchView() {
  const run = useNas((s) => s.oneShotDraft.run);
  return (
    <div className="screen" data-screen="new">
      <div className="toolbar">
        <h1>New search</h1>
      </div>
      <RunPicker />
      {run === 'search' ? <SearchForm /> : <NewOneShotForm />}
    </div>
  );
}

function SearchForm() {
  const draft = useNas((s) => s.draft);
  const catalog = useNas((s) => s.strategies);
  const spaces = useNas((s) => s.spaces);
  const issues = useNas(formSelectors.issues);
  const count = useNas(formSelectors.spaceCount);
  const metrics = useNas(formSelectors.metricsOfSpace);
  const serverCheck = useNas((s) => s.serverCheck);
  const submitting = useNas((s) => s.submitting);
  const submitError = useNas((s) => s.submitError);
  const attempted = useNas((s) => s.attempted);
  const runnable = useNas(formSelectors.runnable);
  const { loadSpaces, loadStrategies, editDraft, submitDraft, navigate } = useNas.getState();

  useEffect(() => {
    void loadSpaces();
    void loadStrategies();
  }, [loadSpaces, loadStrategies]);

  const chosen = catalog?.strategies.find((s) => s.name === draft.strategy);
  const own = chosen?.options ?? [];
  const common = optionsOf(catalog, draft.strategy).filter((o) => !own.includes(o));
  const ready = spaces.find((s) => s.id === draft.space)?.defaults;
  const training = ready?.evaluator.kind === 'train';
  const readyTrain = training ? (ready?.evaluator as { epochs?: number; workers?: number }) : undefined;
  const setOption = (name: string, v: string) => editDraft({ options: { ...draft.options, [name]: v } });

  const metricOptions = (current: string) => (
    <>
      {metrics.length === 0 || metrics.some((m) => m.name === current) ? null : <option value={current}>{current}</option>}
      <optgroup label="Measured by evaluating">
        {metrics.filter((m) => !m.known).map((m) => (
          <option key={m.name} value={m.name}>
            {m.name}
          </option>
        ))}
      </optgroup>
      <optgroup label="Known up front (device latency, cost)">
        {metrics.filter((m) => m.known).map((m) => (
          <option key={m.name} value={m.name}>
            {m.name}
          </option>
        ))}
      </optgroup>
    </>
  );

  const submit = async () => {
    const id = await submitDraft();
    if (id) navigate({ name: 'study', id });
  };

  const checking = issues.length === 0 && serverCheck === null;
  return (
    <form
      className="form"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <fieldset>
        <legend>Search space</legend>
        <Field label="Name" field="name">
          {(id, invalid) => <input id={id} aria-invalid={invalid} value={draft.name} onChange={(e) => editDraft({ name: e.target.value })} />}
        </Field>
        <Field label="Dataset and space" field="space" hint={<span data-testid="space-count">{count ? `${fmtCount(count)} architectures, exactly` : '…'}</span>}>
          {(id, invalid) => (
            <select id={id} aria-invalid={invalid} value={draft.space} onChange={(e) => editDraft({ space: e.target.value })}>
              {spaces.map((s) => (
                <option key={s.id} value={s.id}>
                  {s.id === 'nb201' ? 'CIFAR-10 · ' : ''}
                  {s.title}
                </option>
              ))}
            </select>
          )}
        </Field>
        {runnable ? null : (
          <p className="field-error" role="alert">
            The workbench cannot evaluate this space yet: search it from the command line, where each candidate is trained (<code>frontier search --space {draft.space}</code>).
          </p>
        )}
      </fieldset>
      {training ? (
        <fieldset data-testid="training-settings">
          <legend>Training (each candidate)</legend>
          <div className="row">
            <Field label="Data" field="evaluator.data" hint={<>builtin:fashion-mnist, builtin:speech-keywords (kws), builtin:debian-descriptions (text), or a path on this machine: a .csv file, a .tsv/.jsonl text,label file, or a folder of IDX files, CIFAR batches, train/test text files, one sub-folder of images or .wav clips per class</>}>
              {(id, invalid) => (
                <>
                  <input id={id} list={`${id}-builtin`} aria-invalid={invalid} value={draft.data} onChange={(e) => editDraft({ data: e.target.value })} />
                  <datalist id={`${id}-builtin`}>
                    <option value="builtin:fashion-mnist">Fashion-MNIST subset (built in)</option>
                    <option value="builtin:speech-keywords">Spoken keywords, espeak-ng (built in)</option>
                    <option value="builtin:debian-descriptions">Debian package descriptions by section (built in)</option>
                  </datalist>
                </>
              )}
            </Field>
            <Field label="Epochs" field="evaluator.epochs" hint={`per candidate (default ${readyTrain?.epochs ?? 2})`}>
              {(id, invalid) => <input id={id} inputMode="numeric" aria-invalid={invalid} value={draft.epochs} onChange={(e) => editDraft({ epochs: e.target.value })} />}
            </Field>
            <Field label="Workers" field="evaluator.workers" hint={`candidates trained in parallel (default ${readyTrain?.workers ?? 1}: one per CPU core)`}>
              {(id, invalid) => <input id={id} inputMode="numeric" aria-invalid={invalid} value={draft.workers} onChange={(e) => editDraft({ workers: e.target.value })} />}
            </Field>
          </div>
        </fieldset>
      ) : null}
      <fieldset>
        <legend>Strategy</legend>
        <Field label="Strategy" field="strategy" hint={chosen?.summary}>
          {(id, invalid) => (
            <select id={id} aria-invalid={invalid} value={draft.strategy} onChange={(e) => editDraft({ strategy: e.target.value })}>
              {(catalog?.strategies ?? [{ name: draft.strategy, title: draft.strategy }]).map((s) => (
                <option key={s.name} value={s.name}>
                  {s.title}
                </option>
              ))}
            </select>
          )}
        </Field>
        {own.length > 0 ? (
          <div className="row" data-testid="strategy-options">
            {own.map((o) => (
              <OptionField key={o.name} o={o} value={draft.options[o.name] ?? ''} onChange={(v) => setOption(o.name, v)} />
            ))}
          </div>
        ) : chosen ? (
          <p className="hint">{chosen.title} has no options.</p>
        ) : null}
        {training && common.length > 0 ? (
          <details open={Boolean(draft.options.zcFilter)}>
            <summary>Zero-cost filter (train only the most promising of several candidates)</summary>
            <div className="row">
              {common.map((o) => (
                <OptionField key={o.name} o={o} value={draft.options[o.name] ?? ''} onChange={(v) => setOption(o.name, v)} />
              ))}
            </div>
          </details>
        ) : null}
      </fieldset>
      <fieldset>
        <legend>Objectives and constraints</legend>
        {draft.objectives.map((o, i) => (
          <div className="row" key={i}>
            <Field label={`Objective ${i + 1}`} field={`objectives.${i}.metric`}>
              {(id, invalid) => (
                <select id={id} aria-invalid={invalid} value={o.metric} onChange={(e) => editDraft({ objectives: draft.objectives.map((x, j) => (j === i ? { ...x, metric: e.target.value } : x)) })}>
                  {metricOptions(o.metric)}
                </select>
              )}
            </Field>
            <Field label="Direction" field={`objectives.${i}.direction`}>
              {(id) => (
                <select id={id} value={o.direction} onChange={(e) => editDraft({ objectives: draft.objectives.map((x, j) => (j === i ? { ...x, direction: e.target.value as 'min' | 'max' } : x)) })}>
                  <option value="max">maximise</option>
                  <option value="min">minimise</option>
                </select>
              )}
            </Field>
            <button type="button" className="link" aria-label={`Remove objective ${i + 1}`} onClick={() => editDraft({ objectives: draft.objectives.filter((_, j) => j !== i) })}>
              Remove
            </button>
          </div>
        ))}
        {issueFor(issues, 'objectives')?.field === 'objectives' ? <p className="field-error">{issueFor(issues, 'objectives')?.message}</p> : null}
        <button type="button" onClick={() => editDraft({ objectives: [...draft.objectives, { metric: metrics.find((m) => !draft.objectives.some((o) => o.metric === m.name))?.name ?? '', direction: 'min' }] })}>
          Add objective
        </button>
        {draft.constraints.map((c, i) => (
          <div className="row" key={`c${i}`}>
            <Field label={`Constraint ${i + 1}`} field={`constraints.${i}.metric`}>
              {(id, invalid) => (
                <select id={id} aria-invalid={invalid} value={c.metric} onChange={(e) => editDraft({ constraints: draft.constraints.map((x, j) => (j === i ? { ...x, metric: e.target.value } : x)) })}>
                  {metricOptions(c.metric)}
                </select>
              )}
            </Field>
            <Field label="Operator" field={`constraints.${i}.op`}>
              {(id) => (
                <select id={id} value={c.op} onChange={(e) => editDraft({ constraints: draft.constraints.map((x, j) => (j === i ? { ...x, op: e.target.value as ConstraintOp } : x)) })}>
                  {OPS.map((op) => (
                    <option key={op}>{op}</option>
                  ))}
                </select>
              )}
            </Field>
            <Field label="Value" field={`constraints.${i}.value`}>
              {(id, invalid) => <input id={id} inputMode="decimal" aria-invalid={invalid} value={c.value} onChange={(e) => editDraft({ constraints: draft.constraints.map((x, j) => (j === i ? { ...x, value: e.target.value } : x)) })} />}
            </Field>
            <button type="button" className="link" aria-label={`Remove constraint ${i + 1}`} onClick={() => editDraft({ constraints: draft.constraints.filter((_, j) => j !== i) })}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" onClick={() => editDraft({ constraints: [...draft.constraints, { metric: metrics.find((m) => m.known)?.name ?? '', op: '<=', value: '' }] })}>
          Add constraint
        </button>
        <Field label="Also record (comma-separated metrics)" field="report">
          {(id, invalid) => <input id={id} aria-invalid={invalid} value={draft.report} onChange={(e) => editDraft({ report: e.target.value })} />}
        </Field>
      </fieldset>
      <fieldset>
        <legend>Budget (the first reached ends the search)</legend>
        <div className="row">
          <Field label="Evaluations" field="budget.evals">
            {(id, invalid) => <input id={id} inputMode="numeric" aria-invalid={invalid} value={draft.budgetEvals} onChange={(e) => editDraft({ budgetEvals: e.target.value })} />}
          </Field>
          <Field label="Simulated seconds" field="budget.seconds">
            {(id, invalid) => <input id={id} inputMode="decimal" aria-invalid={invalid} value={draft.budgetSeconds} onChange={(e) => editDraft({ budgetSeconds: e.target.value })} />}
          </Field>
          <Field label="Wall minutes" field="budget.wallMs">
            {(id, invalid) => <input id={id} inputMode="decimal" aria-invalid={invalid} value={draft.budgetMinutes} onChange={(e) => editDraft({ budgetMinutes: e.target.value })} />}
          </Field>
        </div>
        {issueFor(issues, 'budget')?.field === 'budget' ? <p className="field-error">{issueFor(issues, 'budget')?.message}</p> : null}
        <div className="row">
          <Field label="Seed" field="seed" hint="same seed, same search">
            {(id, invalid) => <input id={id} inputMode="numeric" aria-invalid={invalid} value={draft.seed} onChange={(e) => editDraft({ seed: e.target.value })} />}
          </Field>
          {spaces.find((s) => s.id === draft.space)?.defaults?.evaluator.kind === 'table' ? (
            <Field label="Replay pace" field="evaluator.pace" hint="wall s per simulated s (0.001 to watch a table search live)">
              {(id, invalid) => <input id={id} inputMode="decimal" aria-invalid={invalid} value={draft.pace} placeholder="0" onChange={(e) => editDraft({ pace: e.target.value })} />}
            </Field>
          ) : null}
          {spaces.find((s) => s.id === draft.space)?.defaults?.evaluator.kind === 'table' ? (
            <Field label="Cost per evaluation" field="evaluator.cost" hint="simulated seconds: COLUMN*FACTOR, COLUMN or a number (as the CLI's --cost)">
              {(id, invalid) => <input id={id} aria-invalid={invalid} value={draft.cost} onChange={(e) => editDraft({ cost: e.target.value })} />}
            </Field>
          ) : null}
        </div>
      </fieldset>
      {issues.length > 0 ? (
        <div className="form-issues" role="alert" aria-live="polite">
          <b>{issues.length === 1 ? 'One thing to fix' : `${issues.length} things to fix`} before starting:</b>
          <ul>
            {issues.map((i) => (
              <li key={`${i.field}:${i.message}`}>{i.message}</li>
            ))}
          </ul>
        </div>
      ) : null}
      <ErrorNote message={submitError?.message} />
      <FormActions label={checking ? 'Start search (checking…)' : 'Start search'} submitting={submitting} disabled={submitting || !runnable || (attempted && issues.length > 0)} />
    </form>
  );
}
