// The API client: one function per route, each calling its function's own
// URL from config.json. The functions and their routes come from routes.js,
// generated from the Go route table. Every failure is an ApiError.

import { CODES } from './limits.js';
import { FUNCTIONS } from './routes.js';

/**
 * ApiError is any failed call: the API's error body, or one of the
 * client's own codes: "network" (the server was not reached) and "off"
 * (config.json has no URL for the function, see readConfig).
 */
export class ApiError extends Error {
  /**
   * @param {number} status HTTP status, 0 when the server was not reached
   * @param {string} code the API's error code, e.g. "invalid_credentials"
   * @param {string} message the API's sentence for people
   * @param {string} [field] the request field at fault, if any
   * @param {number} [retryAfter] seconds from Retry-After, if sent
   * @param {object|null} [current] the todo as it is now, sent beside a
   *   precondition_failed (412) error
   */
  constructor(status, code, message, field, retryAfter, current) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.field = field || '';
    this.retryAfter = retryAfter || 0;
    this.current = current || null;
  }
}

/**
 * routePath is the path of fn's route for method, with {name} parameters
 * filled (URL-encoded) from params; it throws when routes.js has no such
 * route, so a route renamed in Go cannot be called by its old name.
 * @param {string} fn e.g. "todos-update"
 * @param {string} method e.g. "PATCH"
 * @param {Record<string, string>} [params] e.g. {id: "..."}
 */
export function routePath(fn, method, params = {}) {
  const route = (Object.hasOwn(FUNCTIONS, fn) ? FUNCTIONS[fn] : []).find((r) => r.method === method);
  if (!route) throw new Error(`api: routes.js has no ${method} route for function ${fn}`);
  return route.path.replace(/\{(\w+)\}/g, (m, name) => {
    if (!(name in params)) throw new Error(`api: ${fn} ${route.path} needs ${name}`);
    return encodeURIComponent(params[name]);
  });
}

/**
 * @typedef {{functions: Record<string,string>, mailbox?: string, off: string[]}} Config
 *   functions holds the http(s) URL (no trailing slash) of each function
 *   that has one; off lists the functions of routes.js without one, whose
 *   features the page turns off (see hasFunction).
 */

/**
 * readConfig checks the body of config.json: a function without an http(s)
 * URL is left out and listed in off, so that its feature is turned off
 * and the rest of the app works (a deployment may leave a function out);
 * it throws only when no function has a URL, as then nothing can work.
 * @param {any} body the parsed JSON
 * @returns {Config}
 */
export function readConfig(body) {
  /** @type {Config} */
  const cfg = { functions: {}, off: [] };
  for (const f of Object.keys(FUNCTIONS)) {
    const u = body?.functions?.[f];
    if (typeof u === 'string' && /^https?:\/\//.test(u)) cfg.functions[f] = u.replace(/\/+$/, '');
    else cfg.off.push(f);
  }
  if (cfg.off.length === Object.keys(FUNCTIONS).length) throw new Error('config: no function has an http(s) URL');
  if (typeof body.mailbox === 'string' && /^https?:\/\//.test(body.mailbox)) cfg.mailbox = body.mailbox;
  return cfg;
}

/**
 * hasFunction is true when config has a URL for fn, so its feature is on.
 * @param {{functions: Record<string,string>}} config
 * @param {string} fn
 */
export function hasFunction(config, fn) {
  return Object.hasOwn(config.functions, fn);
}

/**
 * loadConfig fetches config.json beside index.html and reads it (see
 * readConfig).
 * @returns {Promise<Config>}
 */
export async function loadConfig() {
  const res = await fetch('config.json', { cache: 'no-store', credentials: 'same-origin' });
  if (!res.ok) throw new Error(`config: GET config.json: HTTP ${res.status}`);
  return readConfig(await res.json());
}

/**
 * newKey returns a fresh random UUID (v4) for an Idempotency-Key; it works
 * outside secure contexts too, where crypto.randomUUID is missing.
 */
export function newKey() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * statusCode is the error code for an answer without the API's error body
 * (a gateway's or proxy's own 429 or 503, say), by its HTTP status.
 * @param {number} status
 */
export function statusCode(status) {
  if (status === 429) return CODES.RATE_LIMITED;
  if (status === 503) return CODES.UNAVAILABLE;
  return status >= 500 ? CODES.INTERNAL : CODES.INVALID_REQUEST;
}

/** Client calls the API for one configuration and (optionally) one token. */
export class Client {
  /** @param {{functions: Record<string,string>}} config */
  constructor(config) {
    this.config = config;
    /** @type {string} the bearer token, "" when logged out */
    this.token = '';
  }

  /**
   * call sends one request to fn's route for method (see routePath) and
   * returns the parsed JSON body (null for 204).
   * @param {string} fn the function, e.g. "todos-add"
   * @param {string} method
   * @param {{params?: Record<string,string>, query?: URLSearchParams, body?: object, auth?: boolean,
   *   headers?: Record<string,string>}} [opts]
   */
  async call(fn, method, opts = {}) {
    if (!hasFunction(this.config, fn)) throw new ApiError(0, 'off', `api: config.json has no URL for ${fn}`);
    const query = opts.query ? `?${opts.query}` : '';
    const url = this.config.functions[fn] + routePath(fn, method, opts.params) + query;
    const headers = { Accept: 'application/json', ...opts.headers };
    if (opts.body !== undefined) headers['Content-Type'] = 'application/json';
    if (opts.auth) headers.Authorization = `Bearer ${this.token}`;
    let res;
    try {
      res = await fetch(url, {
        method,
        headers,
        body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
        mode: 'cors',
        credentials: 'omit',
        cache: 'no-store',
        referrerPolicy: 'no-referrer',
      });
    } catch (e) {
      throw new ApiError(0, 'network', String(e && e.message ? e.message : e));
    }
    if (res.status === 204) return null;
    let data = null;
    try {
      data = await res.json();
    } catch {
      data = null;
    }
    if (!res.ok) {
      const e = (data && data.error) || {};
      const retry = parseInt(res.headers.get('Retry-After') || '', 10);
      throw new ApiError(res.status, e.code || statusCode(res.status),
        e.message || `HTTP ${res.status}`, e.field, Number.isFinite(retry) ? retry : 0, (data && data.todo) || null);
    }
    return data;
  }

  /** register is POST /register; it resolves when the mail is on its way. */
  register(email, password, name) {
    const body = { email, password };
    if (name) body.name = name;
    return this.call('register', 'POST', { body });
  }

  /**
   * verify is POST /verify with the mailed code and the password the
   * account is to have: the code proves the mailbox, the password is the
   * verifier's own (a stranger's sign-up of the address never sets it).
   */
  verify(email, code, password) {
    return this.call('verify', 'POST', { body: { email, code, password } });
  }

  /**
   * login is POST /login; it resolves to {accessToken, expiresIn,
   * refreshToken, refreshExpiresIn, user}.
   */
  login(email, password) {
    return this.call('login', 'POST', { body: { email, password } });
  }

  /**
   * refresh is POST /refresh: it spends refreshToken and resolves to a new
   * {accessToken, expiresIn, refreshToken, refreshExpiresIn}.
   */
  refresh(refreshToken) {
    return this.call('refresh', 'POST', { body: { refreshToken } });
  }

  /** logout is POST /logout with the token: scope "local" ends this session, "global" every one. */
  logout(scope) {
    return this.call('logout', 'POST', { body: { scope }, auth: true });
  }

  /** logoutToken is POST /logout without a token: it ends refreshToken's session. */
  logoutToken(refreshToken) {
    return this.call('logout', 'POST', { body: { refreshToken } });
  }

  /** forgotPassword is POST /password/forgot; the same answer for every address. */
  forgotPassword(email) {
    return this.call('password-forgot', 'POST', { body: { email } });
  }

  /** resetPassword is POST /password/reset with the mailed code; every session ends. */
  resetPassword(email, code, password) {
    return this.call('password-reset', 'POST', { body: { email, code, password } });
  }

  /** changePassword is POST /password; every other session ends. */
  changePassword(currentPassword, newPassword) {
    return this.call('password-change', 'POST', { body: { currentPassword, newPassword }, auth: true });
  }

  /** deleteAccount is DELETE /account with the password: the account and its todos go. */
  deleteAccount(password) {
    return this.call('account-delete', 'DELETE', { body: { password }, auth: true });
  }

  /**
   * list is GET /todos, only the done (done true) or the active (done
   * false) todos when done is given; it resolves to {items, nextCursor},
   * and on the first page (no cursor) also counts: {active, completed}.
   * @param {number} limit
   * @param {string|null} [cursor]
   * @param {boolean|null} [done]
   */
  list(limit, cursor, done = null) {
    const q = new URLSearchParams({ limit: String(limit) });
    if (done !== null && done !== undefined) q.set('done', String(done));
    if (cursor) q.set('cursor', cursor);
    return this.call('todos-list', 'GET', { query: q, auth: true });
  }

  /** add is POST /todos with an Idempotency-Key; it resolves to the todo. */
  add(title, key) {
    return this.call('todos-add', 'POST', { body: { title }, auth: true, headers: { 'Idempotency-Key': key } });
  }

  /**
   * update is PATCH /todos/{id}; it resolves to the todo. With a version it
   * sends If-Match: a todo changed since (another version) is refused with
   * 412 precondition_failed, whose ApiError carries the todo as it is now
   * (current).
   * @param {string} id
   * @param {{title?: string, done?: boolean}} fields
   * @param {number} [version]
   */
  update(id, fields, version) {
    return this.call('todos-update', 'PATCH', { params: { id }, body: fields, auth: true, headers: ifMatch(version) });
  }

  /** remove is DELETE /todos/{id}, with If-Match as update sends it when version is given. */
  remove(id, version) {
    return this.call('todos-delete', 'DELETE', { params: { id }, auth: true, headers: ifMatch(version) });
  }

  /**
   * clearCompleted is DELETE /todos?done=true: one batch of the user's
   * completed todos goes; it resolves to {changed, more} (see untilDone).
   */
  clearCompleted() {
    return this.call('todos-clear', 'DELETE', { query: new URLSearchParams({ done: 'true' }), auth: true });
  }

  /**
   * markAll is PATCH /todos {"done": done}: one batch of the user's todos
   * gets that state; it resolves to {changed, more} (see untilDone).
   * @param {boolean} done
   */
  markAll(done) {
    return this.call('todos-mark-all', 'PATCH', { body: { done }, auth: true });
  }
}

/**
 * ifMatch is the If-Match header naming version (the API's ETag is the
 * version as a strong entity tag, "3": RFC 9110 §13.1.1), or none.
 * @param {number|undefined} version
 * @returns {Record<string,string>}
 */
export function ifMatch(version) {
  return Number.isInteger(version) && version > 0 ? { 'If-Match': `"${version}"` } : {};
}

/** MAX_ROUNDS bounds untilDone: a server that always says more cannot keep the page busy for ever. */
export const MAX_ROUNDS = 1000;

/**
 * untilDone runs one batch of a bulk change (step: clearCompleted or
 * markAll) again while the answer says more, as the API asks (each call
 * does what fits in its function's deadline); it resolves to the number
 * of todos changed in all. A failure is thrown as it is, after the batches
 * done so far (a repeat finishes the job).
 * @param {() => Promise<{changed?: number, more?: boolean}|null>} step
 */
export async function untilDone(step) {
  let changed = 0;
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const res = await step();
    changed += (res && res.changed) || 0;
    if (!res || !res.more) return changed;
  }
  return changed;
}
