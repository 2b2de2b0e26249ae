// #/password (change the password: every other session ends, this one
// stays) and #/delete-account (delete the account and its todos, for good).
// Both ask for the current password; a wrong one is a 401
// invalid_credentials on the password field, which is not a refused token.

import { ApiError } from '../api.js';
import { passwordProblem } from '../check.js';
import { PASSWORD_MIN } from '../constants.js';
import { alertBox, busy, clearError, control, field, h, heading, showError, val } from '../dom.js';
import { authed, UNAUTHORIZED } from '../keeper.js';
import { t } from '../locale.js';

/** The current-password field; the API names it "password" when it is wrong. */
function currentField() {
  return field({ id: 'current-password', label: t('currentPassword'), type: 'password', autocomplete: 'current-password',
    required: true, error: true, 'data-field': 'current' });
}

/** wrongPassword is true for the API's answer to a wrong current password. */
function wrongPassword(e) {
  return e instanceof ApiError && e.code === 'invalid_credentials';
}

/** @param {import('../router.js').Context} ctx */
export function viewChangePassword(ctx) {
  const done = h('div', { hidden: true },
    h('p', { class: 'notice ok', role: 'status' }, t('passwordChanged')),
    h('p', { class: 'actions' }, h('a', { href: '#/todos', class: 'button primary' }, t('backToTodos'))));
  const form = h('form', { novalidate: true, onsubmit: (ev) => onChange(ctx, form, done, ev) },
    currentField(),
    field({ id: 'new-password', label: t('newPassword'), type: 'password', autocomplete: 'new-password', required: true,
      minlength: PASSWORD_MIN, hint: t('passwordHint'), error: true, 'data-field': 'password' }),
    alertBox('password-error'),
    h('p', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, t('changePassword')),
      h('a', { href: '#/todos', class: 'button' }, t('cancel'))));
  return {
    title: t('changePassword'),
    focus: control(form, 'current-password'),
    el: h('section', { class: 'card' }, heading(t('changePassword')), h('p', { class: 'intro' }, t('changeText')), form, done),
  };
}

async function onChange(ctx, form, done, ev) {
  ev.preventDefault();
  clearError(form);
  const current = val(form, 'current-password');
  const next = val(form, 'new-password');
  if (!current) return showError(form, t('needPassword'), 'current');
  const problem = passwordProblem(next);
  if (problem) return showError(form, t(problem === 'short' ? 'passwordShort' : 'passwordLong'), 'password');
  busy(form, true);
  try {
    await authed(() => ctx.client.changePassword(current, next), ctx.leave);
  } catch (e) {
    if (e === UNAUTHORIZED) return;
    busy(form, false);
    if (wrongPassword(e)) return showError(form, t('wrongPassword'), 'current');
    return showError(form, e);
  }
  form.hidden = true;
  /** @type {HTMLElement} */ (form.parentElement.querySelector('.intro')).hidden = true;
  done.hidden = false;
  /** @type {HTMLElement} */ (done.querySelector('a')).focus();
}

/** @param {import('../router.js').Context} ctx */
export function viewDeleteAccount(ctx) {
  const form = h('form', { novalidate: true, onsubmit: (ev) => onDelete(ctx, form, ev) },
    currentField(),
    alertBox('delete-error'),
    h('p', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary danger-fill' }, t('deleteAccount')),
      h('a', { href: '#/todos', class: 'button' }, t('cancel'))));
  return {
    title: t('deleteAccount'),
    focus: control(form, 'current-password'),
    el: h('section', { class: 'card' }, heading(t('deleteAccount')),
      h('p', { class: 'notice warn' }, t('deleteWarning')), form),
  };
}

async function onDelete(ctx, form, ev) {
  ev.preventDefault();
  clearError(form);
  const password = val(form, 'current-password');
  if (!password) return showError(form, t('needPassword'), 'current');
  busy(form, true);
  try {
    await authed(() => ctx.client.deleteAccount(password), ctx.leave);
  } catch (e) {
    if (e === UNAUTHORIZED) return;
    busy(form, false);
    if (wrongPassword(e)) return showError(form, t('wrongPassword'), 'current');
    return showError(form, e);
  }
  ctx.finish('#/signup?deleted=1');
}
