// #/verify (type the mailed code), #/verify?email=...&code=... (where the
// mailed link lands: both filled in; the password, then Verify, confirms)
// and #/verify-failed?reason=... (where a form POST that did not work
// lands, with the same form). Opening a link never verifies by itself. The
// password is asked for because the account is verified with the password
// of whoever holds the code (a stranger who signed up with the address
// first never has theirs activated); it is filled in when this tab signed
// up the address.

import { ApiError } from '../api.js';
import { validCode, validEmail, verifyLink } from '../check.js';
import { alertBox, control, field, h, heading, val } from '../dom.js';
import { passwordCheck, submitter } from '../form.js';
import { CODES, PASSWORD_MIN } from '../limits.js';
import { t } from '../locale.js';
import { forgetSignupPassword, signupPassword } from '../pending.js';
import { markAccount, rememberEmail, rememberedEmail } from '../session.js';

/** The reasons #/verify-failed explains; any other is "other". */
const REASONS = [CODES.INVALID_CODE, CODES.RATE_LIMITED];

/**
 * @param {import('../router.js').Context} ctx
 * @param {URLSearchParams} params
 * @param {string} path "verify" or "verify-failed"
 */
export function viewVerify(ctx, params, path) {
  const failed = path === 'verify-failed';
  const reason = params.get('reason') || '';
  const link = verifyLink(params);
  const confirm = !failed && link.complete;
  const email = link.email || rememberedEmail();
  const known = signupPassword(email);
  const submit = h('button', { type: 'submit', class: 'primary', 'aria-describedby': confirm ? 'verify-confirm' : null },
    t('verify'));
  const form = h('form', { novalidate: true, onsubmit: submitter(verify(ctx)) },
    field({ id: 'email', label: t('email'), type: 'email', autocomplete: 'username', required: true, value: email }),
    field({ id: 'code', label: t('code'), inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}',
      maxlength: 6, required: true, hint: t('codeHint'), value: failed ? '' : link.code }),
    field({ id: 'password', label: t('password'), type: 'password', autocomplete: 'current-password', required: true,
      minlength: PASSWORD_MIN, hint: t('verifyPasswordHint'), error: true, value: known }),
    alertBox('verify-error'),
    submit);
  const title = failed ? t('verifyFailedTitle') : t('verifyTitle');
  const why = REASONS.includes(reason) ? reason : 'other';
  let focus = null;
  if (confirm) focus = known ? submit : control(form, 'password');
  else if (!failed) focus = val(form, 'email') ? control(form, 'code') : control(form, 'email');
  return {
    title,
    focus,
    el: h('section', { class: 'card' }, heading(title),
      failed ? h('p', { class: 'notice warn' }, t(`reason_${why}`)) : null,
      confirm ? h('p', { class: 'notice', id: 'verify-confirm' }, t('verifyConfirm')) : null,
      form),
  };
}

/** verify is the form's submission. */
function verify(ctx) {
  return {
    read: (form) => ({ email: val(form, 'email').trim(), code: val(form, 'code').replace(/\s+/g, ''),
      password: val(form, 'password') }),
    check: ({ email, code, password }) => (!validEmail(email) && ['badEmail', 'email']) ||
      (!validCode(code) && ['badCode', 'code']) || passwordCheck(password),
    send: async ({ email, code, password }) => {
      await ctx.client.verify(email, code, password);
      forgetSignupPassword();
      rememberEmail(email);
      markAccount();
      ctx.go('#/verified');
    },
    fail: (e) => (e instanceof ApiError && e.code === CODES.INVALID_CODE ? { field: 'code' } : undefined),
  };
}
