// The session (access and refresh token, their expiries, the user) and the
// drafts of unsent text. The session lives in localStorage, which every tab
// of the app shares, so a reload, a new tab or a restart stays logged in;
// the drafts live in sessionStorage, per tab. This module owns the one
// current session and the API client's token; keeper.js renews it. It
// touches storage only when called, never at import.

import { fromAnswer, renewable, validSession } from './renew.js';
import { KEYS, readJSON, safeGet, safeSet } from './storage.js';

/** @typedef {import('./renew.js').Session} Session */

/** @type {Session|null} */
let current = null;
/** @type {{token: string}|null} the API client whose token follows the session */
let client = null;
/** @type {() => void} told of every change of the current session */
let changed = () => {};

/** storedSession is the session in localStorage (maybe renewed by another tab), or null. */
export function storedSession() {
  return validSession(readJSON(localStorage, KEYS.session));
}

function setCurrent(s) {
  current = s;
  if (client) client.token = s ? s.token : '';
  changed();
}

/**
 * loadSession reads the stored session, if its refresh token has not run
 * out. A session kept in sessionStorage by an older version of the app had
 * no refresh token: it is dropped.
 */
export function loadSession(now = Date.now()) {
  safeSet(sessionStorage, KEYS.session, null);
  const s = storedSession();
  setCurrent(s && renewable(s, now) ? s : null);
  return current;
}

/** useClient hands the session's token to client, now and on every change. */
export function useClient(c) {
  client = c;
  client.token = current ? current.token : '';
}

/** onSessionChange makes fn be called after every change of the session. */
export function onSessionChange(fn) {
  changed = fn;
}

/** getSession is the current session, or null when logged out. */
export function getSession() {
  return current;
}

/** lapsed is true when there is a session whose token has run out and cannot be renewed. */
export function lapsed(now = Date.now()) {
  return current !== null && current.expiresAt <= now && !renewable(current, now);
}

/**
 * startSession keeps a log-in's answer as the session, for every tab;
 * drafts another user left behind are dropped.
 * @param {{accessToken: string, expiresIn: number, refreshToken: string, refreshExpiresIn: number,
 *   user: {id: string, email: string, name?: string}}} res
 */
export function startSession(res, now = Date.now()) {
  const s = fromAnswer(res, res.user, now);
  safeSet(localStorage, KEYS.session, JSON.stringify(s));
  setCurrent(s);
  rememberEmail(s.user.email);
  markAccount();
  const d = readJSON(sessionStorage, KEYS.drafts);
  if (d && d.userId !== s.user.id) safeSet(sessionStorage, KEYS.drafts, null);
  return current;
}

/**
 * renewed keeps a refresh's answer as the session's new tokens, for every
 * tab, unless another user has logged in meanwhile (then only this tab
 * has them, until it notices).
 * @param {{accessToken: string, expiresIn: number, refreshToken: string, refreshExpiresIn: number}} res
 */
export function renewed(res, now = Date.now()) {
  if (!current) return null;
  const s = fromAnswer(res, current.user, now);
  const stored = storedSession();
  if (!stored || stored.user.id === s.user.id) safeSet(localStorage, KEYS.session, JSON.stringify(s));
  setCurrent(s);
  return current;
}

/** adopt makes s (renewed by another tab, see storedSession) this tab's session. */
export function adopt(s) {
  setCurrent(s);
}

/**
 * endSession forgets the tokens, in every tab, and returns the hash of the
 * log-in page to show. expired (the API refused them, or they ran out)
 * keeps the drafts and says why on that page; a log-out drops them.
 * @param {boolean} expired
 */
export function endSession(expired) {
  const stored = storedSession();
  if (stored && (!current || stored.user.id === current.user.id)) safeSet(localStorage, KEYS.session, null);
  setCurrent(null);
  if (!expired) safeSet(sessionStorage, KEYS.drafts, null);
  return expired ? '#/login?expired=1' : '#/login?out=1';
}

/**
 * drafts is what the user typed on the list page, kept across a re-login:
 * {newTodo, pendingAdd: {title, key}, edit: {id, title}}; {} for none.
 */
export function drafts() {
  const d = readJSON(sessionStorage, KEYS.drafts);
  return d && current && d.userId === current.user.id ? d : {};
}

/** saveDraft merges patch into the current user's drafts. */
export function saveDraft(patch) {
  if (!current) return;
  const d = { ...drafts(), ...patch, userId: current.user.id };
  safeSet(sessionStorage, KEYS.drafts, JSON.stringify(d));
}

/**
 * hadAccount is true when an account has been verified or logged in on
 * this browser (and was not deleted here since): such a visitor, logged
 * out, is sent to log in rather than to sign up.
 */
export function hadAccount() {
  return safeGet(localStorage, KEYS.known) === '1';
}

/** markAccount remembers that this browser has had an account (see hadAccount). */
export function markAccount() {
  safeSet(localStorage, KEYS.known, '1');
}

/** forgetAccount drops hadAccount's mark, as when the account is deleted. */
export function forgetAccount() {
  safeSet(localStorage, KEYS.known, null);
}

/** rememberedEmail is the address last signed up, verified or logged in with. */
export function rememberedEmail() {
  return safeGet(sessionStorage, KEYS.email) || '';
}

/** rememberEmail keeps the address for the next form that asks for it. */
export function rememberEmail(email) {
  safeSet(sessionStorage, KEYS.email, email);
}
