// The page's frame around every view: the language of <html>, the brand,
// the skip link, the language button and the account navigation.

import { h } from '../dom.js';
import { currentLang, t } from '../locale.js';
import { getSession } from '../session.js';

/** tagOf is the BCP 47 tag to put in lang attributes for one of our languages. */
function tagOf(lang) {
  return lang === 'zh' ? 'zh-CN' : 'en';
}

/**
 * drawChrome redraws the frame in the current language.
 * @param {string} here the current route, e.g. "login", for aria-current
 * @param {() => void} onLogout what the Log out button does
 */
export function drawChrome(here, onLogout) {
  document.documentElement.lang = tagOf(currentLang());
  document.getElementById('brand').textContent = t('appName');
  document.getElementById('skip').textContent = t('skip');
  const langButton = document.getElementById('lang');
  langButton.textContent = t('switchTo');
  langButton.setAttribute('lang', tagOf(t('switchToLang')));
  langButton.setAttribute('aria-label', t('switchToLabel'));
  const nav = document.getElementById('nav');
  const session = getSession();
  if (session) {
    const who = session.user.name || session.user.email;
    nav.replaceChildren(
      h('span', { class: 'who' }, t('signedInAs', { who })),
      h('button', { type: 'button', class: 'link-button', onclick: onLogout }, t('logout')));
  } else {
    nav.replaceChildren(
      h('a', { href: '#/signup', 'aria-current': here === 'signup' ? 'page' : null }, t('navSignup')),
      h('a', { href: '#/login', 'aria-current': here === 'login' ? 'page' : null }, t('navLogin')));
  }
}
