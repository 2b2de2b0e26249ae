// #/reset (type the mailed reset code) and #/reset?email=...&code=...
// (where the mailed link lands: both filled in, only the new password is
// left to type). A reset ends every session of the account, this tab's
// too: on success the log-in page shows, with the address filled in.

import { ApiError } from '../api.js';
import { validCode, validEmail, verifyLink } from '../check.js';
import { alertBox, control, field, h, heading, val } from '../dom.js';
import { passwordCheck, submitter } from '../form.js';
import { CODES, PASSWORD_MIN } from '../limits.js';
import { t } from '../locale.js';
import { rememberEmail, rememberedEmail } from '../session.js';

/**
 * @param {import('../router.js').Context} ctx
 * @param {URLSearchParams} params
 */
export function viewReset(ctx, params) {
  const link = verifyLink(params);
  const form = h('form', { novalidate: true, onsubmit: submitter(reset(ctx)) },
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

/** reset is the form's submission. */
function reset(ctx) {
  return {
    read: (form) => ({ email: val(form, 'email').trim(), code: val(form, 'code').replace(/\s+/g, ''),
      password: val(form, 'new-password') }),
    check: ({ email, code, password }) => (!validEmail(email) && ['badEmail', 'email']) ||
      (!validCode(code) && ['badCode', 'code']) || passwordCheck(password),
    send: async ({ email, code, password }) => {
      await ctx.client.resetPassword(email, code, password);
      rememberEmail(email);
      ctx.finish('#/login?reset=1');
    },
    // The API's sentence for a wrong code speaks of signing up again.
    fail: (e) => (e instanceof ApiError && e.code === CODES.INVALID_CODE ? { key: 'resetBadCode', field: 'code' } : undefined),
  };
}
