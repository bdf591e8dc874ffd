import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './features/app/App.js';
import { useNas } from './store/index.js';
import type { Theme } from './store/ui/initialState.js';
import './styles.css';

function initialTheme(): Theme {
  try {
    const saved = localStorage.getItem('frontier-theme');
    if (saved === 'dark' || saved === 'light') return saved;
  } catch {
    /* storage unavailable */
  }
  return window.matchMedia?.('(prefers-color-scheme: light)').matches ? 'light' : 'dark';
}

useNas.setState({ theme: initialTheme() });
document.documentElement.dataset.theme = useNas.getState().theme;
const root = document.getElementById('root');
if (root) {
  createRoot(root).render(
    <StrictMode>
      <App />
    </StrictMode>,
  );
}
