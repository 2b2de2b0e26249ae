// The list page's shared parts: the list's state (one for the app, kept
// across language switches and filter changes, not reloads), the page's
// elements, and drawing them from the state. todos.js builds and loads the
// page, todo-edits.js changes todos, todo-footer.js draws the footer; all
// change the state through state.js, then draw.

import { ApiError } from '../api.js';
import { drafts, saveDraft } from '../session.js';
import { messageFor, t } from '../locale.js';
import { UNAUTHORIZED, authed } from '../keeper.js';
import * as S from '../state.js';
import { conflictView, editView, itemView } from './todo-item.js';
import { drawFooter } from './todo-footer.js';

/** The list shown, or being loaded. @type {S.ListState} */
let list = S.emptyList();

/** getList is the list's state now. */
export function getList() {
  return list;
}

/** setList makes next the list's state (draw to show it). @param {S.ListState} next */
export function setList(next) {
  list = next;
}

/**
 * Page is one drawing of the list page: its elements and its context.
 * @typedef {{
 *   ctx: import('../router.js').Context,
 *   filter: S.Filter,
 *   section: HTMLElement, input: HTMLInputElement, addForm: HTMLFormElement,
 *   status: import('../notice.js').Notice, listError: HTMLElement, ul: HTMLElement,
 *   empty: HTMLElement, more: HTMLButtonElement, actions: import('./todo-item.js').Actions,
 *   footer: import('./todo-footer.js').Footer,
 * }} Page
 */

/** rowOf is the <li> of the todo with id, or null. */
export function rowOf(p, id) {
  return p.ul.querySelector(`li[data-id="${CSS.escape(id)}"]`);
}

/** view is the <li> for item: its conflict, or its edit form while it is edited, else its row. */
function view(p, item) {
  if (list.conflict && list.conflict.id === item.id) return conflictView(item, list.conflict, p.actions);
  if (list.editing === item.id) return editView(item, drafts(), p.actions);
  return itemView(item, p.actions);
}

/** emptyText is what an empty list says: for the filter, unless the user has no todos at all. */
function emptyText(p) {
  if (p.filter === 'active' && S.total(list)) return t('emptyActive');
  if (p.filter === 'completed' && S.total(list)) return t('emptyCompleted');
  return t('empty');
}

/** draw redraws the whole list and what is around it from the state. */
export function draw(p) {
  p.ul.replaceChildren(...list.items.map((item) => view(p, item)));
  p.ul.setAttribute('aria-busy', list.loaded ? 'false' : 'true');
  drawAround(p);
}

/** drawAround redraws what is around the rows: the empty note, Load more and the footer. */
function drawAround(p) {
  p.empty.textContent = emptyText(p);
  p.empty.hidden = !list.loaded || list.items.length > 0;
  p.more.hidden = !list.nextCursor;
  drawFooter(p.footer, list, p.ctx.config);
}

/** redraw replaces the <li> of the todo with id by one drawn from the state, and the footer. */
export function redraw(p, id) {
  drawFooter(p.footer, list, p.ctx.config);
  const item = S.findItem(list, id);
  const old = rowOf(p, id);
  if (!item) return old;
  const li = view(p, item);
  if (old) old.replaceWith(li);
  return li;
}

/** say puts text on the status line, which clears itself (see notice.js). */
export function say(p, text) {
  p.status.say(text);
}

/**
 * quiet hides every error on the page but keep (one error at a time: a new
 * one replaces the last, wherever that was).
 * @param {Page} p
 * @param {Element|null} [keep]
 */
export function quiet(p, keep = null) {
  for (const box of p.section.querySelectorAll('[role="alert"]')) {
    if (box === keep) continue;
    box.textContent = '';
    /** @type {HTMLElement} */ (box).hidden = true;
  }
  // The fields an error marked lose the mark with it.
  const form = keep && keep.closest('form');
  for (const el of p.section.querySelectorAll('[aria-invalid]')) {
    if (!form || !form.contains(el)) el.removeAttribute('aria-invalid');
  }
}

/** fail shows a list-wide error, the page's only one; true when it was a refused token (already handled). */
export function fail(p, e) {
  if (e === UNAUTHORIZED) return true;
  quiet(p, p.listError);
  p.listError.textContent = messageFor(e instanceof ApiError ? e : null);
  p.listError.hidden = false;
  return false;
}

/** call runs an API call with the session's token (see authed). */
export function call(p, fn) {
  return authed(fn, p.ctx.leave);
}

/** focusRow focuses the first control of the todo with id's row, or the new-todo field. */
export function focusRow(p, id, selector = 'input, button') {
  const li = rowOf(p, id);
  const el = li && li.querySelector(selector);
  (el || p.input).focus();
}

/** removeRow drops a todo from the page (the state already or now without it), moving focus to a neighbour. */
export function removeRow(p, id) {
  const li = rowOf(p, id);
  const next = li && (li.nextElementSibling || li.previousElementSibling);
  if (list.editing === id) saveDraft({ edit: null });
  list = S.removeItem(list, id);
  leaveRow(p, li, next);
}

/** dropRow takes away a row whose todo the filter no longer shows (the state is already without it). */
export function dropRow(p, id) {
  const li = rowOf(p, id);
  leaveRow(p, li, li && (li.nextElementSibling || li.previousElementSibling));
}

function leaveRow(p, li, next) {
  if (li) li.remove();
  drawAround(p);
  const id = next && next.getAttribute('data-id');
  if (id) focusRow(p, id);
  else p.input.focus();
}
