import type { FieldIssue, OneShotRunInfo, OneShotStartRequest } from '../../api/index.js';
import type { OneShotDraft } from './initialState.js';

/** The request of a draft: the settings of its kind that were typed (the rest take main's defaults). */
export function toStartRequest(d: OneShotDraft, info: OneShotRunInfo): OneShotStartRequest {
  const settings: Record<string, string> = {};
  for (const o of info.settings) {
    const v = d.settings[o.name]?.trim();
    if (v) settings[o.name] = v;
  }
  if (d.data.trim()) settings.data = d.data.trim();
  return { kind: info.kind, ...(d.name.trim() ? { name: d.name.trim() } : {}), settings };
}

/**
 * Main's refusal as a field issue: a message that starts with a setting's name (`epochs must be a
 * whole number …`) belongs to that setting's field; a dataset problem to `data`; else to the form.
 */
export function issueOf(message: string, info: OneShotRunInfo | undefined, data: string): FieldIssue {
  const named = info?.settings.find((o) => message.startsWith(`${o.name} must`));
  if (named) return { field: named.name, message };
  if (data.trim() !== '' && message.includes(data.trim())) return { field: 'data', message };
  return { field: '', message };
}
