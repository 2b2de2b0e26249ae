// Hash routing: #/<route>?<params> picks the view; render draws it inside
// the page frame. Nothing runs at import; startRouter begins listening (and
// keeping the session, see keeper.js).

import { routeOff, turnOffLinks, viewOff } from './features.js';
import { routeOf } from './filters.js';
import { authed, startKeeper } from './keeper.js';
import { endSession, getSession, hadAccount, lapsed } from './session.js';
import { t } from './locale.js';
import { viewChangePassword, viewDeleteAccount } from './views/account.js';
import { drawChrome } from './views/chrome.js';
import { viewCheckMail } from './views/checkmail.js';
import { viewForgot, viewForgotSent } from './views/forgot.js';
import { viewLogin } from './views/login.js';
import { viewReset } from './views/reset.js';
import { viewSignup } from './views/signup.js';
import { viewVerified } from './views/verified.js';
import { viewVerify } from './views/verify.js';
import { forgetTodos, viewTodos } from './views/todos.js';

/**
 * Context is what every view is handed: the API client and configuration,
 * and how to move on: go to a hash, leave (the session has ended, or the
 * user logged out) or finish (the session is over on the server: forget
 * it, then go to hash).
 * @typedef {{
 *   client: import('./api.js').Client,
 *   config: {functions: Record<string,string>, mailbox?: string},
 *   go: (hash: string) => void,
 *   leave: (expired: boolean) => void,
 *   finish: (hash: string) => void,
 * }} Context
 */

/**
 * @typedef {{title: string, el: HTMLElement, focus?: HTMLElement|null}} View
 * @typedef {(ctx: Context, params: URLSearchParams, path: string) => View} ViewFn
 */

/** ROUTES maps each route (the hash's path) to its view. @type {Record<string, ViewFn>} */
export const ROUTES = Object.freeze({
  signup: viewSignup,
  'check-mail': viewCheckMail,
  verify: viewVerify,
  verified: viewVerified,
  'verify-failed': viewVerify,
  login: viewLogin,
  forgot: viewForgot,
  'forgot-sent': viewForgotSent,
  reset: viewReset,
  todos: viewTodos,
  password: viewChangePassword,
  'delete-account': viewDeleteAccount,
});

/** SIGNED_IN are the routes only a logged-in user sees. */
const SIGNED_IN = ['todos', 'password', 'delete-account'];

/** @type {Context|null} set by startRouter */
let ctx = null;

/**
 * parseHash splits "#/verify?email=a%40b.c" into its route and parameters.
 * @param {string} hash
 */
export function parseHash(hash) {
  const raw = hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  return { path: path || '', params: new URLSearchParams(query) };
}

/**
 * decide is where a path may go: "show", or "expired" (the session ran
 * out, past renewing, on a page of a logged-in user: end it), or the hash
 * to go to instead. The list's filters (#/todos/active, see filters.js)
 * are the list's route. A path that is no route sends a logged-out
 * visitor to sign up, or to log in when this browser has had an account
 * (known: see hadAccount).
 * @param {string} path
 * @param {{signedIn: boolean, lapsed: boolean, known?: boolean}} state
 */
export function decide(path, { signedIn, lapsed: ran, known = false }) {
  const route = routeOf(path);
  if (signedIn && ran && SIGNED_IN.includes(route)) return 'expired';
  if (!Object.hasOwn(ROUTES, route)) {
    if (signedIn) return '#/todos';
    return known ? '#/login' : '#/signup';
  }
  if (SIGNED_IN.includes(route) && !signedIn) return '#/login';
  return 'show';
}

/** go navigates to hash, rendering even if it is the current one. */
export function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

/**
 * leave ends the session (see endSession), forgets the list shown, and
 * goes to log in.
 * @param {boolean} expired
 */
export function leave(expired) {
  forgetTodos();
  go(endSession(expired));
}

/** finish forgets a session the server has ended (drafts too), then goes to hash. */
export function finish(hash) {
  forgetTodos();
  endSession(false);
  go(hash);
}

/**
 * logOut ends this session on the server (everywhere: every session of the
 * user) and here. A local log-out ends it here whether or not the server
 * was reached; a failed log-out everywhere is thrown, and nothing ends.
 * @param {boolean} everywhere
 */
async function logOut(everywhere) {
  const s = getSession();
  if (!s || !ctx) return leave(false);
  if (everywhere) {
    await authed(() => ctx.client.logout('global'), leave);
    return finish('#/login?everywhere=1');
  }
  // By the refresh token, which ends the session even when the access
  // token has run out; not waited for.
  ctx.client.logoutToken(s.refreshToken).catch(() => {});
  leave(false);
}

/** drawFrame redraws the page frame for the current hash. */
export function drawFrame() {
  drawChrome(parseHash(location.hash).path, logOut);
  if (ctx) turnOffLinks(document.body, ctx.config);
}

/**
 * render draws the page for the current hash. With keep set (a language
 * switch) it carries over what was typed and leaves focus where it was.
 */
export function render(keep = false) {
  const { path, params } = parseHash(location.hash);
  const next = decide(path, { signedIn: getSession() !== null, lapsed: lapsed(), known: hadAccount() });
  if (next === 'expired') return leave(true);
  if (next !== 'show') return go(next);
  const app = /** @type {HTMLElement} */ (document.getElementById('app'));
  const typed = keep ? typedValues(app) : null;
  drawFrame();
  const route = routeOf(path);
  const view = routeOff(ctx.config, route) ? viewOff() : ROUTES[route](ctx, params, path);
  turnOffLinks(view.el, ctx.config);
  app.replaceChildren(view.el);
  document.title = `${view.title} · ${t('appName')}`;
  if (typed) return restoreTyped(typed);
  const target = view.focus || app.querySelector('h1');
  if (target) target.focus();
}

function typedValues(app) {
  const typed = {};
  for (const el of app.querySelectorAll('input[id]')) typed[el.id] = el.type === 'checkbox' ? el.checked : el.value;
  return typed;
}

function restoreTyped(typed) {
  for (const [id, v] of Object.entries(typed)) {
    const el = /** @type {HTMLInputElement|null} */ (document.getElementById(id));
    if (el && el.type !== 'checkbox') el.value = v;
  }
}

/**
 * startRouter renders the current hash with client and config, and again
 * on every hash change.
 * @param {{client: Context['client'], config: Context['config']}} deps
 */
export function startRouter({ client, config }) {
  ctx = { client, config, go, leave, finish };
  startKeeper(client, leave);
  window.addEventListener('hashchange', () => render());
  render();
}

/** started is true once startRouter has run. */
export function started() {
  return ctx !== null;
}
