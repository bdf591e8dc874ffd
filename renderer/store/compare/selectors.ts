import type { CompareState } from './initialState.js';
import { bestRows, sharedObjectives } from './reducer.js';

export const compareSelectors = {
  shared: (s: CompareState) => sharedObjectives(s.compare),
  table: (s: CompareState) => bestRows(s.compare),
};
