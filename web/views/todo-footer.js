// The list page's TodoMVC controls around the rows: "Mark all as complete"
// (a labelled checkbox above them) and the footer below them: the count
// of todos left, the filter links (All, Active, Completed: see filters.js)
// and "Clear completed", shown only when something is completed. They are
// built once per page and redrawn from the state, so focus stays on them.
// The two changes of many todos at once are off (hidden) when config.json
// has no URL for their function.

import { hasFunction } from '../api.js';
import { h } from '../dom.js';
import { FILTER_HASH } from '../filters.js';
import { t, tn } from '../locale.js';
import * as S from '../state.js';

/** The functions of the two bulk changes (see api.js). */
export const MARK_ALL = 'todos-mark-all';
export const CLEAR = 'todos-clear';

/**
 * Footer is the controls of one drawing of the page.
 * @typedef {{
 *   toggle: HTMLElement, box: HTMLInputElement,
 *   el: HTMLElement, count: HTMLElement, links: Record<string, HTMLAnchorElement>, clear: HTMLButtonElement,
 * }} Footer
 */

const FILTER_TEXT = { all: 'filterAll', active: 'filterActive', completed: 'filterCompleted' };

/**
 * buildFooter builds the controls for a page showing filter; markAll(done)
 * and clear() are what the checkbox and the button do.
 * @param {S.Filter} filter
 * @param {{markAll: (done: boolean) => void, clear: () => void}} on
 * @returns {Footer}
 */
export function buildFooter(filter, on) {
  const box = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: 'toggle-all',
    onchange: () => on.markAll(box.checked) }));
  const toggle = h('div', { class: 'toggle-all', hidden: true }, box, h('label', { for: 'toggle-all' }, t('markAll')));
  const links = {};
  for (const f of S.FILTERS) {
    links[f] = /** @type {HTMLAnchorElement} */ (h('a', { href: FILTER_HASH[f], 'aria-current': f === filter ? 'page' : null },
      t(FILTER_TEXT[f])));
  }
  const count = h('span', { class: 'todo-count', id: 'todo-count' });
  const clear = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'clear-completed', hidden: true,
    onclick: () => on.clear() }, t('clearCompleted')));
  const el = h('div', { class: 'list-footer', hidden: true }, count,
    h('nav', { class: 'filters', 'aria-label': t('filters') }, h('ul', {}, ...S.FILTERS.map((f) => h('li', {}, links[f])))),
    clear);
  return { toggle, box, el, count, links, clear };
}

/**
 * drawFooter shows the counts of list: hidden until the first page's
 * counts are in and while the user has no todos; "Mark all as complete"
 * ticked when none is left to do; "Clear completed" only when some are
 * completed.
 * @param {Footer} f
 * @param {S.ListState} list
 * @param {{functions: Record<string,string>}} config
 */
export function drawFooter(f, list, config) {
  const total = S.total(list);
  const some = total !== null && total > 0;
  f.el.hidden = !some;
  f.toggle.hidden = !some || !hasFunction(config, MARK_ALL);
  if (!some) return;
  f.count.textContent = tn('itemsLeft', list.counts.active);
  f.box.checked = list.counts.active === 0;
  f.clear.hidden = list.counts.completed === 0 || !hasFunction(config, CLEAR);
}
