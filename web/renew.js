// When and how the access token is renewed: pure functions of a stored
// session and the clock, so Node can test them. keeper.js acts on them.
// No imports, no DOM and no browser globals.

/**
 * @typedef {{
 *   token: string, expiresAt: number, lifetime: number,
 *   refreshToken: string, refreshExpiresAt: number,
 *   user: {id: string, email: string, name: string},
 * }} Session
 *   token is the access token, good until expiresAt (ms since the epoch,
 *   by this browser's clock) of its lifetime ms; refreshToken buys the next
 *   one until refreshExpiresAt.
 */

/** The lead is never under LEAD_MIN ms nor over LEAD_MAX ms. */
export const LEAD_MIN = 1_000;
export const LEAD_MAX = 60_000;

/** RETRY_AFTER is how long the timer waits after a refresh that did not reach the server. */
export const RETRY_AFTER = 10_000;

/**
 * refreshLead is how long before it runs out a token of lifetime ms is
 * renewed: a fifth of its life, from 1 s to 1 minute (a 10-minute token is
 * renewed after 9 minutes, a 5-second one after 4).
 * @param {number} lifetime
 */
export function refreshLead(lifetime) {
  const l = Number.isFinite(lifetime) && lifetime > 0 ? lifetime / 5 : LEAD_MAX;
  return Math.min(LEAD_MAX, Math.max(LEAD_MIN, l));
}

/**
 * refreshDelay is how many ms from now the session's token is to be
 * renewed (0: now).
 * @param {Session} session
 * @param {number} now
 */
export function refreshDelay(session, now) {
  return Math.max(0, session.expiresAt - refreshLead(session.lifetime) - now);
}

/** due is true when the session's token is to be renewed before it is sent again. */
export function due(session, now) {
  return refreshDelay(session, now) === 0;
}

/** renewable is true while the session's refresh token has not run out. */
export function renewable(session, now) {
  return Boolean(session && session.refreshToken && session.refreshExpiresAt > now);
}

/**
 * renewChoice is what a tab does for a fresh token, given its own session
 * (mine) and the one in localStorage, which every tab shares and another
 * tab may have renewed since (stored):
 *   "ended"   nothing stored, its refresh token ran out, or another user
 *             logged in meanwhile: this tab's session is over;
 *   "adopt"   another tab stored a newer token that is not yet due: use it,
 *             nothing is sent;
 *   "refresh" spend the stored refresh token (another tab spending the
 *             same one at the same moment gets the same new pair).
 * @param {Session|null} mine
 * @param {Session|null} stored
 * @param {number} now
 * @returns {'ended'|'adopt'|'refresh'}
 */
export function renewChoice(mine, stored, now) {
  if (!stored || !renewable(stored, now)) return 'ended';
  if (mine && stored.user.id !== mine.user.id) return 'ended';
  if ((!mine || stored.token !== mine.token) && !due(stored, now)) return 'adopt';
  return 'refresh';
}

/**
 * fromAnswer is the session a log-in's or a refresh's answer makes, at
 * now; user is the log-in's user (a refresh's answer has none).
 * @param {{accessToken: string, expiresIn: number, refreshToken: string, refreshExpiresIn: number}} res
 * @param {{id: string, email: string, name?: string}} user
 * @param {number} now
 * @returns {Session}
 */
export function fromAnswer(res, user, now) {
  const secs = (n) => Math.max(0, Number(n) || 0) * 1000;
  return {
    token: res.accessToken,
    expiresAt: now + secs(res.expiresIn),
    lifetime: secs(res.expiresIn),
    refreshToken: res.refreshToken || '',
    refreshExpiresAt: now + secs(res.refreshExpiresIn),
    user: { id: user.id, email: user.email, name: user.name || '' },
  };
}

/**
 * validSession is s when it has the shape of a Session (as read back from
 * storage), else null.
 * @param {any} s
 * @returns {Session|null}
 */
export function validSession(s) {
  if (!s || typeof s !== 'object') return null;
  if (typeof s.token !== 'string' || !s.token || typeof s.refreshToken !== 'string') return null;
  if (!Number.isFinite(s.expiresAt) || !Number.isFinite(s.refreshExpiresAt)) return null;
  if (!s.user || typeof s.user.id !== 'string' || !s.user.id) return null;
  return s;
}
