import type { Route } from './initialState.js';

const ID = /^\d+$/;

/** `#/study/3/trial/17` → a route; anything unknown is the Searches screen. */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean);
  const [a, b, c, d] = parts;
  if (a === 'new' && parts.length === 1) return { name: 'new' };
  if (a === 'devices' && parts.length === 1) return { name: 'devices' };
  if (a === 'workers' && parts.length === 1) return { name: 'workers' };
  if (a === 'compare' && parts.length === 1) {
    const ids = (new URLSearchParams(query).get('ids') ?? '').split(',').filter((x) => ID.test(x));
    return { name: 'compare', ids: [...new Set(ids)] };
  }
  if (a === 'study' && b && ID.test(b)) {
    if (parts.length === 2) return { name: 'study', id: b };
    if (c === 'insights' && parts.length === 3) return { name: 'insights', id: b };
    if (c === 'trial' && d && /^\d+$/.test(d) && parts.length === 4) return { name: 'trial', id: b, number: Number(d) };
  }
  return { name: 'searches' };
}

export function formatRoute(r: Route): string {
  switch (r.name) {
    case 'searches':
      return '#/';
    case 'new':
      return '#/new';
    case 'devices':
      return '#/devices';
    case 'workers':
      return '#/workers';
    case 'compare':
      return `#/compare?ids=${r.ids.join(',')}`;
    case 'study':
      return `#/study/${r.id}`;
    case 'insights':
      return `#/study/${r.id}/insights`;
    case 'trial':
      return `#/study/${r.id}/trial/${r.number}`;
  }
}
