import type { StudyInsights } from '../../api/index.js';

/** Decisions by importance, each with the choice most over-represented among the top trials. */
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
      return { ...d, favourite: d.choices[favourite] ?? '', lift };
    })
    .sort((a, b) => b.importance - a.importance || a.name.localeCompare(b.name));
}
