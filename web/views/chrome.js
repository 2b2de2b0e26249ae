// The page's frame around every view: the language of <html>, the brand,
// the skip link, the language button and the account navigation: Sign up
// and Log in, or, logged in, the account menu (a disclosure button and its
// list: who is logged in, Change password, Delete account, Log out, Log
// out everywhere).

import { h } from '../dom.js';
import { tagOf } from '../i18n.js';
import { currentLang, messageFor, t } from '../locale.js';
import { getSession } from '../session.js';

let watching = false;

/** watchOutside closes the account menu on a click outside it (set up once). */
function watchOutside() {
  if (watching) return;
  watching = true;
  document.addEventListener('click', (ev) => {
    const menu = document.getElementById('account');
    if (menu && !menu.contains(/** @type {Node} */ (ev.target))) setOpen(menu, false);
  });
}

function setOpen(menu, open) {
  menu.querySelector('#account-menu').hidden = !open;
  menu.querySelector('#account-button').setAttribute('aria-expanded', String(open));
}

/**
 * accountMenu is the logged-in user's menu; logOut(everywhere) is what the
 * two log-out buttons do (a failure is shown in the menu).
 * @param {import('../session.js').Session} session
 * @param {string} here the current route
 * @param {(everywhere: boolean) => Promise<void>} logOut
 */
function accountMenu(session, here, logOut) {
  const who = session.user.name || session.user.email;
  const error = h('p', { class: 'error', role: 'alert', hidden: true });
  const out = async (everywhere, button) => {
    error.hidden = true;
    button.disabled = true;
    try {
      await logOut(everywhere);
    } catch (e) {
      button.disabled = false;
      error.textContent = messageFor(e);
      error.hidden = false;
    }
  };
  const item = (child) => h('li', {}, child);
  const menu = h('div', { class: 'account', id: 'account', onkeydown: (ev) => {
    if (ev.key !== 'Escape' || menu.querySelector('#account-menu').hidden) return;
    setOpen(menu, false);
    menu.querySelector('#account-button').focus();
  } },
  h('button', { type: 'button', class: 'link-button menu-button', id: 'account-button', 'aria-expanded': 'false',
    'aria-controls': 'account-menu',
    onclick: () => setOpen(menu, menu.querySelector('#account-menu').hidden) }, t('account')),
  h('div', { class: 'menu', id: 'account-menu', hidden: true },
    h('p', { class: 'who' }, t('signedInAs', { who })),
    h('ul', {},
      item(h('a', { href: '#/password', 'aria-current': here === 'password' ? 'page' : null }, t('changePassword'))),
      item(h('a', { href: '#/delete-account', class: 'danger', 'aria-current': here === 'delete-account' ? 'page' : null },
        t('deleteAccount'))),
      item(h('button', { type: 'button', onclick: (ev) => out(false, ev.currentTarget) }, t('logout'))),
      item(h('button', { type: 'button', onclick: (ev) => out(true, ev.currentTarget) }, t('logoutEverywhere')))),
    error));
  return menu;
}

/**
 * drawChrome redraws the frame in the current language.
 * @param {string} here the current route, e.g. "login", for aria-current
 * @param {(everywhere: boolean) => Promise<void>} logOut what the log-out buttons do
 */
export function drawChrome(here, logOut) {
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
    watchOutside();
    nav.replaceChildren(accountMenu(session, here, logOut));
  } else {
    nav.replaceChildren(
      h('a', { href: '#/signup', 'aria-current': here === 'signup' ? 'page' : null }, t('navSignup')),
      h('a', { href: '#/login', 'aria-current': here === 'login' ? 'page' : null }, t('navLogin')));
  }
}
