// #/signup (?deleted=1 after the account was deleted): e-mail, password and
// name; on success, #/check-mail.

import { passwordProblem, validEmail } from '../check.js';
import { PASSWORD_MIN } from '../constants.js';
import { alertBox, busy, clearError, control, field, h, heading, showError, val } from '../dom.js';
import { t } from '../locale.js';
import { keepSignupPassword } from '../pending.js';
import { rememberEmail, rememberedEmail } from '../session.js';

/**
 * @param {import('../router.js').Context} ctx
 * @param {URLSearchParams} params ?deleted=1 after the account was deleted
 */
export function viewSignup(ctx, params) {
  const form = h('form', { novalidate: true, onsubmit: (ev) => onSubmit(ctx, form, ev) },
    field({ id: 'email', label: t('email'), type: 'email', autocomplete: 'email', required: true, value: rememberedEmail(),
      error: true }),
    // No maxlength: a longer pasted password would be cut short without a
    // word; the check below says it is too long instead.
    field({ id: 'password', label: t('password'), type: 'password', autocomplete: 'new-password', required: true,
      minlength: PASSWORD_MIN, hint: t('passwordHint'), error: true }),
    field({ id: 'name', label: t('name'), autocomplete: 'name', maxlength: 100, hint: t('optional'), error: true }),
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

async function onSubmit(ctx, form, ev) {
  ev.preventDefault();
  clearError(form);
  const email = val(form, 'email').trim();
  const password = val(form, 'password');
  const name = val(form, 'name').trim();
  if (!email) return showError(form, t('needEmail'), 'email');
  if (!validEmail(email)) return showError(form, t('badEmail'), 'email');
  const problem = passwordProblem(password);
  if (problem) return showError(form, t(problem === 'short' ? 'passwordShort' : 'passwordLong'), 'password');
  busy(form, true);
  try {
    await ctx.client.register(email, password, name);
    rememberEmail(email);
    keepSignupPassword(email, password);
    ctx.go('#/check-mail');
  } catch (e) {
    busy(form, false);
    showError(form, e);
  }
}
