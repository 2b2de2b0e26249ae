// Constants shared by the app and its tests. This module touches no browser
// API, so Node can import it too.

/** How many todos one GET /todos asks for (the list route's `limit`). */
export const PAGE_SIZE = 20;

/** Title length limits, as the API enforces them (in characters). */
export const TITLE_MAX = 500;

/**
 * Password length limits, as the API enforces them (in characters, that is
 * code points, after NFKC normalisation). There are no composition rules;
 * the API also refuses passwords on its list of common ones.
 */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

/**
 * Storage keys. The session lives in localStorage (shared by the tabs, see
 * session.js), the drafts and the remembered address in sessionStorage.
 */
export const KEYS = {
  session: 'todofn.session', // localStorage: {token, expiresAt, lifetime, refreshToken, refreshExpiresAt, user}
  drafts: 'todofn.drafts', // {userId, newTodo, pendingAdd, edit}
  email: 'todofn.email', // the address last signed up or logged in with
  lang: 'todofn.lang', // localStorage: "en" or "zh"
};
