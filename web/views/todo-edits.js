// The list page's changes of todos: tick, edit in place (Enter or leaving
// the field saves, Escape cancels, an emptied title deletes), delete, the
// conflicts a change meets when the todo changed on another device, and
// the changes of many todos at once (mark all, clear completed). Every
// change of one todo names the version it was made on (If-Match): a
// stale one is refused with 412 and the todo as it is now, shown as a
// conflict (todo-item.js's conflictView) until the user keeps one.

import { ApiError, untilDone } from '../api.js';
import { validTitle } from '../check.js';
import { submitForm } from '../form.js';
import { t, tn } from '../locale.js';
import { CODES } from '../limits.js';
import { UNAUTHORIZED } from '../keeper.js';
import { saveDraft } from '../session.js';
import * as S from '../state.js';
import { call, dropRow, fail, focusRow, getList, quiet, redraw, removeRow, rowOf, say, setList } from './todo-page.js';

/** @typedef {import('./todo-page.js').Page} Page */

/** stale is the todo as it is now when e is a 412 (changed elsewhere), else null. */
function stale(e) {
  return e instanceof ApiError && e.code === CODES.PRECONDITION_FAILED && e.current ? e.current : null;
}

function gone(e) {
  return e instanceof ApiError && e.code === CODES.NOT_FOUND;
}

/** conflict shows a change of ours the API refused (theirs is the todo now), focusing Keep mine. */
function conflict(p, id, mine, theirs) {
  setList(S.openConflict(getList(), id, mine, theirs));
  saveDraft({ edit: null });
  quiet(p);
  redraw(p, id);
  focusRow(p, id, '.keep-mine');
}

/**
 * settled shows the API's version of a todo after a change; a todo the
 * filter no longer shows leaves the page, focus going to a neighbour.
 */
function settled(p, item, focus) {
  const before = getList();
  setList(S.replaceItem(before, item));
  if (!S.findItem(getList(), item.id) && S.findItem(before, item.id)) return dropRow(p, item.id);
  redraw(p, item.id);
  if (focus) focusRow(p, item.id, focus);
}

/** onToggle sends the checkbox's new state, made on the version shown. */
export async function onToggle(p, id, box) {
  quiet(p);
  const item = S.findItem(getList(), id);
  if (!item) return;
  const want = box.checked;
  box.disabled = true;
  try {
    const now = await call(p, () => p.ctx.client.update(id, { done: want }, item.version));
    return settled(p, now, 'input[type="checkbox"]');
  } catch (e) {
    if (stale(e)) return conflict(p, id, { done: want }, stale(e));
    if (fail(p, e)) return;
    if (gone(e)) return removeRow(p, id);
  }
  redraw(p, id);
  focusRow(p, id, 'input[type="checkbox"]');
}

/** startEdit opens the todo's edit form, its text selected. */
export function startEdit(p, id) {
  const list = getList();
  const item = S.findItem(list, id);
  if (!item || list.editing === id) return;
  if (list.editing) stopEdit(p, list.editing, false);
  setList(S.startEditing(getList(), id));
  saveDraft({ edit: { id, title: item.title } });
  const edit = redraw(p, id).querySelector('input');
  edit.focus();
  edit.select();
}

/** focusInRow is true while focus is in the row of the todo with id. */
function focusInRow(p, id) {
  const row = rowOf(p, id);
  return !!row && row.contains(document.activeElement);
}

/** stopEdit closes the edit form (what was typed is dropped), focus back on Edit. */
export function stopEdit(p, id, focus = true) {
  setList(S.stopEditing(getList()));
  saveDraft({ edit: null });
  redraw(p, id);
  if (focus) focusRow(p, id, '.edit-button');
}

/**
 * save is the edit form's submission (Enter, Save, or focus leaving the
 * form), once per edit: a form left as the row is redrawn saves nothing.
 */
export function save(p, id, form, edit, ev) {
  if (getList().editing !== id) return;
  submitForm(form, ev, saving(p, id, edit));
}

/** saving is the submission of the edit form of the todo with id; an emptied title deletes the todo. */
function saving(p, id, edit) {
  return {
    read: () => {
      quiet(p);
      return edit.value.trim();
    },
    check: (title) => title !== '' && !validTitle(title) && ['badTitle', 'title'],
    send: async (title) => {
      const item = S.findItem(getList(), id);
      if (!item) return;
      if (title === '') return onDelete(p, id);
      // Saved by Enter or Save, focus goes back to Edit; saved by leaving
      // the field, it stays where the user moved it.
      if (title === item.title) return stopEdit(p, id, focusInRow(p, id));
      try {
        const now = await call(p, () => p.ctx.client.update(id, { title }, item.version));
        const back = focusInRow(p, id);
        setList(S.stopEditing(getList()));
        saveDraft({ edit: null });
        settled(p, now, back ? '.edit-button' : null);
      } catch (e) {
        if (!stale(e)) throw e;
        conflict(p, id, { title }, stale(e));
      }
    },
    fail: (e) => {
      if (!gone(e)) return { field: 'title' };
      removeRow(p, id);
      return null;
    },
  };
}

/** onDelete deletes the todo, made on the version shown. */
export async function onDelete(p, id) {
  quiet(p);
  const item = S.findItem(getList(), id);
  if (!item) return;
  try {
    await call(p, () => p.ctx.client.remove(id, item.version));
  } catch (e) {
    if (stale(e)) return conflict(p, id, { remove: true }, stale(e));
    if (fail(p, e)) return;
    if (!gone(e)) return;
  }
  removeRow(p, id);
  say(p, t('deleted', { title: item.title }));
}

/** onKeepMine sends our change again, over their version (If-Match: theirs). */
export async function onKeepMine(p, id) {
  const c = getList().conflict;
  if (!c || c.id !== id) return;
  const li = redraw(p, id);
  for (const b of li.querySelectorAll('button')) b.disabled = true;
  try {
    if (c.mine.remove) {
      await call(p, () => p.ctx.client.remove(id, c.theirs.version));
      setList(S.closeConflict(getList()));
      removeRow(p, id);
    } else {
      const now = await call(p, () => p.ctx.client.update(id, c.mine, c.theirs.version));
      setList(S.closeConflict(getList()));
      settled(p, now, 'input[type="checkbox"]');
    }
    say(p, t('keptMine'));
  } catch (e) {
    if (stale(e)) return conflict(p, id, c.mine, stale(e));
    if (fail(p, e)) return;
    if (gone(e)) {
      setList(S.closeConflict(getList()));
      return removeRow(p, id);
    }
    redraw(p, id);
    focusRow(p, id, '.keep-mine');
  }
}

/** onKeepTheirs shows their version and forgets ours. */
export function onKeepTheirs(p, id) {
  const c = getList().conflict;
  if (!c || c.id !== id) return;
  const before = getList();
  setList(S.keepTheirs(before));
  say(p, t('keptTheirs'));
  if (!S.findItem(getList(), id)) return dropRow(p, id);
  redraw(p, id);
  focusRow(p, id, 'input[type="checkbox"]');
}

/**
 * bulk runs one change of many todos (step: one batch of it) to the end,
 * then loads the list again (reload) and says how many changed (key, a
 * counted text). control is disabled meanwhile.
 * @param {Page} p
 * @param {HTMLInputElement|HTMLButtonElement} control
 * @param {() => Promise<any>} step
 * @param {string} key
 * @param {(p: Page) => Promise<void>} reload
 */
async function bulk(p, control, step, key, reload) {
  quiet(p);
  control.disabled = true;
  let changed = 0;
  let failure = null;
  try {
    changed = await untilDone(() => call(p, step));
  } catch (e) {
    if (e === UNAUTHORIZED) return;
    failure = e;
  }
  control.disabled = false;
  // The batches done so far show, failed or not; a repeat finishes the job.
  await reload(p);
  if (failure) fail(p, failure);
  else say(p, tn(key, changed));
}

/** onMarkAll sets every todo's state (PATCH /todos, repeated while more). */
export function onMarkAll(p, done, reload) {
  return bulk(p, p.footer.box, () => p.ctx.client.markAll(done), done ? 'markedDone' : 'markedActive', reload)
    .then(() => p.footer.box.focus());
}

/** onClear deletes the completed todos (DELETE /todos?done=true, repeated while more). */
export async function onClear(p, reload) {
  await bulk(p, p.footer.clear, () => p.ctx.client.clearCompleted(), 'cleared', reload);
  (p.footer.clear.hidden ? p.input : p.footer.clear).focus();
}
