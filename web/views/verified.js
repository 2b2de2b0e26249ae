// #/verified: the address is verified; on to log in.

import { h, heading } from '../dom.js';
import { t } from '../locale.js';

export function viewVerified() {
  return {
    title: t('verifiedTitle'),
    el: h('section', { class: 'card' }, heading(t('verifiedTitle')),
      h('p', { class: 'notice ok' }, t('verifiedText')),
      h('p', { class: 'actions' }, h('a', { href: '#/login', class: 'button primary' }, t('verifiedLogin')))),
  };
}
