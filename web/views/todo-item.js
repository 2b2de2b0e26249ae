// One todo's row on the list: its checkbox, title and buttons; while it is
// being edited, its edit form; while a change of ours to it waits for the
// user's choice (the API refused it: the todo changed on another device),
// the two versions and that choice. The list page hands in what the
// controls do.

import { alertBox, h } from '../dom.js';
import { t } from '../locale.js';
import { saveDraft } from '../session.js';

/**
 * Actions are the list page's handlers, by todo id.
 * @typedef {{
 *   toggle: (id: string, box: HTMLInputElement) => void,
 *   edit: (id: string) => void,
 *   cancel: (id: string) => void,
 *   save: (id: string, form: HTMLFormElement, edit: HTMLInputElement, ev: Event) => void,
 *   remove: (id: string) => void,
 *   keepMine: (id: string) => void,
 *   keepTheirs: (id: string) => void,
 * }} Actions
 */

/**
 * itemView is a todo's row: the checkbox, named by the title; the title,
 * which a double-click opens for editing (it is no <label>, so a click on
 * it does not tick the todo); Edit and Delete, described by the title.
 * @param {import('../state.js').Todo} item
 * @param {Actions} on
 */
export function itemView(item, on) {
  const titleId = `l-${item.id}`;
  const box = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: `t-${item.id}`, checked: item.done,
    'aria-labelledby': titleId, onchange: () => on.toggle(item.id, box) }));
  return h('li', { class: item.done ? 'todo done' : 'todo', 'data-id': item.id },
    box,
    h('span', { id: titleId, class: 'todo-title', ondblclick: () => on.edit(item.id) }, item.title),
    h('span', { class: 'todo-actions' },
      h('button', { type: 'button', class: 'edit-button', 'aria-describedby': titleId, onclick: () => on.edit(item.id) },
        t('edit')),
      h('button', { type: 'button', class: 'danger', 'aria-describedby': titleId, onclick: () => on.remove(item.id) },
        t('delete'))));
}

/**
 * editView is the row of the todo being edited: its title in a form with
 * Save and Cancel. Enter (or Save) saves, and so does leaving the form
 * (blur: focus moving anywhere outside it); Escape (or Cancel) cancels.
 * The text typed so far is kept in the drafts, and drawn from them.
 * @param {import('../state.js').Todo} item
 * @param {{edit?: {id: string, title: string}}} d the drafts
 * @param {Actions} on
 */
export function editView(item, d, on) {
  const id = `e-${item.id}`;
  const text = d.edit && d.edit.id === item.id ? d.edit.title : item.title;
  // No maxlength: the browser counts UTF-16 units, the API code points.
  const edit = /** @type {HTMLInputElement} */ (h('input', { id, name: 'title', type: 'text',
    required: true, value: text, autocomplete: 'off',
    oninput: () => saveDraft({ edit: { id: item.id, title: edit.value } }),
    onkeydown: (ev) => {
      if (ev.key !== 'Escape') return;
      ev.preventDefault();
      on.cancel(item.id);
    } }));
  const form = /** @type {HTMLFormElement} */ (h('form', { class: 'edit', novalidate: true,
    onsubmit: (ev) => on.save(item.id, form, edit, ev),
    onfocusout: (ev) => {
      // Focus moving to Save or Cancel stays in the form; a row redrawn
      // (saved, cancelled) has left the page and saves nothing.
      const to = /** @type {Node|null} */ (ev.relatedTarget);
      if (!form.isConnected || (to && form.contains(to))) return;
      on.save(item.id, form, edit, ev);
    } },
    h('label', { for: id }, t('title')),
    h('div', { class: 'row' }, edit,
      h('button', { type: 'submit', class: 'primary' }, t('save')),
      h('button', { type: 'button', onclick: () => on.cancel(item.id) }, t('cancel'))),
    alertBox(`${id}-error`)));
  return h('li', { class: 'todo editing', 'data-id': item.id }, form);
}

/** stateText says whether a todo is done, for the conflict's lines. */
function stateText(done) {
  return t(done ? 'conflictDone' : 'conflictActive');
}

/**
 * conflictView is the row of a todo whose change of ours the API refused
 * because it changed on another device: their version (its text and
 * state), ours, and the choice. Keep mine sends ours again over theirs
 * (If-Match with their version); Keep theirs shows theirs. Both buttons
 * are described by the two versions.
 * @param {import('../state.js').Todo} item the todo as we had it
 * @param {import('../state.js').Conflict} c
 * @param {Actions} on
 */
export function conflictView(item, c, on) {
  const base = `c-${item.id}`;
  const mineTitle = c.mine.title !== undefined ? c.mine.title : item.title;
  const mineDone = c.mine.done !== undefined ? c.mine.done : item.done;
  const mine = c.mine.remove ? t('conflictMineDelete') : `${t('conflictMine', { title: mineTitle })} ${stateText(mineDone)}`;
  const described = `${base}-theirs ${base}-mine`;
  return h('li', { class: 'todo conflict', 'data-id': item.id },
    h('div', { class: 'conflict-box', role: 'group', 'aria-labelledby': `${base}-h` },
      h('p', { class: 'conflict-title', id: `${base}-h` }, t('conflictTitle')),
      h('p', { id: `${base}-theirs` }, `${t('conflictTheirs', { title: c.theirs.title })} ${stateText(c.theirs.done)}`),
      h('p', { id: `${base}-mine` }, mine),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'primary keep-mine', 'aria-describedby': described,
          onclick: () => on.keepMine(item.id) }, t('keepMine')),
        h('button', { type: 'button', class: 'keep-theirs', 'aria-describedby': described,
          onclick: () => on.keepTheirs(item.id) }, t('keepTheirs')))));
}
