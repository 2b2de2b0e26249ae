// The list's filters in the address: #/todos shows all todos,
// #/todos/active the ones not done, #/todos/completed the done ones
// (TodoMVC's routes, under the app's #/todos), so a filter survives a
// reload and has a link. No imports and no browser API, so Node tests it.

/** FILTER_HASH is the hash of each filter of state.js's FILTERS. */
export const FILTER_HASH = Object.freeze({
  all: '#/todos',
  active: '#/todos/active',
  completed: '#/todos/completed',
});

/**
 * filterOf is the filter a hash's path shows ("todos" → "all",
 * "todos/active" → "active"), or null when the path is no list route.
 * @param {string} path the hash's path, as parseHash returns it
 * @returns {'all'|'active'|'completed'|null}
 */
export function filterOf(path) {
  if (path === 'todos') return 'all';
  if (path === 'todos/active') return 'active';
  if (path === 'todos/completed') return 'completed';
  return null;
}

/**
 * routeOf is the route of a hash's path: "todos" for every list filter,
 * else the path itself.
 * @param {string} path
 */
export function routeOf(path) {
  return filterOf(path) ? 'todos' : path;
}
