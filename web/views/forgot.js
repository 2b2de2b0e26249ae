// #/forgot (the address to mail a reset code to) and #/forgot-sent (where
// it went and what to do next: open the mailed link, or type the code on
// #/reset). The API answers the same for every address, so the page says
// "if it has an account".

import { validEmail } from '../check.js';
import { alertBox, busy, clearError, control, field, h, heading, showError, val } from '../dom.js';
import { t } from '../locale.js';
import { rememberEmail, rememberedEmail } from '../session.js';

/** @param {import('../router.js').Context} ctx */
export function viewForgot(ctx) {
  const form = h('form', { novalidate: true, onsubmit: (ev) => onSubmit(ctx, form, ev) },
    field({ id: 'email', label: t('email'), type: 'email', autocomplete: 'username', required: true,
      value: rememberedEmail(), error: true }),
    alertBox('forgot-error'),
    h('button', { type: 'submit', class: 'primary' }, t('sendResetCode')));
  return {
    title: t('forgotTitle'),
    focus: control(form, 'email'),
    el: h('section', { class: 'card' }, heading(t('forgotTitle')),
      h('p', {}, t('forgotText')), form,
      h('p', { class: 'aside' }, t('forgotHaveCode'), ' ', h('a', { href: '#/reset' }, t('enterCode'))),
      h('p', { class: 'aside' }, h('a', { href: '#/login' }, t('backToLogin')))),
  };
}

async function onSubmit(ctx, form, ev) {
  ev.preventDefault();
  clearError(form);
  const email = val(form, 'email').trim();
  if (!email) return showError(form, t('needEmail'), 'email');
  if (!validEmail(email)) return showError(form, t('badEmail'), 'email');
  busy(form, true);
  try {
    await ctx.client.forgotPassword(email);
    rememberEmail(email);
    ctx.go('#/forgot-sent');
  } catch (e) {
    busy(form, false);
    showError(form, e);
  }
}

/** @param {import('../router.js').Context} ctx */
export function viewForgotSent(ctx) {
  const email = rememberedEmail();
  const { mailbox } = ctx.config;
  const links = h('p', { class: 'actions' });
  if (mailbox) links.append(h('a', { href: mailbox, class: 'button' }, t('checkMailbox')));
  links.append(h('a', { href: '#/reset', class: 'button' + (mailbox ? '' : ' primary') }, t('checkTypeCode')));
  return {
    title: t('checkTitle'),
    el: h('section', { class: 'card' }, heading(t('checkTitle')),
      h('p', {}, email ? t('forgotSent', { email }) : t('forgotSentNoEmail')),
      links,
      h('p', { class: 'aside' }, t('forgotNoMail'), ' ', h('a', { href: '#/forgot' }, t('newCode')))),
  };
}
