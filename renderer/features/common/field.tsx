import { useId, type ReactNode } from 'react';
import type { StrategyOptionInfo } from '../../../shared/strategy-info.js';

export interface FieldProps {
  label: string;
  /** The name an issue gives the field (e.g. `epochs`, `strategyOptions.order`). */
  field: string;
  hint?: ReactNode;
  /** Renders the control, given the id its label points at and whether the field is invalid. */
  children: (id: string, invalid: boolean) => ReactNode;
}

/** A labelled form field: its control, then the issue with it (`issue`, when it has one) or else its hint. */
export function LabelledField({ label, field, hint, children, issue }: FieldProps & { issue: { readonly message: string } | null | undefined }) {
  const id = useId();
  return (
    <div className={`field ${issue ? 'invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children(id, Boolean(issue))}
      {issue ? (
        <p className="field-error" id={`${id}-err`} data-field={field}>
          {issue.message}
        </p>
      ) : hint ? (
        <p className="hint">{hint}</p>
      ) : null}
    </div>
  );
}

/** A strategy option's control: a choice (empty: its default) or a number field. */
export function OptionInput({ o, id, invalid, value, placeholder, onChange }: { o: StrategyOptionInfo; id: string; invalid: boolean; value: string; placeholder: string; onChange: (v: string) => void }) {
  return o.kind === 'choice' ? (
    <select id={id} aria-invalid={invalid} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">default ({o.default})</option>
      {(o.choices ?? []).map((c) => (
        <option key={c} value={c}>
          {c}
        </option>
      ))}
    </select>
  ) : (
    <input id={id} inputMode={o.kind === 'integer' ? 'numeric' : 'decimal'} aria-invalid={invalid} value={value} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />
  );
}

/** A form's submit button (saying so while it starts) and its Cancel link back to the start page. */
export function FormActions({ label, submitting, disabled }: { label: ReactNode; submitting: boolean; disabled: boolean }) {
  return (
    <div className="form-actions">
      <button type="submit" className="primary" disabled={disabled}>
        {submitting ? 'Starting…' : label}
      </button>
      <a className="button" href="#/">
        Cancel
      </a>
    </div>
  );
}
