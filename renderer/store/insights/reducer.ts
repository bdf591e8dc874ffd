import type { StudyInsights } from '../../api/index.js';

/**
 * Decisions by importance above chance (a conditional decision used by as few trials as it has
 * choices explains everything by construction, and ranks with what it is: chance), each with the
 * choice most over-represented among the top trials.
 */
export function rankDecisions(ins: StudyInsights) {
  return ins.decisions
    .map((d) => {
      let lift = -Infinity;
      let favourite = 0;
      d.topShare.forEach((t, i) => {
        const l = t - (d.allShare[i] ?? 0);
        if (l > lift) {
          lift = l;
          favourite = i;
        }
      });
      // Clear of chance: the interval's low end is above what a decision that does not matter gets.
      const aboveChance = d.importanceCi && d.chance !== undefined ? d.importanceCi[0] > d.chance : null;
      return { ...d, favourite: d.choices[favourite] ?? '', lift, aboveChance };
    })
    .sort((a, b) => b.importance - (b.chance ?? 0) - (a.importance - (a.chance ?? 0)) || a.name.localeCompare(b.name));
}
