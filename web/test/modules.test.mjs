// Unit tests for the web app's modules that run in Node without a page:
// the API client's routes (from routes.js), the router's decisions and the
// form checks (the session's rules are in session.test.mjs).

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { ApiError, Client, hasFunction, readConfig, routePath } from '../api.js';
import { passwordLength, passwordProblem, validCode, validEmail, validPassword, validTitle, verifyLink } from '../check.js';
import { NEEDS, routeOff } from '../features.js';
import { MESSAGES, errorText } from '../i18n.js';
import { PASSWORD_MAX, PASSWORD_MIN, TITLE_MAX } from '../limits.js';
import { decide, parseHash, ROUTES } from '../router.js';
import { FUNCTIONS } from '../routes.js';

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
    await c.verify('a@b.cd', '123456', 'password1');
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
    assert.deepEqual(sent[1].body, { email: 'a@b.cd', code: '123456', password: 'password1' }, 'verify sends the password');
    assert.equal(sent[0].headers.Authorization, undefined, 'register sends no token');
    assert.equal(sent[3].headers.Authorization, 'Bearer tok');
    assert.equal(sent[4].headers['Idempotency-Key'], 'key-1');
    assert.deepEqual(sent[4].body, { title: 'Milk' });
  });

  test('the session and account calls: their functions, bodies and tokens', async () => {
    const c = new Client({ functions });
    c.token = 'tok';
    await c.refresh('rt-1');
    await c.logout('global');
    await c.logoutToken('rt-2');
    await c.forgotPassword('a@b.cd');
    await c.resetPassword('a@b.cd', '123456', 'a new password');
    await c.changePassword('old password', 'new password');
    assert.equal(await c.deleteAccount('the password'), null);
    assert.deepEqual(sent.map((r) => [`${r.method} ${r.url}`, r.body, r.headers.Authorization]), [
      ['POST https://refresh.example.com/refresh', { refreshToken: 'rt-1' }, undefined],
      ['POST https://logout.example.com/logout', { scope: 'global' }, 'Bearer tok'],
      ['POST https://logout.example.com/logout', { refreshToken: 'rt-2' }, undefined],
      ['POST https://password-forgot.example.com/password/forgot', { email: 'a@b.cd' }, undefined],
      ['POST https://password-reset.example.com/password/reset', { email: 'a@b.cd', code: '123456', password: 'a new password' },
        undefined],
      ['POST https://password-change.example.com/password', { currentPassword: 'old password', newPassword: 'new password' },
        'Bearer tok'],
      ['DELETE https://account-delete.example.com/account', { password: 'the password' }, 'Bearer tok'],
    ]);
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
    assert.deepEqual(Object.keys(ROUTES).sort(), ['check-mail', 'delete-account', 'forgot', 'forgot-sent', 'login', 'password',
      'reset', 'signup', 'todos', 'verified', 'verify', 'verify-failed']);
    for (const v of Object.values(ROUTES)) assert.equal(typeof v, 'function');
  });

  const cases = [
    { path: 'signup', signedIn: false, lapsed: false, want: 'show' },
    { path: 'todos', signedIn: true, lapsed: false, want: 'show' },
    { path: 'todos', signedIn: false, lapsed: false, want: '#/login' },
    { path: 'todos', signedIn: true, lapsed: true, want: 'expired' },
    { path: 'login', signedIn: true, lapsed: true, want: 'show' },
    { path: 'password', signedIn: false, lapsed: false, want: '#/login' },
    { path: 'delete-account', signedIn: false, lapsed: false, want: '#/login' },
    { path: 'password', signedIn: true, lapsed: false, want: 'show' },
    { path: 'delete-account', signedIn: true, lapsed: true, want: 'expired' },
    { path: 'forgot', signedIn: false, lapsed: false, want: 'show' },
    { path: 'reset', signedIn: false, lapsed: false, want: 'show' },
    { path: 'reset', signedIn: true, lapsed: false, want: 'show' },
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
  assert.ok(validPassword('x'.repeat(PASSWORD_MIN)) && validPassword('x'.repeat(PASSWORD_MAX)));
  assert.ok(!validPassword('x'.repeat(PASSWORD_MIN - 1)) && !validPassword('x'.repeat(PASSWORD_MAX + 1)));
  assert.ok(validCode('012345'));
  for (const bad of ['12345', '1234567', '12345a', '']) assert.ok(!validCode(bad), bad);
  assert.ok(validTitle('a') && validTitle('x'.repeat(TITLE_MAX)));
  assert.ok(!validTitle('') && !validTitle('x'.repeat(TITLE_MAX + 1)));
});

describe('password check', () => {
  const cases = [
    { name: 'empty', pw: '', want: 'passwordShort' },
    { name: '11 characters', pw: 'abcdefghijk', want: 'passwordShort' },
    { name: '12 characters', pw: 'abcdefghijkl', want: '' },
    { name: 'spaces and any characters count, no composition rules', pw: 'correct horse', want: '' },
    { name: 'all digits is fine for the length', pw: '123456789012', want: '' },
    { name: '128 characters', pw: 'x'.repeat(128), want: '' },
    { name: '129 characters', pw: 'x'.repeat(129), want: 'passwordLong' },
    { name: 'an emoji is one character', pw: '🔑'.repeat(11), want: 'passwordShort' },
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

describe('a function without a URL turns its feature off, not the app', () => {
  const all = Object.fromEntries(Object.keys(FUNCTIONS).map((f) => [f, `https://${f}.example.com/`]));

  test('readConfig keeps the URLs it has and lists the functions without one', () => {
    const body = { functions: { ...all, 'password-forgot': undefined, 'account-delete': 'ftp://x' }, mailbox: 'http://m/' };
    const cfg = readConfig(body);
    assert.deepEqual(cfg.off, ['password-forgot', 'account-delete']);
    assert.equal(cfg.functions.login, 'https://login.example.com');
    assert.equal(hasFunction(cfg, 'login'), true);
    assert.equal(hasFunction(cfg, 'password-forgot'), false);
    assert.equal(cfg.mailbox, 'http://m/');
    assert.deepEqual(readConfig({ functions: all }).off, []);
  });

  test('readConfig refuses a config where no function has a URL', () => {
    assert.throws(() => readConfig({ functions: {} }), /no function has an http\(s\) URL/);
    assert.throws(() => readConfig({}), /no function/);
  });

  test('calling a function that is off fails as code "off", without a request', async () => {
    const realFetch = globalThis.fetch;
    let calls = 0;
    globalThis.fetch = async () => { calls++; throw new Error('no request expected'); };
    try {
      const cfg = readConfig({ functions: { ...all, 'password-forgot': '' } });
      const err = await new Client(cfg).forgotPassword('a@b.cd').catch((e) => e);
      assert.ok(err instanceof ApiError);
      assert.equal(err.code, 'off');
      assert.equal(calls, 0);
      assert.equal(errorText('en', err), MESSAGES.en.featureOff);
      assert.equal(errorText('zh', err), MESSAGES.zh.featureOff);
    } finally {
      globalThis.fetch = realFetch;
    }
  });

  test('NEEDS names routes of the router and functions of routes.js', () => {
    for (const [route, fn] of Object.entries(NEEDS)) {
      assert.ok(Object.hasOwn(ROUTES, route), route);
      assert.ok(Object.hasOwn(FUNCTIONS, fn), fn);
    }
    const cfg = readConfig({ functions: { ...all, 'password-forgot': '' } });
    assert.equal(routeOff(cfg, 'forgot'), true);
    assert.equal(routeOff(cfg, 'login'), false);
    assert.equal(routeOff(cfg, 'forgot-sent'), false, 'a page that calls nothing stays on');
  });
});
