import type { StudyId, StudyListItem, StudyProgressEvent } from '../../api/index.js';
import type { StudyStatus } from '../../../shared/types/index.js';
import type { StudySortKey } from './initialState.js';

/** A status event applied to the list; unknown ids leave it unchanged (the caller refetches). */
export function applyStatus(list: readonly StudyListItem[], e: { id: StudyId; status: StudyStatus; error?: string }): readonly StudyListItem[] {
  const i = list.findIndex((s) => s.id === e.id);
  if (i < 0) return list;
  const cur = list[i] as StudyListItem;
  const next: StudyListItem = {
    ...cur,
    status: e.status,
    active: e.status === 'running',
    ...(e.error !== undefined ? { error: e.error } : {}),
    ...(e.status === 'complete' ? { fraction: 1 } : {}),
  };
  return [...list.slice(0, i), next, ...list.slice(i + 1)];
}

export function applyProgress(list: readonly StudyListItem[], e: StudyProgressEvent): readonly StudyListItem[] {
  const i = list.findIndex((s) => s.id === e.id);
  if (i < 0) return list;
  const cur = list[i] as StudyListItem;
  return [...list.slice(0, i), { ...cur, progress: e.progress, fraction: e.fraction }, ...list.slice(i + 1)];
}

export function toggleSelected(selected: readonly StudyId[], id: StudyId): readonly StudyId[] {
  return selected.includes(id) ? selected.filter((x) => x !== id) : [...selected, id];
}

/** Clicking the current sort column flips its direction; another column starts descending. */
export function nextSort(cur: { key: StudySortKey; dir: 'asc' | 'desc' }, key: StudySortKey): { key: StudySortKey; dir: 'asc' | 'desc' } {
  if (cur.key === key) return { key, dir: cur.dir === 'asc' ? 'desc' : 'asc' };
  return { key, dir: key === 'name' || key === 'status' ? 'asc' : 'desc' };
}
