// #/todos: add, tick, edit and delete todos, page through them. The list's
// data is a state from state.js, kept here across language switches (not
// reloads); every change goes through state.js and then onto the page.

import { ApiError, newKey } from '../api.js';
import { validTitle } from '../check.js';
import { alertBox, h, heading } from '../dom.js';
import { submitForm, submitter } from '../form.js';
import { messageFor, t } from '../locale.js';
import { UNAUTHORIZED, authed } from '../keeper.js';
import { CODES } from '../limits.js';
import { drafts, getSession, saveDraft } from '../session.js';
import * as S from '../state.js';
import { editView, itemView } from './todo-item.js';

/** The list shown, or being loaded. @type {S.ListState} */
let list = S.emptyList();

/** forgetTodos drops the list, as when the session ends. */
export function forgetTodos() {
  list = S.emptyList();
}

/**
 * Page is one drawing of the list page: its elements and its context.
 * @typedef {{
 *   ctx: import('../router.js').Context,
 *   section: HTMLElement, input: HTMLInputElement, addForm: HTMLFormElement,
 *   status: HTMLElement, listError: HTMLElement, ul: HTMLElement,
 *   empty: HTMLElement, more: HTMLButtonElement, actions: import('./todo-item.js').Actions,
 * }} Page
 */

/** @param {import('../router.js').Context} ctx */
export function viewTodos(ctx) {
  const p = buildPage(ctx);
  const user = getSession().user.id;
  if (S.ownedBy(list, user)) {
    draw(p);
  } else {
    list = S.emptyList();
    draw(p);
    p.status.textContent = t('loading');
    firstLoad(p, user);
  }
  return { title: t('todosTitle'), focus: p.input, el: p.section };
}

/** @returns {Page} */
function buildPage(ctx) {
  const d = drafts();
  // No maxlength: the browser counts UTF-16 units, the API code points
  // (validTitle counts as the API does, and says what is wrong).
  const input = /** @type {HTMLInputElement} */ (h('input', { id: 'new-todo', name: 'title', type: 'text',
    autocomplete: 'off', required: true, value: d.newTodo || '',
    oninput: () => saveDraft({ newTodo: input.value }) }));
  /** @type {Page} */
  const p = { ctx, input };
  p.addForm = /** @type {HTMLFormElement} */ (h('form', { class: 'add', novalidate: true, onsubmit: submitter(adding(p)) },
    h('label', { for: 'new-todo' }, t('newTodo')),
    h('div', { class: 'row' }, input, h('button', { type: 'submit', class: 'primary' }, t('add'))),
    alertBox('add-error')));
  p.status = h('p', { class: 'status', role: 'status' });
  p.listError = alertBox('list-error');
  p.ul = h('ul', { class: 'todos', id: 'todos', 'aria-labelledby': 'todos-h' });
  p.empty = h('p', { class: 'empty', hidden: true }, t('empty'));
  p.more = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'more', hidden: true,
    onclick: () => onMore(p) }, t('loadMore')));
  p.section = h('section', { class: 'card wide' }, heading(t('todosTitle'), 'todos-h'),
    p.addForm, p.listError, p.status, p.ul, p.empty, p.more);
  p.actions = {
    toggle: (id, box) => onToggle(p, id, box),
    edit: (id) => startEdit(p, id),
    cancel: (id) => stopEdit(p, id),
    save: (id, form, edit, ev) => submitForm(form, ev, saving(p, id, edit)),
    remove: (id) => onDelete(p, id),
  };
  return p;
}

/** view is the <li> for item: its edit form while it is being edited. */
function view(p, item) {
  if (list.editing === item.id) return editView(item, drafts(), p.actions);
  return itemView(item, p.actions);
}

/** draw redraws the whole list from the state. */
function draw(p) {
  p.ul.replaceChildren(...list.items.map((item) => view(p, item)));
  p.ul.setAttribute('aria-busy', list.loaded ? 'false' : 'true');
  p.empty.hidden = !list.loaded || list.items.length > 0;
  p.more.hidden = !list.nextCursor;
}

function rowOf(p, id) {
  return p.ul.querySelector(`li[data-id="${CSS.escape(id)}"]`);
}

/** redraw replaces the <li> of the todo with id by one drawn from the state. */
function redraw(p, id) {
  const item = S.findItem(list, id);
  const old = rowOf(p, id);
  if (!item) return old;
  const li = view(p, item);
  if (old) old.replaceWith(li);
  return li;
}

function say(p, text) {
  p.status.textContent = text;
}

/** fail shows a list-wide error; true when it was a refused token (already handled). */
function fail(p, e) {
  if (e === UNAUTHORIZED) return true;
  p.listError.textContent = messageFor(e instanceof ApiError ? e : null);
  p.listError.hidden = false;
  return false;
}

function call(p, fn) {
  return authed(fn, p.ctx.leave);
}

/** load fetches a page (the first when cursor is null); it resolves to the todos it added, or null. */
async function load(p, cursor, user) {
  p.listError.hidden = true;
  try {
    const page = await call(p, () => p.ctx.client.list(S.PAGE_SIZE, cursor));
    const merged = S.mergePage(list, page, { append: cursor !== null, owner: user });
    list = merged.list;
    return merged.fresh;
  } catch (e) {
    list = S.loadFailed(list);
    fail(p, e);
    return null;
  }
}

async function firstLoad(p, user) {
  await load(p, null, user);
  if (!getSession() || !p.section.isConnected) return;
  p.status.textContent = '';
  const resumed = S.resumeEdit(list, drafts().edit);
  list = resumed.list;
  if (resumed.lost) {
    // The todo is gone or on a later page: keep the text as a new todo.
    p.input.value = [p.input.value, drafts().edit.title].filter(Boolean).join(' ');
    saveDraft({ edit: null, newTodo: p.input.value });
    say(p, t('editLost'));
  }
  draw(p);
  const edit = list.editing && p.ul.querySelector('li.editing input');
  if (edit) edit.focus();
}

async function onMore(p) {
  p.more.disabled = true;
  const fresh = await load(p, list.nextCursor, getSession()?.user.id);
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
    read: () => p.input.value.trim(),
    check: (title) => !validTitle(title) && ['badTitle', 'title'],
    send: async (title) => {
      const pending = drafts().pendingAdd;
      const key = pending && pending.title === title ? pending.key : newKey();
      saveDraft({ newTodo: p.input.value, pendingAdd: { title, key } });
      const created = await addOnce(p, title, key);
      list = S.addItem(list, created);
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

async function onToggle(p, id, box) {
  p.listError.hidden = true;
  const want = box.checked;
  box.disabled = true;
  try {
    list = S.replaceItem(list, await call(p, () => p.ctx.client.update(id, { done: want })));
  } catch (e) {
    if (fail(p, e)) return;
    if (e instanceof ApiError && e.code === CODES.NOT_FOUND) return removeRow(p, id);
  }
  const li = redraw(p, id);
  if (li) li.querySelector('input[type="checkbox"]').focus();
}

function startEdit(p, id) {
  const item = S.findItem(list, id);
  if (!item) return;
  list = S.startEditing(list, id);
  saveDraft({ edit: { id, title: item.title } });
  const edit = redraw(p, id).querySelector('input');
  edit.focus();
  edit.select();
}

function stopEdit(p, id) {
  list = S.stopEditing(list);
  saveDraft({ edit: null });
  const li = redraw(p, id);
  if (li) li.querySelector('button').focus();
}

/** saving is the submission of the edit form of the todo with id. */
function saving(p, id, edit) {
  return {
    read: () => edit.value.trim(),
    check: (title) => !validTitle(title) && ['badTitle', 'title'],
    send: async (title) => {
      const item = S.findItem(list, id);
      if (!item || title === item.title) return stopEdit(p, id);
      list = S.replaceItem(list, await call(p, () => p.ctx.client.update(id, { title })));
      stopEdit(p, id);
    },
    fail: (e) => {
      if (!(e instanceof ApiError && e.code === CODES.NOT_FOUND)) return { field: 'title' };
      removeRow(p, id);
      return null;
    },
  };
}

/** removeRow drops a todo from the state and the page, moving focus to a neighbour. */
function removeRow(p, id) {
  const li = rowOf(p, id);
  const next = li && (li.nextElementSibling || li.previousElementSibling);
  if (list.editing === id) saveDraft({ edit: null });
  list = S.removeItem(list, id);
  if (li) li.remove();
  p.empty.hidden = list.items.length > 0;
  const focus = next && next.querySelector('input, button');
  (focus || p.input).focus();
}

async function onDelete(p, id) {
  p.listError.hidden = true;
  const item = S.findItem(list, id);
  if (!item) return;
  try {
    await call(p, () => p.ctx.client.remove(id));
  } catch (e) {
    if (fail(p, e)) return;
    if (!(e instanceof ApiError && e.code === CODES.NOT_FOUND)) return;
  }
  removeRow(p, id);
  say(p, t('deleted', { title: item.title }));
}
