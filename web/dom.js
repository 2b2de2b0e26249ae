// DOM helpers shared by the views: building elements, labelled fields and
// the forms' error lines. Nothing here runs at import time.

import { ApiError } from './api.js';
import { messageFor } from './locale.js';

/**
 * h builds an element: h('button', {type: 'submit', onclick: f}, 'Save').
 * Props starting with "on" are listeners; others are attributes, except
 * value/checked which are set as properties. Children are nodes or text.
 * @param {string} tag
 * @param {Record<string, any>} [props]
 * @param {...any} children
 */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/**
 * field is a labelled input with an optional hint below it, shown from the
 * start, and (with error set) its own error line below that, for
 * showError; the input is described by both.
 */
export function field({ id, label, type = 'text', hint, error = false, ...attrs }) {
  const hintId = hint ? `${id}-hint` : null;
  const errorId = error ? `${id}-error` : null;
  const described = [hintId, errorId].filter(Boolean).join(' ') || null;
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, name: id, type, 'aria-describedby': described, ...attrs }),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    error ? h('p', { class: 'error', id: errorId, role: 'alert', hidden: true }) : null);
}

/** heading is the page's h1, focusable so a new page can take focus. */
export function heading(text, id) {
  return h('h1', { tabindex: '-1', id }, text);
}

/** alertBox is the form's error line: role="alert", hidden while empty. */
export function alertBox(id) {
  return h('p', { class: 'error', id, role: 'alert', hidden: true });
}

function clearInvalid(form) {
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/**
 * showError marks (and focuses) the field at fault - the API's field, else
 * fallbackField - and puts err's text under it when it has its own error
 * line (see field), else in the form's alert.
 * @param {HTMLFormElement} form
 * @param {unknown} err an ApiError, or the text itself
 * @param {string} [fallbackField]
 */
export function showError(form, err, fallbackField) {
  clearError(form);
  const name = (err instanceof ApiError && err.field) || fallbackField;
  const input = name ? form.querySelector(`[name="${CSS.escape(name)}"], [data-field="${CSS.escape(name)}"]`) : null;
  const own = input && input.id ? form.querySelector(`#${CSS.escape(input.id)}-error`) : null;
  const box = own || [...form.querySelectorAll('[role="alert"]')].find((b) => !b.parentElement.classList.contains('field'));
  box.textContent = messageFor(err);
  box.hidden = false;
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

/** clearError empties the form's alerts and unmarks its fields. */
export function clearError(form) {
  for (const box of form.querySelectorAll('[role="alert"]')) {
    box.textContent = '';
    box.hidden = true;
  }
  clearInvalid(form);
}

/** busy disables a form's buttons while a request runs. */
export function busy(form, on) {
  form.setAttribute('aria-busy', on ? 'true' : 'false');
  for (const b of form.querySelectorAll('button')) b.disabled = on;
}

/**
 * control returns the form's control called name.
 * @returns {HTMLInputElement}
 */
export function control(form, name) {
  return /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
}

/** val is the value of the form's control called name. */
export function val(form, name) {
  return control(form, name).value;
}
