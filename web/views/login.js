// #/login (?expired=1 after a session that ended, ?out=1 after a log-out,
// ?everywhere=1 after a log-out everywhere, ?reset=1 after a password
// reset): on success the session starts and #/todos shows.

import { ApiError } from '../api.js';
import { validEmail } from '../check.js';
import { alertBox, busy, clearError, control, field, h, heading, showError, val } from '../dom.js';
import { t } from '../locale.js';
import { rememberEmail, rememberedEmail, startSession } from '../session.js';

/**
 * @param {import('../router.js').Context} ctx
 * @param {URLSearchParams} params
 */
export function viewLogin(ctx, params) {
  const extra = h('p', { class: 'aside', hidden: true });
  const form = h('form', { novalidate: true, onsubmit: (ev) => onSubmit(ctx, form, extra, ev) },
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

async function onSubmit(ctx, form, extra, ev) {
  ev.preventDefault();
  clearError(form);
  extra.hidden = true;
  const email = val(form, 'email').trim();
  const password = val(form, 'password');
  if (!validEmail(email)) return showError(form, t('badEmail'), 'email');
  if (!password) return showError(form, t('needPassword'), 'password');
  busy(form, true);
  try {
    startSession(await ctx.client.login(email, password));
    ctx.go('#/todos');
  } catch (e) {
    busy(form, false);
    if (e instanceof ApiError && e.code === 'email_not_verified') {
      rememberEmail(email);
      extra.replaceChildren(h('a', { href: '#/verify' }, t('checkTypeCode')));
      extra.hidden = false;
    }
    showError(form, e, e instanceof ApiError && e.code === 'invalid_credentials' ? 'password' : undefined);
  }
}
