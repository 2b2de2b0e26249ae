// #/reset (type the mailed reset code) and #/reset?email=...&code=...
// (where the mailed link lands: both filled in, only the new password is
// left to type). A reset ends every session of the account, this tab's
// too: on success the log-in page shows, with the address filled in.

import { ApiError } from '../api.js';
import { passwordProblem, validCode, validEmail, verifyLink } from '../check.js';
import { PASSWORD_MIN } from '../constants.js';
import { alertBox, busy, clearError, control, field, h, heading, showError, val } from '../dom.js';
import { t } from '../locale.js';
import { rememberEmail, rememberedEmail } from '../session.js';

/**
 * @param {import('../router.js').Context} ctx
 * @param {URLSearchParams} params
 */
export function viewReset(ctx, params) {
  const link = verifyLink(params);
  const form = h('form', { novalidate: true, onsubmit: (ev) => onSubmit(ctx, form, ev) },
    field({ id: 'email', label: t('email'), type: 'email', autocomplete: 'username', required: true,
      value: link.email || rememberedEmail(), error: true }),
    field({ id: 'code', label: t('code'), inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}',
      maxlength: 6, required: true, hint: t('codeHint'), value: link.code, error: true }),
    field({ id: 'new-password', label: t('newPassword'), type: 'password', autocomplete: 'new-password', required: true,
      minlength: PASSWORD_MIN, hint: t('passwordHint'), error: true, 'data-field': 'password' }),
    alertBox('reset-error'),
    h('button', { type: 'submit', class: 'primary' }, t('setPassword')));
  let focus = control(form, 'new-password');
  if (!link.complete) focus = val(form, 'email') ? control(form, 'code') : control(form, 'email');
  return {
    title: t('resetTitle'),
    focus,
    el: h('section', { class: 'card' }, heading(t('resetTitle')),
      link.complete ? h('p', { class: 'notice' }, t('resetFilled')) : null,
      form,
      h('p', { class: 'aside' }, t('resetNoCode'), ' ', h('a', { href: '#/forgot' }, t('newCode')))),
  };
}

async function onSubmit(ctx, form, ev) {
  ev.preventDefault();
  clearError(form);
  const email = val(form, 'email').trim();
  const code = val(form, 'code').replace(/\s+/g, '');
  const password = val(form, 'new-password');
  if (!validEmail(email)) return showError(form, t('badEmail'), 'email');
  if (!validCode(code)) return showError(form, t('badCode'), 'code');
  const problem = passwordProblem(password);
  if (problem) return showError(form, t(problem === 'short' ? 'passwordShort' : 'passwordLong'), 'password');
  busy(form, true);
  try {
    await ctx.client.resetPassword(email, code, password);
    rememberEmail(email);
    ctx.finish('#/login?reset=1');
  } catch (e) {
    busy(form, false);
    // The API's sentence for a wrong code speaks of signing up again.
    if (e instanceof ApiError && e.code === 'invalid_code') return showError(form, t('resetBadCode'), 'code');
    showError(form, e);
  }
}
