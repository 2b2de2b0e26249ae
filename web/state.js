// The todo list's state as plain data, and pure functions from one state
// to the next. No DOM and no browser globals: the list view keeps the
// current state and draws it; Node tests these functions.

/**
 * @typedef {{id: string, title: string, done: boolean, createdAt: string, updatedAt: string, version?: number}} Todo
 * @typedef {'all'|'active'|'completed'} Filter
 * @typedef {{active: number, completed: number}} Counts
 * @typedef {{title?: string, done?: boolean, remove?: boolean}} Change
 * @typedef {{id: string, mine: Change, theirs: Todo}} Conflict
 * @typedef {{
 *   owner: string,
 *   filter: Filter,
 *   items: readonly Todo[],
 *   nextCursor: string|null,
 *   loaded: boolean,
 *   editing: string|null,
 *   counts: Counts|null,
 *   conflict: Conflict|null,
 * }} ListState
 *   owner is the user whose list it is ("" before a load); filter is which
 *   todos it shows (the API's done=); items are in the API's order, newest
 *   first; nextCursor asks for the next page (null on the last); loaded is
 *   false until the first page (or its failure) is in; editing is the id of
 *   the todo whose title is being edited; counts are the first page's
 *   counts of all the user's todos, kept up to date by every change made
 *   here (null before a first page that had them); conflict is a change of
 *   ours the API refused with 412 (the todo changed elsewhere since we read
 *   it): what we sent and the todo as it is now.
 */

/** FILTERS are the list's filters, in the order the page shows them. */
export const FILTERS = Object.freeze(/** @type {Filter[]} */ (['all', 'active', 'completed']));

/**
 * doneOf is the API's done= for filter: null for all (no parameter).
 * @param {Filter} filter
 * @returns {boolean|null}
 */
export function doneOf(filter) {
  if (filter === 'active') return false;
  if (filter === 'completed') return true;
  return null;
}

/**
 * matches is true when filter shows item.
 * @param {Filter} filter
 * @param {{done: boolean}} item
 */
export function matches(filter, item) {
  const done = doneOf(filter);
  return done === null || item.done === done;
}

/**
 * tally is counts after a todo went from was to now (null for none: an add
 * or a delete); null counts stay null, and no count goes below 0.
 * @param {Counts|null} counts
 * @param {{done: boolean}|null|undefined} was
 * @param {{done: boolean}|null|undefined} now
 * @returns {Counts|null}
 */
export function tally(counts, was, now) {
  if (!counts) return counts;
  const c = { ...counts };
  const key = (t) => (t.done ? 'completed' : 'active');
  if (was) c[key(was)] = Math.max(0, c[key(was)] - 1);
  if (now) c[key(now)] += 1;
  return c;
}

/**
 * PAGE_SIZE is how many todos one GET /todos asks for (the list route's
 * `limit`): the page's own choice, a short list to scroll; a unit test
 * checks it is one the API accepts (1 to MAX_PAGE_SIZE of limits.js).
 */
export const PAGE_SIZE = 20;

/**
 * emptyList is the state before anything is loaded.
 * @param {string} [owner]
 * @returns {ListState}
 */
export function emptyList(owner = '', filter = 'all') {
  return { owner, filter, items: [], nextCursor: null, loaded: false, editing: null, counts: null, conflict: null };
}

/**
 * ownedBy is true when list holds a loaded list of user's todos (shown
 * through filter, when one is given).
 * @param {ListState} list
 * @param {string} user
 * @param {Filter} [filter]
 */
export function ownedBy(list, user, filter) {
  return list.loaded && list.owner !== '' && list.owner === user && (filter === undefined || list.filter === filter);
}

function uniqueById(items) {
  const seen = new Set();
  return items.filter((x) => !seen.has(x.id) && seen.add(x.id));
}

/**
 * mergePage takes in one GET /todos answer for owner. The first page
 * (append false) replaces the items; a later page (append true) adds those
 * not already shown after them, keeping the API's newest-first order. The
 * page's nextCursor becomes the list's, its counts (the first page's) the
 * list's. fresh is what the page added.
 * @param {ListState} list
 * @param {{items?: Todo[], nextCursor?: string|null, counts?: Counts}|null} page
 * @param {{append?: boolean, owner?: string}} [opts]
 * @returns {{list: ListState, fresh: Todo[]}}
 */
export function mergePage(list, page, { append = false, owner = list.owner } = {}) {
  const incoming = uniqueById((page && page.items) || []);
  const nextCursor = (page && page.nextCursor) || null;
  const shown = new Set(append ? list.items.map((x) => x.id) : []);
  const fresh = incoming.filter((x) => !shown.has(x.id));
  const items = append ? [...list.items, ...fresh] : fresh;
  const counts = page && page.counts ? { active: page.counts.active, completed: page.counts.completed } : list.counts;
  return { list: { ...list, owner, items, nextCursor, counts, loaded: true }, fresh };
}

/**
 * loadFailed marks the list as loaded (as far as it got) after a failed
 * load; its owner is kept, so a failed first load is tried again.
 */
export function loadFailed(list) {
  return { ...list, loaded: true };
}

/**
 * addItem puts a just-created todo at the top, or only counts it when the
 * list's filter does not show it; a copy of it further down (a retried add
 * the server answered twice) is dropped, and not counted again.
 * @param {ListState} list
 * @param {Todo} item
 */
export function addItem(list, item) {
  const known = list.items.some((x) => x.id === item.id);
  const rest = list.items.filter((x) => x.id !== item.id);
  return {
    ...list,
    items: matches(list.filter, item) ? [item, ...rest] : rest,
    counts: known ? list.counts : tally(list.counts, null, item),
  };
}

/**
 * replaceItem puts the API's new version of a todo where the old one was;
 * fields it lacks keep their old values. The counts follow a change of
 * done; a todo the list's filter no longer shows leaves the list (as
 * removeItem). A todo not on the list is not added: the list is returned
 * as it was.
 * @param {ListState} list
 * @param {Partial<Todo> & {id: string}} item
 */
export function replaceItem(list, item) {
  const old = findItem(list, item.id);
  if (!old) return list;
  const now = { ...old, ...item };
  const next = { ...list, counts: tally(list.counts, old, now), items: list.items.map((x) => (x.id === item.id ? now : x)) };
  return matches(list.filter, now) ? next : { ...dropItem(next, item.id), counts: next.counts };
}

function dropItem(list, id) {
  return {
    ...list,
    items: list.items.filter((x) => x.id !== id),
    editing: list.editing === id ? null : list.editing,
    conflict: list.conflict && list.conflict.id === id ? null : list.conflict,
  };
}

/**
 * removeItem drops the todo with id (and uncounts it), and stops editing
 * it, or its conflict, if it was.
 * @param {ListState} list
 * @param {string} id
 */
export function removeItem(list, id) {
  return { ...dropItem(list, id), counts: tally(list.counts, findItem(list, id), null) };
}

/** findItem is the todo with id, or undefined. */
export function findItem(list, id) {
  return list.items.find((x) => x.id === id);
}

/** startEditing marks the todo with id as being edited, if it is shown. */
export function startEditing(list, id) {
  return findItem(list, id) ? { ...list, editing: id } : list;
}

/** stopEditing leaves edit mode. */
export function stopEditing(list) {
  return list.editing === null ? list : { ...list, editing: null };
}

/**
 * resumeEdit reopens an edit kept in the drafts across a re-login. lost is
 * true when that todo is not on the list (deleted, or on a later page), so
 * the caller can keep the typed text elsewhere.
 * @param {ListState} list
 * @param {{id?: string, title?: string}|null|undefined} edit
 * @returns {{list: ListState, lost: boolean}}
 */
export function resumeEdit(list, edit) {
  if (!edit || !edit.id) return { list, lost: false };
  if (!findItem(list, edit.id)) return { list, lost: true };
  return { list: { ...list, editing: edit.id }, lost: false };
}

/**
 * openConflict keeps a change of ours to the todo with id that the API
 * refused because the todo changed elsewhere (412): mine is what we sent,
 * theirs the todo as it is now. Editing it stops: the conflict is shown
 * in its place. A todo not on the list has no conflict to show.
 * @param {ListState} list
 * @param {string} id
 * @param {Change} mine
 * @param {Todo} theirs
 */
export function openConflict(list, id, mine, theirs) {
  if (!findItem(list, id)) return list;
  return { ...list, editing: list.editing === id ? null : list.editing, conflict: { id, mine, theirs } };
}

/**
 * keepTheirs closes the conflict by taking the todo as it is now (see
 * replaceItem: the counts follow, and it leaves a filter that no longer
 * shows it).
 * @param {ListState} list
 */
export function keepTheirs(list) {
  if (!list.conflict) return list;
  return { ...replaceItem(list, list.conflict.theirs), conflict: null };
}

/**
 * closeConflict forgets the conflict (ours was sent again and taken, or
 * the todo is gone).
 * @param {ListState} list
 */
export function closeConflict(list) {
  return list.conflict ? { ...list, conflict: null } : list;
}

/**
 * total is the number of the user's todos by the counts, or null without
 * counts.
 * @param {ListState} list
 */
export function total(list) {
  return list.counts ? list.counts.active + list.counts.completed : null;
}
