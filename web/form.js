// The one way a view submits a form: read the values, check them as the
// API will (the first problem shows, on its field), then send with the form
// busy (aria-busy, buttons disabled) and show a failure as one error, on
// the API's `field` when it names one. Every view with a form uses it.
// Nothing here runs at import time.

import { passwordProblem } from './check.js';
import { busy, clearError, showError } from './dom.js';
import { UNAUTHORIZED } from './keeper.js';
import { t } from './locale.js';

/**
 * A Problem is what a check found: the message key (messages.js) and the
 * field to mark, by its name or data-field.
 * @typedef {[key: string, field?: string]} Problem
 */

/**
 * A Failure is how a view wants an error shown: null when it has handled
 * it (nothing more is shown); {field} to mark that field when the API
 * named none; {key, field} to show the message key instead of the API's
 * sentence. Undefined shows the error as it is.
 * @typedef {null|undefined|{key?: string, field?: string}} Failure
 */

/**
 * Submit says what a form does.
 * @template V
 * @typedef {{
 *   read: (form: HTMLFormElement) => V,
 *   check?: (v: V) => Problem|null|undefined|false|'',
 *   send: (v: V, form: HTMLFormElement) => Promise<unknown>,
 *   fail?: (e: unknown, v: V) => Failure,
 * }} Submit
 */

/**
 * submitter returns the form's submit listener for spec: see submitForm.
 * @template V
 * @param {Submit<V>} spec
 * @returns {(ev: SubmitEvent) => Promise<void>}
 */
export function submitter(spec) {
  return (ev) => submitForm(/** @type {HTMLFormElement} */ (ev.currentTarget), ev, spec);
}

/**
 * submitForm runs one submission of form. A form already sending ignores
 * the submit (Enter pressed twice sends once). The errors of the last try
 * go; spec.check's first problem shows on its field, and nothing is sent;
 * else spec.send runs with the form busy. A refused session (UNAUTHORIZED:
 * the keeper has already sent the user to log in) shows nothing and leaves
 * the form busy, as the page is going; any other failure ends the busy
 * state and shows as spec.fail says (see Failure). It resolves once all
 * is shown.
 * @template V
 * @param {HTMLFormElement} form
 * @param {Event} ev
 * @param {Submit<V>} spec
 */
export async function submitForm(form, ev, { read, check, send, fail }) {
  ev.preventDefault();
  if (form.getAttribute('aria-busy') === 'true') return;
  clearError(form);
  const v = read(form);
  const problem = check && check(v);
  if (problem) return showError(form, t(problem[0]), problem[1]);
  busy(form, true);
  try {
    await send(v, form);
  } catch (e) {
    if (e === UNAUTHORIZED) return;
    busy(form, false);
    const how = fail ? fail(e, v) : undefined;
    if (how === null) return;
    showError(form, how && how.key ? t(how.key) : e, how ? how.field : undefined);
    return;
  }
  busy(form, false);
}

/**
 * passwordCheck is the problem with a new password's length, on field
 * (the one place the views turn passwordProblem into a message).
 * @param {string} password
 * @param {string} [field]
 * @returns {Problem|null}
 */
export function passwordCheck(password, field = 'password') {
  const key = passwordProblem(password);
  return key ? [key, field] : null;
}
