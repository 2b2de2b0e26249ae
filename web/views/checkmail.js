// #/check-mail: after sign-up, where the code went and what to do next.

import { h, heading } from '../dom.js';
import { t } from '../locale.js';
import { rememberedEmail } from '../session.js';

/** @param {import('../router.js').Context} ctx */
export function viewCheckMail(ctx) {
  const email = rememberedEmail();
  const { mailbox } = ctx.config;
  const links = h('p', { class: 'actions' });
  if (mailbox) links.append(h('a', { href: mailbox, class: 'button' }, t('checkMailbox')));
  links.append(h('a', { href: '#/verify', class: 'button' + (mailbox ? '' : ' primary') }, t('checkTypeCode')));
  return {
    title: t('checkTitle'),
    el: h('section', { class: 'card' }, heading(t('checkTitle')),
      h('p', {}, email ? t('checkSent', { email }) : t('checkSentNoEmail')),
      links,
      h('p', { class: 'aside' }, t('checkNoMail'))),
  };
}
