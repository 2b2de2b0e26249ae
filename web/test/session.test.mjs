// Unit tests for staying logged in, in Node without a page: when a token
// is renewed (renew.js), how the session is stored and shared by the tabs
// (session.js), and the keeper's renewals, retries and timer (keeper.js)
// against a fake API client.

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { ApiError } from '../api.js';
import { KEYS } from '../storage.js';
import { UNAUTHORIZED, authed, keepWith, renew } from '../keeper.js';
import { LEAD_MAX, LEAD_MIN, due, fromAnswer, refreshDelay, refreshLead, renewChoice, validSession } from '../renew.js';
import * as session from '../session.js';

/** A Map-backed Web Storage for Node. */
class MemoryStorage {
  #m = new Map();
  getItem(k) { return this.#m.has(k) ? this.#m.get(k) : null; }
  setItem(k, v) { this.#m.set(k, String(v)); }
  removeItem(k) { this.#m.delete(k); }
}

const user = (id) => ({ id, email: `${id}@example.com`, name: '' });
const S = (over = {}) => ({ token: 'a1', expiresAt: 600_000, lifetime: 600_000, refreshToken: 'r1',
  refreshExpiresAt: 1e12, user: user('u1'), ...over });

describe('renew: when and how', () => {
  test('refreshLead is a fifth of the life, from 1 s to 1 minute', () => {
    assert.equal(refreshLead(600_000), LEAD_MAX);
    assert.equal(refreshLead(180_000), 36_000);
    assert.equal(refreshLead(5_000), LEAD_MIN);
    assert.equal(refreshLead(2_000), LEAD_MIN);
    assert.equal(refreshLead(NaN), LEAD_MAX);
    assert.equal(refreshLead(0), LEAD_MAX);
  });

  test('refreshDelay and due', () => {
    assert.equal(refreshDelay(S(), 0), 540_000, 'a 10-minute token is renewed after 9');
    assert.equal(refreshDelay(S({ expiresAt: 5_000, lifetime: 5_000 }), 0), 4_000, 'a 5-second one after 4');
    assert.equal(refreshDelay(S(), 700_000), 0, 'a lapsed one now');
    assert.equal(due(S(), 539_999), false);
    assert.equal(due(S(), 540_000), true);
  });

  const cases = [
    { name: 'nothing stored: another tab logged out', mine: S(), stored: null, want: 'ended' },
    { name: 'the refresh token ran out', mine: S(), stored: S({ refreshExpiresAt: 10 }), want: 'ended' },
    { name: 'another user logged in meanwhile', mine: S(), stored: S({ token: 'b1', user: user('u2') }), want: 'ended' },
    { name: 'another tab renewed: use its token', mine: S(), stored: S({ token: 'a2', expiresAt: 1_200_000 }), want: 'adopt' },
    { name: 'a new tab takes the stored token', mine: null, stored: S(), want: 'adopt' },
    { name: 'the same token: spend the refresh token', mine: S(), stored: S(), want: 'refresh' },
    { name: 'another tab renewed, but that is due too', mine: S(), stored: S({ token: 'a2', refreshToken: 'r2', expiresAt: 30_000 }),
      want: 'refresh' },
  ];
  for (const c of cases) {
    test(`renewChoice: ${c.name}`, () => assert.equal(renewChoice(c.mine, c.stored, 20_000), c.want));
  }

  test('fromAnswer turns seconds into times by this clock', () => {
    const res = { accessToken: 'a', expiresIn: 600, refreshToken: 'r', refreshExpiresIn: 2_592_000 };
    assert.deepEqual(fromAnswer(res, { id: 'u1', email: 'e@x.yz' }, 1_000), { token: 'a', expiresAt: 601_000,
      lifetime: 600_000, refreshToken: 'r', refreshExpiresAt: 2_592_001_000, user: { id: 'u1', email: 'e@x.yz', name: '' } });
  });

  test('validSession refuses what is not a session', () => {
    assert.deepEqual(validSession(S()), S());
    for (const bad of [null, 'x', {}, S({ token: '' }), S({ refreshToken: 3 }), S({ expiresAt: 'soon' }), S({ user: {} })]) {
      assert.equal(validSession(bad), null, JSON.stringify(bad));
    }
  });
});

const login = (id, expiresIn = 900) => ({ accessToken: `tok-${id}`, expiresIn, refreshToken: `rt-${id}`,
  refreshExpiresIn: 86_400, user: user(id) });

/** setup gives each test fresh storages, a logged-out session and a fake client. */
function setup() {
  const ctx = { client: null, left: [] };
  beforeEach(() => {
    globalThis.localStorage = new MemoryStorage();
    globalThis.sessionStorage = new MemoryStorage();
    ctx.left = [];
    ctx.client = { token: '', refreshes: [], answer: null, config: { functions: { refresh: 'https://refresh.example.com' } },
      async refresh(rt) {
        this.refreshes.push(rt);
        await new Promise((r) => setTimeout(r, 5));
        if (this.answer) return this.answer(rt);
        const n = this.refreshes.length + 1;
        return { accessToken: `tok-${n}`, expiresIn: 900, refreshToken: `rt-${n}`, refreshExpiresIn: 86_400 };
      } };
    session.loadSession();
    session.useClient(ctx.client);
    keepWith(ctx.client, (expired) => ctx.left.push(expired));
  });
  afterEach(() => {
    session.endSession(true); // also stops the timer
    delete globalThis.localStorage;
    delete globalThis.sessionStorage;
  });
  return ctx;
}

describe('session storage', () => {
  setup();

  test('startSession stores the session for every tab and hands the token to the client', () => {
    const s = session.startSession(login('u1', 60), 1_000);
    assert.deepEqual(s, { token: 'tok-u1', expiresAt: 61_000, lifetime: 60_000, refreshToken: 'rt-u1',
      refreshExpiresAt: 86_401_000, user: user('u1') });
    assert.deepEqual(JSON.parse(localStorage.getItem(KEYS.session)), s);
    assert.equal(session.rememberedEmail(), 'u1@example.com');
    assert.equal(session.lapsed(61_000), false, 'a run-out token that can be renewed has not lapsed');
    assert.equal(session.lapsed(86_401_000), true);
    session.loadSession(2_000);
    assert.equal(session.getSession().token, 'tok-u1', 'a reload, or a new tab, reads it back');
    session.loadSession(86_401_000);
    assert.equal(session.getSession(), null, 'not once its refresh token has run out');
  });

  test('the session an older version kept in sessionStorage is dropped', () => {
    sessionStorage.setItem(KEYS.session, JSON.stringify({ token: 't', expiresAt: 1e15, user: user('u1') }));
    localStorage.setItem(KEYS.session, JSON.stringify({ token: 't', expiresAt: 1e15, user: user('u1') }));
    assert.equal(session.loadSession(), null, 'no refresh token: not a session');
    assert.equal(sessionStorage.getItem(KEYS.session), null);
    localStorage.setItem(KEYS.session, '{not json');
    assert.equal(session.loadSession(), null);
  });

  test('renewed keeps the user and stores the new tokens', () => {
    session.startSession(login('u1'));
    session.renewed({ accessToken: 'tok-2', expiresIn: 900, refreshToken: 'rt-2', refreshExpiresIn: 86_400 });
    assert.equal(ctxToken(), 'tok-2');
    assert.deepEqual(session.storedSession().user, user('u1'));
    assert.equal(session.storedSession().refreshToken, 'rt-2');
  });
  const ctxToken = () => session.getSession().token;

  test('an expired end keeps the drafts for the same user; a log-out drops them; both clear the stored session', () => {
    session.startSession(login('u1'));
    session.saveDraft({ newTodo: 'milk' });
    assert.equal(session.endSession(true), '#/login?expired=1');
    assert.equal(session.getSession(), null);
    assert.equal(localStorage.getItem(KEYS.session), null);
    assert.deepEqual(session.drafts(), {}, 'no drafts while logged out');
    session.startSession(login('u1'));
    assert.equal(session.drafts().newTodo, 'milk');
    assert.equal(session.endSession(false), '#/login?out=1');
    assert.equal(sessionStorage.getItem(KEYS.drafts), null);
  });

  test('ending a session leaves another user\'s stored session alone', () => {
    session.startSession(login('u1'));
    localStorage.setItem(KEYS.session, JSON.stringify(S({ user: user('u2') })));
    session.endSession(true);
    assert.equal(session.storedSession().user.id, 'u2');
  });

  test('another user logging in does not see the drafts', () => {
    session.startSession(login('u1'));
    session.saveDraft({ newTodo: 'secret' });
    session.endSession(true);
    session.startSession(login('u2'));
    assert.deepEqual(session.drafts(), {});
    assert.equal(sessionStorage.getItem(KEYS.drafts), null);
  });
});

describe('keeper', () => {
  const ctx = setup();
  const refused = () => new ApiError(401, 'unauthorized', 'The session has ended; log in again.');

  test('renew spends the stored refresh token once for callers at the same time', async () => {
    session.startSession(login('u1'));
    const got = await Promise.all([renew(), renew(), renew()]);
    assert.deepEqual(got, [true, true, true]);
    assert.deepEqual(ctx.client.refreshes, ['rt-u1']);
    assert.equal(ctx.client.token, 'tok-2');
    assert.equal(session.storedSession().refreshToken, 'rt-2');
  });

  test('without a refresh URL the session lasts its token: no renewal while it is good, ended after', async () => {
    ctx.client.config = { functions: {} };
    session.startSession(login('u1', 60));
    await assert.rejects(renew(), (e) => e instanceof ApiError && e.code === 'off');
    assert.deepEqual(ctx.client.refreshes, [], 'nothing sent');
    assert.ok(session.getSession(), 'the session goes on while its token is good');
    session.startSession(login('u1', -1));
    assert.equal(await renew(), false, 'a run-out token cannot be renewed: the session has ended');
    assert.deepEqual(ctx.client.refreshes, []);
  });

  test('renew takes the token another tab stored, sending nothing', async () => {
    session.startSession(login('u1'));
    localStorage.setItem(KEYS.session, JSON.stringify({ ...session.getSession(), token: 'tok-other', refreshToken: 'rt-other' }));
    assert.equal(await renew(), true);
    assert.deepEqual(ctx.client.refreshes, []);
    assert.equal(ctx.client.token, 'tok-other');
  });

  test('renew reads the store again: the refresh token another tab rotated is the one spent', async () => {
    session.startSession(login('u1', 0.5)); // due at once
    localStorage.setItem(KEYS.session, JSON.stringify({ ...session.getSession(), token: 'tok-b', refreshToken: 'rt-b' }));
    assert.equal(await renew(), true);
    assert.deepEqual(ctx.client.refreshes, ['rt-b']);
  });

  test('a refused refresh ends the session, unless another tab stored a newer one meanwhile', async () => {
    session.startSession(login('u1'));
    ctx.client.answer = () => { throw refused(); };
    assert.equal(await renew(), false);
    ctx.client.answer = () => {
      localStorage.setItem(KEYS.session, JSON.stringify({ ...session.getSession(), token: 'tok-new', refreshToken: 'rt-new' }));
      throw refused();
    };
    assert.equal(await renew(), true);
    assert.equal(ctx.client.token, 'tok-new');
    ctx.client.answer = () => { throw new ApiError(0, 'network', 'Failed to fetch'); };
    session.startSession(login('u1'));
    await assert.rejects(renew(), (e) => e.code === 'network', 'a refresh that got no answer is thrown');
  });

  test('authed renews on a 401 and tries once more with the new token', async () => {
    session.startSession(login('u1'));
    const sent = [];
    const call = async () => {
      sent.push(ctx.client.token);
      if (sent.length === 1) throw refused();
      return 'ok';
    };
    assert.equal(await authed(call), 'ok');
    assert.deepEqual(sent, ['tok-u1', 'tok-2']);
    assert.deepEqual(ctx.left, []);
  });

  test('authed leaves after a second 401, and when the refresh is refused', async () => {
    session.startSession(login('u1'));
    await assert.rejects(authed(async () => { throw refused(); }), (e) => e === UNAUTHORIZED);
    assert.deepEqual(ctx.left, [true]);
    session.startSession(login('u1'));
    ctx.client.answer = () => { throw refused(); };
    let calls = 0;
    await assert.rejects(authed(async () => { calls++; throw refused(); }), (e) => e === UNAUTHORIZED);
    assert.equal(calls, 1);
    assert.deepEqual(ctx.left, [true, true]);
  });

  test('a wrong password (401 invalid_credentials) and other errors pass through', async () => {
    session.startSession(login('u1'));
    const wrong = new ApiError(401, 'invalid_credentials', 'The password is wrong.', 'password');
    await assert.rejects(authed(async () => { throw wrong; }), (e) => e === wrong);
    await assert.rejects(authed(async () => { throw new ApiError(409, 'conflict', 'x'); }), ApiError);
    assert.deepEqual(ctx.client.refreshes, []);
    assert.deepEqual(ctx.left, []);
  });

  test('a token about to run out is renewed before the call; without a session nothing is sent', async () => {
    session.startSession(login('u1', 0.5));
    assert.equal(await authed(async () => ctx.client.token), 'tok-2');
    session.endSession(true);
    let called = false;
    await assert.rejects(authed(async () => { called = true; }), (e) => e === UNAUTHORIZED);
    assert.equal(called, false);
  });

  test('when renewing cannot reach the server, a token still good is sent as it is', async () => {
    session.startSession(login('u1', 0.5));
    ctx.client.answer = () => { throw new ApiError(0, 'network', 'Failed to fetch'); };
    assert.equal(await authed(async () => ctx.client.token), 'tok-u1');
  });

  test('two calls refused at once renew once', async () => {
    session.startSession(login('u1'));
    const call = async () => {
      const tok = ctx.client.token;
      await new Promise((r) => setTimeout(r, 1));
      if (tok === 'tok-u1') throw refused();
      return tok;
    };
    assert.deepEqual(await Promise.all([authed(call), authed(call)]), ['tok-2', 'tok-2']);
    assert.deepEqual(ctx.client.refreshes, ['rt-u1']);
  });

  test('the timer renews shortly before the token runs out, and leaves when it cannot', async () => {
    session.startSession(login('u1', 1.2)); // renewed 1 s before: after 0.2 s
    await new Promise((r) => setTimeout(r, 400));
    assert.deepEqual(ctx.client.refreshes, ['rt-u1']);
    assert.equal(ctx.client.token, 'tok-2');
    ctx.client.answer = () => { throw refused(); };
    session.startSession(login('u1', 1.05));
    await new Promise((r) => setTimeout(r, 250));
    assert.deepEqual(ctx.left, [true]);
  });
});
