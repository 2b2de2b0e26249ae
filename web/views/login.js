// #/login (?expired=1 after a session that ended, ?out=1 after a log-out,
// ?everywhere=1 after a log-out everywhere, ?reset=1 after a password
// reset): on success the session starts and #/todos shows.

import { ApiError } from '../api.js';
import { validEmail } from '../check.js';
import { alertBox, control, field, h, heading, val } from '../dom.js';
import { submitter } from '../form.js';
import { CODES } from '../limits.js';
import { t } from '../locale.js';
import { rememberEmail, rememberedEmail, startSession } from '../session.js';

/**
 * @param {import('../router.js').Context} ctx
 * @param {URLSearchParams} params
 */
export function viewLogin(ctx, params) {
  const extra = h('p', { class: 'aside', hidden: true });
  const form = h('form', { novalidate: true, onsubmit: submitter(logIn(ctx, extra)) },
    field({ id: 'email', label: t('email'), type: 'email', autocomplete: 'username', required: true,
      value: rememberedEmail() }),
    field({ id: 'password', label: t('password'), type: 'password', autocomplete: 'current-password', required: true }),
    alertBox('login-error'),
    h('p', { class: 'actions split' }, h('button', { type: 'submit', class: 'primary' }, t('login')),
      h('a', { href: '#/forgot' }, t('forgotLink'))));
  return {
    title: t('loginTitle'),
    focus: val(form, 'email') ? control(form, 'password') : control(form, 'email'),
    el: h('section', { class: 'card' }, heading(t('loginTitle')), notice(params), form, extra,
      h('p', { class: 'aside' }, t('loginNoAccount'), ' ', h('a', { href: '#/signup' }, t('navSignup')))),
  };
}

/** The notices the page shows by its parameters, most important first. */
const NOTICES = [['expired', 'loginExpired', 'warn'], ['reset', 'passwordReset', 'ok'],
  ['everywhere', 'loggedOutEverywhere', ''], ['out', 'loggedOut', '']];

function notice(params) {
  const n = NOTICES.find(([p]) => params.get(p));
  return n ? h('p', { class: `notice ${n[2]}`.trim(), role: 'status' }, t(n[1])) : null;
}

/** logIn is the form's submission; extra holds the link to #/verify. */
function logIn(ctx, extra) {
  return {
    read: (form) => {
      extra.hidden = true;
      return { email: val(form, 'email').trim(), password: val(form, 'password') };
    },
    check: ({ email, password }) => (!validEmail(email) && ['badEmail', 'email']) || (!password && ['needPassword', 'password']),
    send: async ({ email, password }) => {
      startSession(await ctx.client.login(email, password));
      ctx.go('#/todos');
    },
    fail: (e, { email }) => {
      if (!(e instanceof ApiError)) return undefined;
      if (e.code === CODES.EMAIL_NOT_VERIFIED) {
        rememberEmail(email);
        extra.replaceChildren(h('a', { href: '#/verify' }, t('checkTypeCode')));
        extra.hidden = false;
      }
      return e.code === CODES.INVALID_CREDENTIALS ? { field: 'password' } : undefined;
    },
  };
}
