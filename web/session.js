// The session (token, expiry, user) and the drafts of unsent text, kept in
// sessionStorage so a reload keeps them and closing the tab forgets them.
// This module owns the one current session and the API client's token.
// It touches sessionStorage only when called, never at import.

import { ApiError } from './api.js';
import { KEYS } from './constants.js';
import { readJSON, safeGet, safeSet } from './storage.js';

/** @typedef {{token: string, expiresAt: number, user: {id: string, email: string, name: string}}} Session */

/** @type {Session|null} */
let current = null;
/** @type {{token: string}|null} the API client whose token follows the session */
let client = null;

/** loadSession reads the session a reload left in sessionStorage. */
export function loadSession() {
  const s = readJSON(sessionStorage, KEYS.session);
  current = s && typeof s.token === 'string' && s.token && s.user ? s : null;
  return current;
}

/** useClient hands the session's token to client, now and on every change. */
export function useClient(c) {
  client = c;
  client.token = current ? current.token : '';
}

/** getSession is the current session, or null when logged out. */
export function getSession() {
  return current;
}

/** lapsed is true when there is a session whose token has run out. */
export function lapsed(now = Date.now()) {
  return current !== null && current.expiresAt <= now;
}

/**
 * startSession keeps a log-in's answer as the session; drafts another
 * user left behind are dropped.
 * @param {{accessToken: string, expiresIn: number, user: {id: string, email: string, name?: string}}} res
 */
export function startSession(res, now = Date.now()) {
  current = {
    token: res.accessToken,
    expiresAt: now + Math.max(0, Number(res.expiresIn) || 0) * 1000,
    user: { id: res.user.id, email: res.user.email, name: res.user.name || '' },
  };
  if (client) client.token = current.token;
  safeSet(sessionStorage, KEYS.session, JSON.stringify(current));
  rememberEmail(current.user.email);
  const d = readJSON(sessionStorage, KEYS.drafts);
  if (d && d.userId !== current.user.id) safeSet(sessionStorage, KEYS.drafts, null);
  return current;
}

/**
 * endSession forgets the token and returns the hash of the log-in page to
 * show. expired (the API refused it, or it ran out) keeps the drafts and
 * says why on that page; a log-out drops them.
 * @param {boolean} expired
 */
export function endSession(expired) {
  current = null;
  if (client) client.token = '';
  safeSet(sessionStorage, KEYS.session, null);
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

/** rememberedEmail is the address last signed up, verified or logged in with. */
export function rememberedEmail() {
  return safeGet(sessionStorage, KEYS.email) || '';
}

/** rememberEmail keeps the address for the next form that asks for it. */
export function rememberEmail(email) {
  safeSet(sessionStorage, KEYS.email, email);
}

/** UNAUTHORIZED is thrown after a refused token has sent the user to log in. */
export const UNAUTHORIZED = Symbol('unauthorized');

/**
 * authed runs a call that needs the token. With no session, a lapsed one,
 * or a 401 answer it calls leave(true) (end the session, go to log in) and
 * throws UNAUTHORIZED; other failures are thrown as they are.
 * @template T
 * @param {() => Promise<T>} call
 * @param {(expired: boolean) => void} leave
 * @returns {Promise<T>}
 */
export async function authed(call, leave) {
  if (!current || lapsed()) {
    leave(true);
    throw UNAUTHORIZED;
  }
  try {
    return await call();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      leave(true);
      throw UNAUTHORIZED;
    }
    throw e;
  }
}
