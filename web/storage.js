// Web Storage that never throws: a full or disabled store reads as empty
// and drops writes, so the app still works for the page's life. It touches
// no browser API at import time; callers pass the store.

/**
 * Storage keys. The session lives in localStorage (shared by the tabs, see
 * session.js), the drafts and the remembered address in sessionStorage.
 */
export const KEYS = Object.freeze({
  session: 'todofn.session', // localStorage: {token, expiresAt, lifetime, refreshToken, refreshExpiresAt, user}
  drafts: 'todofn.drafts', // {userId, newTodo, pendingAdd, edit}
  email: 'todofn.email', // the address last signed up or logged in with
  lang: 'todofn.lang', // localStorage: "en" or "zh"
  known: 'todofn.known', // localStorage: "1" once an account has been verified or logged in on this browser
});

/**
 * safeGet returns store's value for key, or null.
 * @param {Storage} store
 * @param {string} key
 */
export function safeGet(store, key) {
  try {
    return store.getItem(key);
  } catch {
    return null;
  }
}

/**
 * safeSet stores value under key; null or undefined removes the key.
 * @param {Storage} store
 * @param {string} key
 * @param {string|null|undefined} value
 */
export function safeSet(store, key, value) {
  try {
    if (value == null) store.removeItem(key);
    else store.setItem(key, value);
  } catch {
    // Storage full or disabled: the app still works for this page's life.
  }
}

/**
 * readJSON returns the parsed JSON under key, or null when it is missing
 * or not JSON.
 * @param {Storage} store
 * @param {string} key
 */
export function readJSON(store, key) {
  try {
    return JSON.parse(safeGet(store, key) || 'null');
  } catch {
    return null;
  }
}
