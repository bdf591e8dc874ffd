import type { UiState } from './initialState.js';

export const uiSelectors = {
  route: (s: UiState) => s.route,
  theme: (s: UiState) => s.theme,
  /** Which top-level tab is current. */
  section: (s: UiState): 'searches' | 'new' | 'compare' | 'devices' | 'workers' => {
    const n = s.route.name;
    return n === 'new' || n === 'compare' || n === 'devices' || n === 'workers' ? n : 'searches';
  },
};
