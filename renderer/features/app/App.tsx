import { useEffect, useRef } from 'react';
import { connectEvents, useNas } from '../../store/index.js';
import { uiSelectors } from '../../store/ui/selectors.js';
import { DevicesView } from '../devices/DevicesView.js';
import { CompareView } from '../results/CompareView.js';
import { InsightsView } from '../results/InsightsView.js';
import { TrialView } from '../results/TrialView.js';
import { LiveView } from '../search/LiveView.js';
import { NewSearchView } from '../search/NewSearchView.js';
import { SearchesView } from '../search/SearchesView.js';
import { WorkersView } from '../workers/WorkersView.js';

const TABS = [
  { id: 'searches', label: 'Searches', href: '#/' },
  { id: 'new', label: 'New search', href: '#/new' },
  { id: 'compare', label: 'Compare', href: '#/compare' },
  { id: 'devices', label: 'Devices', href: '#/devices' },
  { id: 'workers', label: 'Workers', href: '#/workers' },
] as const;

export function App() {
  const route = useNas(uiSelectors.route);
  const section = useNas(uiSelectors.section);
  const theme = useNas(uiSelectors.theme);
  const selected = useNas((s) => s.selected);
  const { syncRoute, setTheme } = useNas.getState();

  useEffect(() => {
    const sync = () => syncRoute(window.location.hash);
    sync();
    window.addEventListener('hashchange', sync);
    const off = connectEvents();
    return () => {
      window.removeEventListener('hashchange', sync);
      off();
    };
  }, [syncRoute]);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
  }, [theme]);

  // Keyboard users land at the new screen, not on the link they left behind.
  const routeKey = JSON.stringify(route);
  const firstRoute = useRef(true);
  useEffect(() => {
    if (firstRoute.current) {
      firstRoute.current = false;
      return;
    }
    document.getElementById('main')?.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  }, [routeKey]);

  let screen;
  switch (route.name) {
    case 'searches':
      screen = <SearchesView />;
      break;
    case 'new':
      screen = <NewSearchView />;
      break;
    case 'study':
      screen = <LiveView id={route.id} />;
      break;
    case 'trial':
      screen = <TrialView id={route.id} number={route.number} />;
      break;
    case 'compare':
      screen = <CompareView ids={route.ids} />;
      break;
    case 'insights':
      screen = <InsightsView id={route.id} />;
      break;
    case 'devices':
      screen = <DevicesView />;
      break;
    case 'workers':
      screen = <WorkersView />;
      break;
  }

  return (
    <div className="app">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <span className="brand">Frontier</span>
        <nav aria-label="Sections">
          {TABS.map((t) => (
            <a key={t.id} href={t.id === 'compare' && selected.length >= 2 ? `#/compare?ids=${selected.join(',')}` : t.href} aria-current={section === t.id ? 'page' : undefined} className={section === t.id ? 'tab current' : 'tab'}>
              {t.label}
            </a>
          ))}
        </nav>
        <span className="spacer" />
        <button type="button" className="theme-toggle" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')} aria-label={`Switch to ${theme === 'dark' ? 'light' : 'dark'} theme`}>
          {theme === 'dark' ? '☀ Light' : '☾ Dark'}
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        {screen}
      </main>
    </div>
  );
}
