// #/signup (?deleted=1 after the account was deleted): e-mail, password and
// name; on success, #/check-mail.

import { validEmail, validName } from '../check.js';
import { alertBox, control, field, h, heading, val } from '../dom.js';
import { passwordCheck, submitter } from '../form.js';
import { PASSWORD_MIN } from '../limits.js';
import { t } from '../locale.js';
import { keepSignupPassword } from '../pending.js';
import { rememberEmail, rememberedEmail } from '../session.js';

/**
 * @param {import('../router.js').Context} ctx
 * @param {URLSearchParams} params ?deleted=1 after the account was deleted
 */
export function viewSignup(ctx, params) {
  const form = h('form', { novalidate: true, onsubmit: submitter(signUp(ctx)) },
    field({ id: 'email', label: t('email'), type: 'email', autocomplete: 'email', required: true, value: rememberedEmail(),
      error: true }),
    // No maxlength: a longer pasted password would be cut short without a
    // word; the check below says it is too long instead.
    field({ id: 'password', label: t('password'), type: 'password', autocomplete: 'new-password', required: true,
      minlength: PASSWORD_MIN, hint: t('passwordHint'), error: true }),
    // No maxlength either: the browser counts UTF-16 units, the API code
    // points (validName counts as the API does).
    field({ id: 'name', label: t('name'), autocomplete: 'name', hint: t('optional'), error: true }),
    alertBox('signup-error'),
    h('button', { type: 'submit', class: 'primary' }, t('signup')));
  return {
    title: t('signupTitle'),
    focus: control(form, 'email'),
    el: h('section', { class: 'card' }, heading(t('signupTitle')),
      params.get('deleted') ? h('p', { class: 'notice ok', role: 'status' }, t('accountDeleted')) : null, form,
      h('p', { class: 'aside' }, t('signupHave'), ' ', h('a', { href: '#/login' }, t('navLogin'))),
      h('p', { class: 'aside' }, t('signupCode'), ' ', h('a', { href: '#/verify' }, t('enterCode')))),
  };
}

/** signUp is the form's submission. */
function signUp(ctx) {
  return {
    read: (form) => ({ email: val(form, 'email').trim(), password: val(form, 'password'), name: val(form, 'name').trim() }),
    check: ({ email, password, name }) => (!email && ['needEmail', 'email']) || (!validEmail(email) && ['badEmail', 'email']) ||
      passwordCheck(password) || (!validName(name) && ['field_name', 'name']),
    send: async ({ email, password, name }) => {
      await ctx.client.register(email, password, name);
      rememberEmail(email);
      keepSignupPassword(email, password);
      ctx.go('#/check-mail');
    },
  };
}
