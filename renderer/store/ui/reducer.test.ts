import { describe, expect, it } from 'vitest';
import type { Route } from './initialState.js';
import { formatRoute, parseRoute } from './reducer.js';
import { uiSelectors } from './selectors.js';

describe('routes', () => {
  const routes: Route[] = [
    { name: 'searches' },
    { name: 'new' },
    { name: 'devices' },
    { name: 'workers' },
    { name: 'study', id: '12' },
    { name: 'insights', id: '3' },
    { name: 'trial', id: '3', number: 0 },
    { name: 'compare', ids: ['1', '2'] },
  ];
  it('round-trips every route through the hash', () => {
    for (const r of routes) expect(parseRoute(formatRoute(r))).toEqual(r);
  });
  it('falls back to the Searches screen on anything unknown or malformed', () => {
    for (const h of ['', '#', '#/nope', '#/study/abc', '#/study/1/trial/x', '#/study/1/trial/1/extra']) expect(parseRoute(h)).toEqual({ name: 'searches' });
  });
  it('keeps only well-formed, distinct compare ids', () => {
    expect(parseRoute('#/compare?ids=1,x,2,1')).toEqual({ name: 'compare', ids: ['1', '2'] });
  });
  it('maps detail screens to their top-level section', () => {
    expect(uiSelectors.section({ theme: 'dark', route: { name: 'trial', id: '1', number: 2 } })).toBe('searches');
    expect(uiSelectors.section({ theme: 'dark', route: { name: 'compare', ids: [] } })).toBe('compare');
  });
});
