// The todo list's state as plain data, and pure functions from one state
// to the next. No DOM and no browser globals: the list view keeps the
// current state and draws it; Node tests these functions.

/**
 * @typedef {{id: string, title: string, done: boolean, createdAt: string, updatedAt: string}} Todo
 * @typedef {{
 *   owner: string,
 *   items: readonly Todo[],
 *   nextCursor: string|null,
 *   loaded: boolean,
 *   editing: string|null,
 * }} ListState
 *   owner is the user whose list it is ("" before a load); items are in the
 *   API's order, newest first; nextCursor asks for the next page (null on
 *   the last); loaded is false until the first page (or its failure) is in;
 *   editing is the id of the todo whose title is being edited.
 */

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
export function emptyList(owner = '') {
  return { owner, items: [], nextCursor: null, loaded: false, editing: null };
}

/** ownedBy is true when list holds a loaded list of user's todos. */
export function ownedBy(list, user) {
  return list.loaded && list.owner !== '' && list.owner === user;
}

function uniqueById(items) {
  const seen = new Set();
  return items.filter((x) => !seen.has(x.id) && seen.add(x.id));
}

/**
 * mergePage takes in one GET /todos answer for owner. The first page
 * (append false) replaces the items; a later page (append true) adds those
 * not already shown after them, keeping the API's newest-first order. The
 * page's nextCursor becomes the list's. fresh is what the page added.
 * @param {ListState} list
 * @param {{items?: Todo[], nextCursor?: string|null}|null} page
 * @param {{append?: boolean, owner?: string}} [opts]
 * @returns {{list: ListState, fresh: Todo[]}}
 */
export function mergePage(list, page, { append = false, owner = list.owner } = {}) {
  const incoming = uniqueById((page && page.items) || []);
  const nextCursor = (page && page.nextCursor) || null;
  const shown = new Set(append ? list.items.map((x) => x.id) : []);
  const fresh = incoming.filter((x) => !shown.has(x.id));
  const items = append ? [...list.items, ...fresh] : fresh;
  return { list: { ...list, owner, items, nextCursor, loaded: true }, fresh };
}

/**
 * loadFailed marks the list as loaded (as far as it got) after a failed
 * load; its owner is kept, so a failed first load is tried again.
 */
export function loadFailed(list) {
  return { ...list, loaded: true };
}

/**
 * addItem puts a just-created todo at the top; a copy of it further down
 * (a retried add the server answered twice) is dropped.
 * @param {ListState} list
 * @param {Todo} item
 */
export function addItem(list, item) {
  return { ...list, items: [item, ...list.items.filter((x) => x.id !== item.id)] };
}

/**
 * replaceItem puts the API's new version of a todo where the old one was;
 * fields it lacks keep their old values. A todo not on the list is not
 * added: the list is returned as it was.
 * @param {ListState} list
 * @param {Partial<Todo> & {id: string}} item
 */
export function replaceItem(list, item) {
  if (!list.items.some((x) => x.id === item.id)) return list;
  return { ...list, items: list.items.map((x) => (x.id === item.id ? { ...x, ...item } : x)) };
}

/**
 * removeItem drops the todo with id, and stops editing it if it was.
 * @param {ListState} list
 * @param {string} id
 */
export function removeItem(list, id) {
  return {
    ...list,
    items: list.items.filter((x) => x.id !== id),
    editing: list.editing === id ? null : list.editing,
  };
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
