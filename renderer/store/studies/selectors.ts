import type { StudyListItem } from '../../api/index.js';
import type { StudiesState, StudySortKey } from './initialState.js';

function sortValue(s: StudyListItem, key: StudySortKey): number | string {
  switch (key) {
    case 'id':
      return Number(s.id);
    case 'name':
      return s.name.toLowerCase();
    case 'status':
      return s.status;
    case 'evals':
      return s.progress.evals;
    case 'frontSize':
      return s.frontSize;
    case 'hypervolume':
      return s.hypervolume ?? -Infinity;
    case 'createdAt':
      return s.createdAt;
    case 'duration':
      return s.progress.wallMs;
  }
}

let memo: { studies: readonly StudyListItem[]; query: string; status: string; key: string; dir: string; out: StudyListItem[] } | undefined;

export const studiesSelectors = {
  /** Filtered by name/space/strategy text and status, then sorted (ties by id, newest first). Memoised. */
  visible(s: StudiesState): StudyListItem[] {
    if (memo && memo.studies === s.studies && memo.query === s.query && memo.status === s.statusFilter && memo.key === s.sort.key && memo.dir === s.sort.dir) return memo.out;
    const q = s.query.trim().toLowerCase();
    const sign = s.sort.dir === 'asc' ? 1 : -1;
    const out = s.studies
      .filter((x) => s.statusFilter === 'all' || x.status === s.statusFilter)
      .filter((x) => !q || `${x.name} ${x.space} ${x.strategy} #${x.id} ${(x.tags ?? []).map((t) => `#${t}`).join(' ')} ${x.notes ?? ''}`.toLowerCase().includes(q))
      .slice()
      .sort((a, b) => {
        const va = sortValue(a, s.sort.key);
        const vb = sortValue(b, s.sort.key);
        if (va !== vb) return (va < vb ? -1 : 1) * sign;
        return Number(b.id) - Number(a.id);
      });
    memo = { studies: s.studies, query: s.query, status: s.statusFilter, key: s.sort.key, dir: s.sort.dir, out };
    return out;
  },
  selectedStudies(s: StudiesState): StudyListItem[] {
    return s.selected.map((id) => s.studies.find((x) => x.id === id)).filter((x): x is StudyListItem => x !== undefined);
  },
  canCompare: (s: StudiesState): boolean => s.selected.length >= 2,
  runningCount: (s: StudiesState): number => s.studies.filter((x) => x.status === 'running' && x.active).length,
};
