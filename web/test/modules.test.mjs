// Unit tests for the web app's modules that run in Node without a page:
// the API client's routes (from routes.js), the router's decisions, the
// form checks and the session's storage rules.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { ApiError, Client, routePath } from '../api.js';
import { passwordLength, passwordProblem, validCode, validEmail, validPassword, validTitle, verifyLink } from '../check.js';
import { KEYS } from '../constants.js';
import { decide, parseHash, ROUTES } from '../router.js';
import { FUNCTIONS } from '../routes.js';
import * as session from '../session.js';

describe('api routes come from routes.js', () => {
  test('routePath fills and encodes parameters', () => {
    assert.equal(routePath('todos-update', 'PATCH', { id: 'a/b c' }), '/todos/a%2Fb%20c');
    assert.equal(routePath('todos-delete', 'DELETE', { id: 'x1' }), '/todos/x1');
    assert.equal(routePath('verify', 'POST'), '/verify');
    assert.equal(routePath('verify', 'GET'), '/verify');
  });

  test('routePath refuses routes routes.js does not have', () => {
    assert.throws(() => routePath('todos-update', 'PUT', { id: '1' }), /no PUT route for function todos-update/);
    assert.throws(() => routePath('nope', 'GET'), /no GET route/);
    assert.throws(() => routePath('toString', 'GET'), /no GET route/);
    assert.throws(() => routePath('todos-update', 'PATCH'), /needs id/);
  });

  const functions = Object.fromEntries(Object.keys(FUNCTIONS).map((f) => [f, `https://${f}.example.com`]));
  let sent;
  let realFetch;
  beforeEach(() => {
    sent = [];
    realFetch = globalThis.fetch;
    globalThis.fetch = async (url, init) => {
      sent.push({ url, method: init.method, headers: init.headers, body: init.body && JSON.parse(init.body) });
      return new Response(init.method === 'DELETE' ? null : '{"ok":true}', { status: init.method === 'DELETE' ? 204 : 200 });
    };
  });
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  test('each client call goes to its own function URL, on the route routes.js names', async () => {
    const c = new Client({ functions });
    c.token = 'tok';
    await c.register('a@b.cd', 'password1', '');
    await c.verify('a@b.cd', '123456');
    await c.login('a@b.cd', 'password1');
    await c.list(20, 'cur/1');
    await c.add('Milk', 'key-1');
    await c.update('id 1', { done: true });
    assert.equal(await c.remove('id 1'), null);
    assert.deepEqual(sent.map((r) => `${r.method} ${r.url}`), [
      'POST https://register.example.com/register',
      'POST https://verify.example.com/verify',
      'POST https://login.example.com/login',
      'GET https://todos-list.example.com/todos?limit=20&cursor=cur%2F1',
      'POST https://todos-add.example.com/todos',
      'PATCH https://todos-update.example.com/todos/id%201',
      'DELETE https://todos-delete.example.com/todos/id%201',
    ]);
    for (const r of sent) {
      const fn = new URL(r.url).hostname.split('.')[0];
      const path = new URL(r.url).pathname;
      assert.ok(FUNCTIONS[fn].some((x) => x.method === r.method && new RegExp(`^${x.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(path)),
        `${r.method} ${r.url} is not a route of ${fn}`);
    }
    assert.equal(sent[0].headers.Authorization, undefined, 'register sends no token');
    assert.equal(sent[3].headers.Authorization, 'Bearer tok');
    assert.equal(sent[4].headers['Idempotency-Key'], 'key-1');
    assert.deepEqual(sent[4].body, { title: 'Milk' });
  });

  test('an error answer becomes an ApiError with the API code, field and Retry-After', async () => {
    globalThis.fetch = async () => new Response(JSON.stringify({ error: { code: 'rate_limited', message: 'Slow down.', field: 'email' } }),
      { status: 429, headers: { 'Retry-After': '7' } });
    const err = await new Client({ functions }).login('a@b.cd', 'x').catch((e) => e);
    assert.ok(err instanceof ApiError);
    assert.deepEqual([err.status, err.code, err.message, err.field, err.retryAfter], [429, 'rate_limited', 'Slow down.', 'email', 7]);
  });

  test('an unreachable server is the network code', async () => {
    globalThis.fetch = async () => { throw new TypeError('Failed to fetch'); };
    const err = await new Client({ functions }).login('a@b.cd', 'x').catch((e) => e);
    assert.deepEqual([err.status, err.code], [0, 'network']);
  });
});

test('a 429 or 503 without the API body still has its code and Retry-After', async (t) => {
  const functions = Object.fromEntries(Object.keys(FUNCTIONS).map((f) => [f, `https://${f}.example.com`]));
  const got = [];
  for (const [status, body] of [[429, '{"message":"Too Many Requests"}'], [503, 'Service Unavailable'], [502, ''], [400, '']]) {
    t.mock.method(globalThis, 'fetch', async () => new Response(body, { status, headers: { 'Retry-After': '3' } }));
    const err = await new Client({ functions }).login('a@b.cd', 'x').catch((e) => e);
    got.push([err.status, err.code, err.message, err.retryAfter]);
  }
  assert.deepEqual(got, [[429, 'rate_limited', 'HTTP 429', 3], [503, 'unavailable', 'HTTP 503', 3],
    [502, 'internal', 'HTTP 502', 3], [400, 'invalid_request', 'HTTP 400', 3]]);
});

describe('router', () => {
  test('parseHash splits route and parameters', () => {
    const { path, params } = parseHash('#/verify-failed?reason=invalid_code&email=a%40b.cd');
    assert.equal(path, 'verify-failed');
    assert.equal(params.get('reason'), 'invalid_code');
    assert.equal(params.get('email'), 'a@b.cd');
    assert.equal(parseHash('').path, '');
    assert.equal(parseHash('#todos').path, 'todos');
  });

  const links = [
    { name: 'the mailed link', hash: '#/verify?email=ann%40example.com&code=042116',
      want: { email: 'ann@example.com', code: '042116', complete: true } },
    { name: 'either order, + in the address', hash: '#/verify?code=123456&email=a%2Bb%40example.com',
      want: { email: 'a+b@example.com', code: '123456', complete: true } },
    { name: 'spaces in the code and around the address', hash: '#/verify?email=%20a%40b.cd%20&code=123%20456',
      want: { email: 'a@b.cd', code: '123456', complete: true } },
    { name: 'a code too short is filled in, not complete', hash: '#/verify?email=a%40b.cd&code=12345',
      want: { email: 'a@b.cd', code: '12345', complete: false } },
    { name: 'no code', hash: '#/verify?email=a%40b.cd', want: { email: 'a@b.cd', code: '', complete: false } },
    { name: 'a bad address', hash: '#/verify?email=nobody&code=123456', want: { email: 'nobody', code: '123456', complete: false } },
    { name: 'plain #/verify', hash: '#/verify', want: { email: '', code: '', complete: false } },
  ];
  for (const c of links) {
    test(`verifyLink: ${c.name}`, () => {
      const { path, params } = parseHash(c.hash);
      assert.equal(path, 'verify');
      assert.deepEqual(verifyLink(params), c.want);
    });
  }

  test('every route has a view', () => {
    assert.deepEqual(Object.keys(ROUTES).sort(), ['check-mail', 'login', 'signup', 'todos', 'verified', 'verify', 'verify-failed']);
    for (const v of Object.values(ROUTES)) assert.equal(typeof v, 'function');
  });

  const cases = [
    { path: 'signup', signedIn: false, lapsed: false, want: 'show' },
    { path: 'todos', signedIn: true, lapsed: false, want: 'show' },
    { path: 'todos', signedIn: false, lapsed: false, want: '#/login' },
    { path: 'todos', signedIn: true, lapsed: true, want: 'expired' },
    { path: 'login', signedIn: true, lapsed: true, want: 'show' },
    { path: '', signedIn: false, lapsed: false, want: '#/signup' },
    { path: '', signedIn: true, lapsed: false, want: '#/todos' },
    { path: 'nowhere', signedIn: false, lapsed: false, want: '#/signup' },
    { path: 'constructor', signedIn: false, lapsed: false, want: '#/signup' },
  ];
  for (const c of cases) {
    test(`decide ${c.path || '(none)'} signedIn=${c.signedIn} lapsed=${c.lapsed}`, () => {
      assert.equal(decide(c.path, c), c.want);
    });
  }
});

test('form checks', () => {
  assert.ok(validEmail('ann@example.com'));
  for (const bad of ['', 'ann', 'ann@example', 'a n@example.com', '@example.com']) assert.ok(!validEmail(bad), bad);
  assert.ok(validPassword('x'.repeat(12)) && validPassword('x'.repeat(128)));
  assert.ok(!validPassword('x'.repeat(11)) && !validPassword('x'.repeat(129)));
  assert.ok(validCode('012345'));
  for (const bad of ['12345', '1234567', '12345a', '']) assert.ok(!validCode(bad), bad);
  assert.ok(validTitle('a') && validTitle('x'.repeat(500)));
  assert.ok(!validTitle('') && !validTitle('x'.repeat(501)));
});

describe('password check', () => {
  const cases = [
    { name: 'empty', pw: '', want: 'short' },
    { name: '11 characters', pw: 'abcdefghijk', want: 'short' },
    { name: '12 characters', pw: 'abcdefghijkl', want: '' },
    { name: 'spaces and any characters count, no composition rules', pw: 'correct horse', want: '' },
    { name: 'all digits is fine for the length', pw: '123456789012', want: '' },
    { name: '128 characters', pw: 'x'.repeat(128), want: '' },
    { name: '129 characters', pw: 'x'.repeat(129), want: 'long' },
    { name: 'an emoji is one character', pw: '🔑'.repeat(11), want: 'short' },
    { name: '12 emoji', pw: '🔑'.repeat(12), want: '' },
    { name: '128 emoji (256 UTF-16 units)', pw: '🔑'.repeat(128), want: '' },
    { name: 'CJK', pw: '我的密码是一只很长的猫咪', want: '' },
    { name: 'NFKC: a ligature counts as its letters', pw: 'ﬃ'.repeat(4), want: '' },
  ];
  for (const c of cases) {
    test(`passwordProblem: ${c.name}`, () => assert.equal(passwordProblem(c.pw), c.want));
  }

  test('passwordLength counts code points after NFKC', () => {
    assert.equal(passwordLength('e\u0301'), 1, 'e + combining acute composes to é');
    assert.equal(passwordLength('👍🏽'), 2);
    assert.equal(passwordLength('ﬁ'), 2);
  });
});

describe('session', () => {
  /** A Map-backed sessionStorage for Node. */
  class MemoryStorage {
    #m = new Map();
    getItem(k) { return this.#m.has(k) ? this.#m.get(k) : null; }
    setItem(k, v) { this.#m.set(k, String(v)); }
    removeItem(k) { this.#m.delete(k); }
  }
  const login = (id, expiresIn = 900) => ({ accessToken: `tok-${id}`, expiresIn, user: { id, email: `${id}@example.com` } });
  let client;
  beforeEach(() => {
    globalThis.sessionStorage = new MemoryStorage();
    client = { token: '' };
    session.loadSession();
    session.useClient(client);
  });
  afterEach(() => {
    delete globalThis.sessionStorage;
  });

  test('startSession stores the session and hands the token to the client', () => {
    session.startSession(login('u1', 60), 1_000);
    assert.deepEqual(session.getSession(), { token: 'tok-u1', expiresAt: 61_000, user: { id: 'u1', email: 'u1@example.com', name: '' } });
    assert.equal(client.token, 'tok-u1');
    assert.deepEqual(JSON.parse(sessionStorage.getItem(KEYS.session)), session.getSession());
    assert.equal(session.rememberedEmail(), 'u1@example.com');
    assert.equal(session.lapsed(60_999), false);
    assert.equal(session.lapsed(61_000), true);
    session.loadSession();
    assert.equal(session.getSession().token, 'tok-u1', 'a reload reads it back');
  });

  test('an expired end keeps the drafts for the same user; a log-out drops them', () => {
    session.startSession(login('u1'));
    session.saveDraft({ newTodo: 'milk' });
    assert.equal(session.endSession(true), '#/login?expired=1');
    assert.equal(session.getSession(), null);
    assert.equal(client.token, '');
    assert.equal(sessionStorage.getItem(KEYS.session), null);
    assert.deepEqual(session.drafts(), {}, 'no drafts while logged out');
    session.startSession(login('u1'));
    assert.equal(session.drafts().newTodo, 'milk');
    assert.equal(session.endSession(false), '#/login?out=1');
    assert.equal(sessionStorage.getItem(KEYS.drafts), null);
  });

  test('another user logging in does not see the drafts', () => {
    session.startSession(login('u1'));
    session.saveDraft({ newTodo: 'secret' });
    session.endSession(true);
    session.startSession(login('u2'));
    assert.deepEqual(session.drafts(), {});
    assert.equal(sessionStorage.getItem(KEYS.drafts), null);
  });

  test('authed leaves on a 401 and on a lapsed session, and passes other errors on', async () => {
    const left = [];
    const leave = (expired) => left.push(expired);
    session.startSession(login('u1'));
    assert.equal(await session.authed(async () => 'ok', leave), 'ok');
    await assert.rejects(session.authed(async () => { throw new ApiError(401, 'unauthorized', 'x'); }, leave),
      (e) => e === session.UNAUTHORIZED);
    await assert.rejects(session.authed(async () => { throw new ApiError(409, 'conflict', 'x'); }, leave), ApiError);
    session.startSession(login('u1', 0));
    let called = false;
    await assert.rejects(session.authed(async () => { called = true; }, leave), (e) => e === session.UNAUTHORIZED);
    assert.equal(called, false, 'a lapsed token is not sent');
    assert.deepEqual(left, [true, true]);
  });

  test('a stored session without a token is ignored', () => {
    sessionStorage.setItem(KEYS.session, JSON.stringify({ token: '', user: { id: 'u1' } }));
    assert.equal(session.loadSession(), null);
    sessionStorage.setItem(KEYS.session, '{not json');
    assert.equal(session.loadSession(), null);
  });
});
