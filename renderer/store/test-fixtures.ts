import type { StudyListItem } from '../api/index.js';

/** A study row for slice tests. */
export function item(id: string, over: Partial<StudyListItem> = {}): StudyListItem {
  return {
    id,
    name: `study ${id}`,
    status: 'complete',
    space: 'nb201',
    strategy: 'evolution',
    objectives: [{ metric: 'acc', direction: 'max' }],
    progress: { evals: Number(id) * 10, failed: 0, rejected: 0, costSeconds: 0, wallMs: 0 },
    budget: { evals: 100 },
    fraction: 1,
    best: { acc: 90 },
    frontSize: 3,
    hypervolume: Number(id),
    createdAt: Number(id) * 1000,
    active: false,
    ...over,
  };
}
