// A function without a URL in config.json turns its feature off, not the
// app (see readConfig in api.js): a route that needs it shows why it is not
// available, and the links to that route become a note saying so. Nothing
// here runs at import time.

import { hasFunction } from './api.js';
import { h, heading } from './dom.js';
import { t } from './locale.js';

/**
 * NEEDS maps each route (the hash's path) whose page calls the API to the
 * function its form or list calls; a route not listed calls none.
 */
export const NEEDS = Object.freeze({
  signup: 'register',
  verify: 'verify',
  'verify-failed': 'verify',
  login: 'login',
  forgot: 'password-forgot',
  reset: 'password-reset',
  todos: 'todos-list',
  password: 'password-change',
  'delete-account': 'account-delete',
});

/**
 * routeOff is true when config has no URL for the function route needs.
 * @param {{functions: Record<string,string>}} config
 * @param {string} route
 */
export function routeOff(config, route) {
  return Object.hasOwn(NEEDS, route) && !hasFunction(config, NEEDS[route]);
}

/** viewOff is the page of a route whose feature is off. */
export function viewOff() {
  return {
    title: t('featureOffTitle'),
    el: h('section', { class: 'card' }, heading(t('featureOffTitle')),
      h('p', { class: 'notice warn' }, t('featureOff')),
      h('p', { class: 'actions' }, h('a', { href: '#/', class: 'button' }, t('backToStart')))),
  };
}

/**
 * turnOffLinks replaces every link under root to a route that is off by a
 * note that names it and says it is not available.
 * @param {ParentNode} root
 * @param {{functions: Record<string,string>}} config
 */
export function turnOffLinks(root, config) {
  for (const a of root.querySelectorAll('a[href^="#/"]')) {
    const route = (a.getAttribute('href') || '').slice(2).split('?')[0];
    if (!routeOff(config, route)) continue;
    a.replaceWith(h('span', { class: 'off' }, t('featureOffLink', { what: a.textContent || '' })));
  }
}
