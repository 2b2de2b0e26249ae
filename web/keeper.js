// Keeps the session alive: a timer renews the access token shortly before
// it runs out (see renew.js for when), a call the API refuses with a 401 is
// tried once more after a renewal, and a session that cannot be renewed
// sends the user to log in. One renewal at a time per tab; before each one
// the stored session is read again, as another tab may have renewed it
// (then its token is used and nothing is sent). Nothing runs at import;
// startKeeper begins.

import { ApiError, hasFunction } from './api.js';
import { CODES } from './limits.js';
import { RETRY_AFTER, due, refreshDelay, renewChoice } from './renew.js';
import { adopt, getSession, onSessionChange, renewed, storedSession } from './session.js';
import { KEYS } from './storage.js';

/** UNAUTHORIZED is thrown after a session that has ended has sent the user to log in. */
export const UNAUTHORIZED = Symbol('unauthorized');

/** @type {{refresh: (token: string) => Promise<any>}|null} */
let client = null;
/** @type {(expired: boolean) => void} ends the session and goes to log in */
let leaveTo = () => {};
/** @type {Promise<boolean>|null} the renewal under way */
let inflight = null;
let timer = 0;

/**
 * startKeeper renews with client's refresh, and calls leave(true) when the
 * session has ended; from now on every change of the session re-arms the
 * timer. It also watches the other tabs: a log-out or another user's
 * log-in there ends this tab's session too.
 * @param {{refresh: (token: string) => Promise<any>}} c
 * @param {(expired: boolean) => void} leave
 */
export function startKeeper(c, leave) {
  keepWith(c, leave);
  window.addEventListener('storage', onStorage);
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) schedule(); // timers may have slept in a hidden tab
  });
}

/**
 * keepWith is startKeeper without watching the page (for Node): renewals
 * use c, an ended session calls leave(true), and the timer follows the
 * session.
 */
export function keepWith(c, leave) {
  client = c;
  leaveTo = leave;
  onSessionChange(schedule);
  schedule();
}

function onStorage(ev) {
  if (ev.key !== null && ev.key !== KEYS.session) return;
  const mine = getSession();
  if (!mine) return;
  const stored = storedSession();
  if (!stored || stored.user.id !== mine.user.id) leaveTo(true);
}

/** schedule arms the timer for the current session's next renewal. */
function schedule() {
  clearTimeout(timer);
  timer = 0;
  const s = getSession();
  if (!s || !client) return;
  timer = setTimeout(tick, Math.min(refreshDelay(s, Date.now()), 2 ** 31 - 1));
}

async function tick() {
  timer = 0;
  const s = getSession();
  if (!s) return;
  if (!due(s, Date.now())) return schedule(); // woken early
  try {
    if (!(await renew())) leaveTo(true);
  } catch {
    clearTimeout(timer);
    timer = setTimeout(tick, RETRY_AFTER); // not reached: try again soon
  }
}

/**
 * renew gets this tab a fresh token: another tab's (adopt), or a refresh.
 * It resolves to false when the session has ended (the refresh token was
 * refused, or is gone), and rejects with the ApiError of a refresh that
 * did not get an answer. Callers at the same time share one renewal.
 * @returns {Promise<boolean>}
 */
export function renew() {
  if (!inflight) inflight = renewOnce().finally(() => { inflight = null; });
  return inflight;
}

async function renewOnce() {
  // Without a refresh URL (see readConfig) a session lasts its access
  // token's life: until it runs out a renewal gets no answer (the calls go
  // on with the token), after that the session has ended.
  if (!hasFunction(client.config, 'refresh')) {
    if ((getSession()?.expiresAt ?? 0) > Date.now()) throw new ApiError(0, 'off', 'api: config.json has no URL for refresh');
    return false;
  }
  // A second round only when another tab stored a newer session while our
  // refresh was refused (it logged in again, say).
  for (let round = 0; round < 2; round++) {
    const stored = storedSession();
    const choice = renewChoice(getSession(), stored, Date.now());
    if (choice === 'ended') return false;
    if (choice === 'adopt') {
      adopt(stored);
      return true;
    }
    try {
      renewed(await client.refresh(stored.refreshToken));
      return true;
    } catch (e) {
      if (!(e instanceof ApiError && e.status === 401)) throw e;
      const now = storedSession();
      if (!now || now.refreshToken === stored.refreshToken) return false;
    }
  }
  return false;
}

/** refused is true for a 401 that means the token was not taken (not a wrong password). */
function refused(e) {
  return e instanceof ApiError && e.status === 401 && e.code !== CODES.INVALID_CREDENTIALS;
}

/** renewOrLeave renews, or (the session has ended) calls leave(true) and throws UNAUTHORIZED. */
async function renewOrLeave(leave) {
  if (await renew()) return;
  leave(true);
  throw UNAUTHORIZED;
}

/**
 * authed runs a call that needs the token. A token about to run out is
 * renewed first (when that fails to reach the server, the call goes out
 * with the old token while it lasts); a 401 renews and tries once more.
 * When the session has ended it calls leave(true) and throws UNAUTHORIZED;
 * other failures are thrown as they are. leave defaults to startKeeper's.
 * @template T
 * @param {() => Promise<T>} call
 * @param {(expired: boolean) => void} [leave]
 * @returns {Promise<T>}
 */
export async function authed(call, leave = leaveTo) {
  let s = getSession();
  if (!s) {
    leave(true);
    throw UNAUTHORIZED;
  }
  if (due(s, Date.now())) {
    try {
      await renewOrLeave(leave);
    } catch (e) {
      if (e === UNAUTHORIZED || getSession().expiresAt <= Date.now()) throw e;
    }
    s = getSession();
  }
  try {
    return await call();
  } catch (e) {
    if (!refused(e)) throw e;
  }
  // Renew unless another call of this tab already did since this one went out.
  if (getSession() && getSession().token === s.token) await renewOrLeave(leave);
  if (!getSession()) throw UNAUTHORIZED;
  try {
    return await call();
  } catch (e) {
    if (!refused(e)) throw e;
    leave(true);
    throw UNAUTHORIZED;
  }
}
