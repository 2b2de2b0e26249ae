// #/todos, #/todos/active, #/todos/completed: the list, filtered on the
// server (GET /todos?done=), with TodoMVC's controls: add, tick, edit in
// place, delete, mark all, the count of todos left, the filters, clear
// completed (todo-edits.js, todo-footer.js). The list's data is a state
// from state.js (todo-page.js keeps it); every change goes through
// state.js and then onto the page. The list is loaded again when the tab
// comes back into view, so another device's changes show.

import { ApiError, newKey } from '../api.js';
import { validTitle } from '../check.js';
import { alertBox, h, heading } from '../dom.js';
import { filterOf } from '../filters.js';
import { submitter } from '../form.js';
import { t } from '../locale.js';
import { CODES, MAX_PAGE_SIZE } from '../limits.js';
import { notice } from '../notice.js';
import { drafts, getSession, saveDraft } from '../session.js';
import * as S from '../state.js';
import { onClear, onDelete, onKeepMine, onKeepTheirs, onMarkAll, onToggle, save, startEdit, stopEdit } from './todo-edits.js';
import { buildFooter } from './todo-footer.js';
import { call, draw, fail, getList, quiet, rowOf, say, setList } from './todo-page.js';

/** @typedef {import('./todo-page.js').Page} Page */

/** The page on screen, for the tab's visibilitychange. @type {Page|null} */
let shown = null;
let watching = false;

/** forgetTodos drops the list, as when the session ends. */
export function forgetTodos() {
  setList(S.emptyList());
}

/**
 * viewTodos is the list page for the filter of path (see filters.js). The
 * list kept from the last drawing is shown as it is when it is the same
 * user's through the same filter; else it is loaded (another filter keeps
 * the counts meanwhile, and focus goes to the filter's link).
 * @param {import('../router.js').Context} ctx
 * @param {URLSearchParams} [params]
 * @param {string} [path]
 */
export function viewTodos(ctx, params, path = 'todos') {
  const filter = filterOf(path) || 'all';
  const p = buildPage(ctx, filter);
  const user = getSession().user.id;
  const list = getList();
  const refilter = list.owner === user && list.loaded && list.filter !== filter;
  shown = p;
  watchVisibility();
  if (S.ownedBy(list, user, filter)) {
    draw(p);
  } else {
    setList({ ...S.emptyList(user, filter), counts: refilter ? list.counts : null });
    draw(p);
    p.status.say(t('loading'));
    firstLoad(p, user);
  }
  return { title: t('todosTitle'), focus: refilter ? p.footer.links[filter] : p.input, el: p.section };
}

/** @returns {Page} */
function buildPage(ctx, filter) {
  const d = drafts();
  // No maxlength: the browser counts UTF-16 units, the API code points
  // (validTitle counts as the API does, and says what is wrong).
  const input = /** @type {HTMLInputElement} */ (h('input', { id: 'new-todo', name: 'title', type: 'text',
    autocomplete: 'off', required: true, value: d.newTodo || '',
    oninput: () => saveDraft({ newTodo: input.value }) }));
  /** @type {Page} */
  const p = { ctx, filter, input };
  p.addForm = /** @type {HTMLFormElement} */ (h('form', { class: 'add', novalidate: true, onsubmit: submitter(adding(p)) },
    h('label', { for: 'new-todo' }, t('newTodo')),
    h('div', { class: 'row' }, input, h('button', { type: 'submit', class: 'primary' }, t('add'))),
    alertBox('add-error')));
  const statusLine = h('p', { class: 'status', role: 'status' });
  p.status = notice(statusLine);
  p.listError = alertBox('list-error');
  p.ul = h('ul', { class: 'todos', id: 'todos', 'aria-labelledby': 'todos-h' });
  p.empty = h('p', { class: 'empty', hidden: true });
  p.more = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'more', hidden: true,
    onclick: () => onMore(p) }, t('loadMore')));
  p.footer = buildFooter(filter, { markAll: (done) => onMarkAll(p, done, reload), clear: () => onClear(p, reload) });
  p.section = h('section', { class: 'card wide' }, heading(t('todosTitle'), 'todos-h'),
    p.addForm, p.listError, statusLine, p.footer.toggle, p.ul, p.empty, p.more, p.footer.el);
  p.actions = {
    toggle: (id, box) => onToggle(p, id, box),
    edit: (id) => startEdit(p, id),
    cancel: (id) => stopEdit(p, id),
    save: (id, form, edit, ev) => save(p, id, form, edit, ev),
    remove: (id) => onDelete(p, id),
    keepMine: (id) => onKeepMine(p, id),
    keepTheirs: (id) => onKeepTheirs(p, id),
  };
  return p;
}

/**
 * load fetches a page of the filter's todos (the first when cursor is
 * null, limit at most MAX_PAGE_SIZE); it resolves to the todos it added,
 * or null.
 */
async function load(p, cursor, user, limit = S.PAGE_SIZE) {
  p.listError.hidden = true;
  try {
    const page = await call(p, () => p.ctx.client.list(limit, cursor, S.doneOf(p.filter)));
    const merged = S.mergePage(getList(), page, { append: cursor !== null, owner: user });
    setList(merged.list);
    return merged.fresh;
  } catch (e) {
    setList(S.loadFailed(getList()));
    fail(p, e);
    return null;
  }
}

async function firstLoad(p, user) {
  await load(p, null, user);
  if (!getSession() || !p.section.isConnected) return;
  p.status.clear();
  const resumed = S.resumeEdit(getList(), drafts().edit);
  setList(resumed.list);
  if (resumed.lost) {
    // The todo is gone or on a later page: keep the text as a new todo.
    p.input.value = [p.input.value, drafts().edit.title].filter(Boolean).join(' ');
    saveDraft({ edit: null, newTodo: p.input.value });
    say(p, t('editLost'));
  }
  draw(p);
  const edit = getList().editing && p.ul.querySelector('li.editing input');
  if (edit) edit.focus();
}

/**
 * reload loads the first page again, as many todos as are shown (at least
 * a page, at most MAX_PAGE_SIZE), and redraws, keeping focus on the
 * control it was on when that control is still there.
 * @param {Page} p
 */
async function reload(p) {
  const user = getSession()?.user.id;
  if (!user) return;
  const limit = Math.min(MAX_PAGE_SIZE, Math.max(S.PAGE_SIZE, getList().items.length));
  const spot = focusSpot(p);
  if ((await load(p, null, user, limit)) === null || !p.section.isConnected) return;
  draw(p);
  restoreFocus(p, spot);
}

/** focusSpot says where focus is in the list: a row and the index of its control. */
function focusSpot(p) {
  const el = document.activeElement;
  const li = el && el.closest && el.closest('li[data-id]');
  if (!li || !p.ul.contains(li)) return null;
  return { id: li.getAttribute('data-id'), index: [...li.querySelectorAll('input, button')].indexOf(el) };
}

function restoreFocus(p, spot) {
  if (!spot || (document.activeElement && document.activeElement !== document.body)) return;
  const li = rowOf(p, spot.id);
  const el = li && li.querySelectorAll('input, button')[spot.index];
  if (el) el.focus();
}

/**
 * watchVisibility reloads the list shown when the tab comes back into
 * view (set up once): another device may have changed it meanwhile. An
 * open edit or conflict is left alone (its save or choice checks the
 * version anyway).
 */
function watchVisibility() {
  if (watching) return;
  watching = true;
  document.addEventListener('visibilitychange', () => {
    const list = getList();
    if (document.hidden || !shown || !shown.section.isConnected || !list.loaded) return;
    if (list.editing || list.conflict) return;
    reload(shown);
  });
}

async function onMore(p) {
  p.more.disabled = true;
  const fresh = await load(p, getList().nextCursor, getSession()?.user.id);
  if (!getSession()) return;
  p.more.disabled = false;
  draw(p);
  if (fresh && fresh.length) {
    rowOf(p, fresh[0].id).querySelector('input').focus();
  } else if (p.more.hidden) {
    p.input.focus();
  }
}

/** addOnce sends the add, and once more with the same key when the answer was lost. */
async function addOnce(p, title, key) {
  const add = () => call(p, () => p.ctx.client.add(title, key));
  try {
    return await add();
  } catch (e) {
    if (!(e instanceof ApiError) || !(e.status === 0 || e.status >= 502)) throw e;
    return add();
  }
}

/** adding is the add form's submission. */
function adding(p) {
  return {
    read: () => {
      quiet(p);
      return p.input.value.trim();
    },
    check: (title) => !validTitle(title) && ['badTitle', 'title'],
    send: async (title) => {
      const pending = drafts().pendingAdd;
      const key = pending && pending.title === title ? pending.key : newKey();
      saveDraft({ newTodo: p.input.value, pendingAdd: { title, key } });
      const created = await addOnce(p, title, key);
      setList(S.addItem(getList(), created));
      saveDraft({ newTodo: '', pendingAdd: null });
      p.input.value = '';
      draw(p);
      say(p, t('added', { title: created.title }));
      p.input.focus();
    },
    fail: (e) => {
      if (e instanceof ApiError && e.code === CODES.IDEMPOTENCY_KEY_REUSED) saveDraft({ pendingAdd: null });
      return { field: 'title' };
    },
  };
}
