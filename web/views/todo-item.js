// One todo's row on the list: its checkbox, title and buttons, or, while
// it is being edited, its edit form. The list page hands in what the
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
 * }} Actions
 */

/**
 * itemView is a todo's row: the checkbox labelled by the title, Edit and
 * Delete (described by the title).
 * @param {import('../state.js').Todo} item
 * @param {Actions} on
 */
export function itemView(item, on) {
  const boxId = `t-${item.id}`;
  const labelId = `l-${item.id}`;
  const box = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: boxId, checked: item.done,
    onchange: () => on.toggle(item.id, box) }));
  return h('li', { class: item.done ? 'todo done' : 'todo', 'data-id': item.id },
    box,
    h('label', { for: boxId, id: labelId, class: 'todo-title' }, item.title),
    h('span', { class: 'todo-actions' },
      h('button', { type: 'button', 'aria-describedby': labelId, onclick: () => on.edit(item.id) }, t('edit')),
      h('button', { type: 'button', class: 'danger', 'aria-describedby': labelId, onclick: () => on.remove(item.id) },
        t('delete'))));
}

/**
 * editView is the row of the todo being edited: its title in a form with
 * Save and Cancel; Escape cancels. The text typed so far is kept in the
 * drafts, and drawn from them.
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
    onsubmit: (ev) => on.save(item.id, form, edit, ev) },
    h('label', { for: id }, t('title')),
    h('div', { class: 'row' }, edit,
      h('button', { type: 'submit', class: 'primary' }, t('save')),
      h('button', { type: 'button', onclick: () => on.cancel(item.id) }, t('cancel'))),
    alertBox(`${id}-error`)));
  return h('li', { class: 'todo editing', 'data-id': item.id }, form);
}
