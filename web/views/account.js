// #/password (change the password: every other session ends, this one
// stays) and #/delete-account (delete the account and its todos, for good).
// Both ask for the current password; a wrong one is a 401
// invalid_credentials on the password field, which is not a refused token.

import { ApiError } from '../api.js';
import { alertBox, control, field, h, heading, val } from '../dom.js';
import { passwordCheck, submitter } from '../form.js';
import { authed } from '../keeper.js';
import { CODES, PASSWORD_MIN } from '../limits.js';
import { t } from '../locale.js';
import { forgetAccount } from '../session.js';

/** The current-password field; the API names it "password" when it is wrong. */
function currentField() {
  return field({ id: 'current-password', label: t('currentPassword'), type: 'password', autocomplete: 'current-password',
    required: true, error: true, 'data-field': 'current' });
}

/** wrongPassword shows the API's answer to a wrong current password on its field. */
function wrongPassword(e) {
  return e instanceof ApiError && e.code === CODES.INVALID_CREDENTIALS ? { key: 'wrongPassword', field: 'current' } : undefined;
}

/** @param {import('../router.js').Context} ctx */
export function viewChangePassword(ctx) {
  const done = h('div', { hidden: true },
    h('p', { class: 'notice ok', role: 'status' }, t('passwordChanged')),
    h('p', { class: 'actions' }, h('a', { href: '#/todos', class: 'button primary' }, t('backToTodos'))));
  const form = h('form', { novalidate: true, onsubmit: submitter(change(ctx, done)) },
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

/** change is the password form's submission; done is shown after it. */
function change(ctx, done) {
  return {
    read: (form) => ({ current: val(form, 'current-password'), next: val(form, 'new-password') }),
    check: ({ current, next }) => (!current && ['needPassword', 'current']) || passwordCheck(next),
    send: async ({ current, next }, form) => {
      await authed(() => ctx.client.changePassword(current, next), ctx.leave);
      form.hidden = true;
      /** @type {HTMLElement} */ (form.parentElement.querySelector('.intro')).hidden = true;
      done.hidden = false;
      /** @type {HTMLElement} */ (done.querySelector('a')).focus();
    },
    fail: wrongPassword,
  };
}

/** @param {import('../router.js').Context} ctx */
export function viewDeleteAccount(ctx) {
  const form = h('form', { novalidate: true, onsubmit: submitter(remove(ctx)) },
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

/** remove is the delete form's submission. */
function remove(ctx) {
  return {
    read: (form) => val(form, 'current-password'),
    check: (password) => !password && ['needPassword', 'current'],
    send: async (password) => {
      await authed(() => ctx.client.deleteAccount(password), ctx.leave);
      forgetAccount();
      ctx.finish('#/signup?deleted=1');
    },
    fail: wrongPassword,
  };
}
