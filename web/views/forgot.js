// #/forgot (the address to mail a reset code to) and #/forgot-sent (where
// it went and what to do next: open the mailed link, or type the code on
// #/reset). The API answers the same for every address, so the page says
// "if it has an account".

import { validEmail } from '../check.js';
import { alertBox, control, field, h, heading, val } from '../dom.js';
import { submitter } from '../form.js';
import { t } from '../locale.js';
import { rememberEmail, rememberedEmail } from '../session.js';

/** @param {import('../router.js').Context} ctx */
export function viewForgot(ctx) {
  const form = h('form', { novalidate: true, onsubmit: submitter(askCode(ctx)) },
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

/** askCode is the form's submission. */
function askCode(ctx) {
  return {
    read: (form) => val(form, 'email').trim(),
    check: (email) => (!email && ['needEmail', 'email']) || (!validEmail(email) && ['badEmail', 'email']),
    send: async (email) => {
      await ctx.client.forgotPassword(email);
      rememberEmail(email);
      ctx.go('#/forgot-sent');
    },
  };
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
