import type { StateCreator } from 'zustand';
import type { NasStore } from '../index.js';
import { initialUiState, type Route, type Theme, type UiState } from './initialState.js';
import { formatRoute, parseRoute } from './reducer.js';

export interface UiActions {
  navigate(route: Route): void;
  /** Sync the route from the location hash (hashchange). */
  syncRoute(hash: string): void;
  setTheme(theme: Theme): void;
}

export const createUiSlice: StateCreator<NasStore, [], [], UiState & UiActions> = (set) => ({
  ...initialUiState,
  navigate(route) {
    const hash = formatRoute(route);
    if (typeof window !== 'undefined' && window.location.hash !== hash) window.location.hash = hash;
    set({ route });
  },
  syncRoute(hash) {
    set({ route: parseRoute(hash) });
  },
  setTheme(theme) {
    // Before the state changes: charts re-read the theme's CSS variables as they re-render.
    if (typeof document !== 'undefined') document.documentElement.dataset.theme = theme;
    set({ theme });
    try {
      localStorage.setItem('frontier-theme', theme);
    } catch {
      /* storage unavailable */
    }
  },
});
