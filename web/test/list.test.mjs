// Unit tests, in Node without a page, for the list's TodoMVC parts: the
// count's text in plural forms, the filters' routes, the state's counts,
// filters and conflicts, the status line's clock, the returning visitor,
// and the API client's filter, If-Match, 412 and bulk repeats (against a
// stubbed fetch).

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, mock, test } from 'node:test';

import { ApiError, Client, MAX_ROUNDS, ifMatch, untilDone } from '../api.js';
import { FILTER_HASH, filterOf, routeOf } from '../filters.js';
import { MESSAGES, plural } from '../i18n.js';
import { CODES } from '../limits.js';
import { STATUS_MS, notice } from '../notice.js';
import { decide, parseHash } from '../router.js';
import { FUNCTIONS } from '../routes.js';
import * as session from '../session.js';
import * as S from '../state.js';
import { KEYS } from '../storage.js';

describe('the count of todos left, in plural forms', () => {
  const cases = [
    ['en', 0, '0 items left'], ['en', 1, '1 item left'], ['en', 2, '2 items left'], ['en', 1000, '1,000 items left'],
    ['zh', 0, '剩余 0 项'], ['zh', 1, '剩余 1 项'], ['zh', 2, '剩余 2 项'], ['zh', 1000, '剩余 1,000 项'],
  ];
  for (const [lang, n, want] of cases) {
    test(`${lang} ${n}: ${want}`, () => assert.equal(plural(lang, 'itemsLeft', n), want));
  }

  test('the other counted texts', () => {
    assert.equal(plural('en', 'cleared', 1), 'Cleared 1 completed todo.');
    assert.equal(plural('en', 'cleared', 3), 'Cleared 3 completed todos.');
    assert.equal(plural('en', 'markedDone', 1), 'Marked 1 todo as complete.');
    assert.equal(plural('en', 'markedActive', 2), 'Marked 2 todos as active.');
    assert.equal(plural('zh', 'markedDone', 5), '已将 5 项标为已完成。');
  });

  test('every counted text has the "other" form, the fallback of every category', () => {
    for (const [lang, dict] of Object.entries(MESSAGES)) {
      for (const k of Object.keys(dict).filter((x) => /_(zero|one|two|few|many)$/.test(x))) {
        assert.ok(Object.hasOwn(dict, k.replace(/_\w+$/, '_other')), `${lang}.${k} has no _other`);
      }
    }
  });
});

describe('filters in the address', () => {
  test('each filter has a hash, and the hash reads back as its filter', () => {
    for (const f of S.FILTERS) {
      const { path } = parseHash(FILTER_HASH[f]);
      assert.equal(filterOf(path), f, FILTER_HASH[f]);
      assert.equal(routeOf(path), 'todos');
    }
    assert.deepEqual(FILTER_HASH, { all: '#/todos', active: '#/todos/active', completed: '#/todos/completed' });
  });

  test('other paths are no filter, and their own route', () => {
    for (const p of ['', 'todos/', 'todos/done', 'todos/active/x', 'login', 'Todos']) {
      assert.equal(filterOf(p), null, p);
      assert.equal(routeOf(p), p);
    }
  });

  const decisions = [
    { name: 'a filter shows when logged in', path: 'todos/active', state: { signedIn: true, lapsed: false }, want: 'show' },
    { name: 'a filter needs a log-in', path: 'todos/completed', state: { signedIn: false, lapsed: false }, want: '#/login' },
    { name: 'a filter of a lapsed session ends it', path: 'todos/active', state: { signedIn: true, lapsed: true }, want: 'expired' },
    { name: 'an unknown filter goes to the list', path: 'todos/done', state: { signedIn: true, lapsed: false }, want: '#/todos' },
    { name: 'a new visitor signs up', path: '', state: { signedIn: false, lapsed: false }, want: '#/signup' },
    { name: 'a returning visitor logs in', path: '', state: { signedIn: false, lapsed: false, known: true }, want: '#/login' },
    { name: 'a returning visitor on an unknown page logs in', path: 'nope', state: { signedIn: false, lapsed: false, known: true },
      want: '#/login' },
    { name: 'a returning visitor may still sign up', path: 'signup', state: { signedIn: false, lapsed: false, known: true },
      want: 'show' },
  ];
  for (const c of decisions) {
    test(`decide: ${c.name}`, () => assert.equal(decide(c.path, c.state), c.want));
  }
});

describe('the returning visitor', () => {
  class MemoryStorage {
    #m = new Map();
    getItem(k) { return this.#m.has(k) ? this.#m.get(k) : null; }
    setItem(k, v) { this.#m.set(k, String(v)); }
    removeItem(k) { this.#m.delete(k); }
  }
  beforeEach(() => {
    globalThis.localStorage = new MemoryStorage();
    globalThis.sessionStorage = new MemoryStorage();
  });
  afterEach(() => {
    session.endSession(false);
    delete globalThis.localStorage;
    delete globalThis.sessionStorage;
  });

  test('a log-in marks the browser as having had an account; a log-out keeps the mark; deletion drops it', () => {
    assert.equal(session.hadAccount(), false);
    session.startSession({ accessToken: 'a', expiresIn: 600, refreshToken: 'r', refreshExpiresIn: 3600,
      user: { id: 'u1', email: 'u1@example.com' } });
    assert.equal(session.hadAccount(), true);
    assert.equal(localStorage.getItem(KEYS.known), '1');
    session.endSession(false);
    assert.equal(session.hadAccount(), true, 'logged out, still known');
    session.forgetAccount();
    assert.equal(session.hadAccount(), false);
    session.markAccount();
    assert.equal(session.hadAccount(), true, 'as a verification marks it');
  });
});

const todo = (id, done = false, version = 1) => ({ id, title: `todo ${id}`, done, version, createdAt: '', updatedAt: '' });
const ids = (list) => list.items.map((x) => x.id);
const listOf = (filter, counts, ...items) => Object.freeze({ ...S.emptyList('alice', filter), loaded: true, counts, items });

describe('state: counts, filters and conflicts', () => {
  test('doneOf and matches', () => {
    assert.deepEqual(S.FILTERS.map(S.doneOf), [null, false, true]);
    assert.equal(S.matches('all', { done: true }), true);
    assert.equal(S.matches('active', { done: true }), false);
    assert.equal(S.matches('completed', { done: true }), true);
  });

  test('tally moves a todo between the counts, and never below 0', () => {
    const c = { active: 2, completed: 1 };
    assert.deepEqual(S.tally(c, null, { done: false }), { active: 3, completed: 1 });
    assert.deepEqual(S.tally(c, { done: false }, { done: true }), { active: 1, completed: 2 });
    assert.deepEqual(S.tally(c, { done: true }, null), { active: 2, completed: 0 });
    assert.deepEqual(S.tally({ active: 0, completed: 0 }, { done: true }, null), { active: 0, completed: 0 });
    assert.equal(S.tally(null, null, { done: true }), null, 'no counts yet: none made up');
    assert.deepEqual(c, { active: 2, completed: 1 }, 'the input is not changed');
  });

  test('the first page brings the counts; later pages keep them', () => {
    let l = S.mergePage(S.emptyList('alice', 'active'), { items: [todo('2')], nextCursor: 'c', counts: { active: 4, completed: 7 } }).list;
    assert.deepEqual(l.counts, { active: 4, completed: 7 });
    assert.equal(S.total(l), 11);
    l = S.mergePage(l, { items: [todo('1')], nextCursor: null }, { append: true }).list;
    assert.deepEqual(l.counts, { active: 4, completed: 7 });
    assert.equal(S.total(S.emptyList()), null);
  });

  test('an add is counted; the Completed filter counts it without showing it; a repeat is not counted twice', () => {
    const all = S.addItem(listOf('all', { active: 1, completed: 0 }, todo('1')), todo('2'));
    assert.deepEqual([ids(all), all.counts], [['2', '1'], { active: 2, completed: 0 }]);
    assert.deepEqual(S.addItem(all, todo('2')).counts, { active: 2, completed: 0 });
    const completed = S.addItem(listOf('completed', { active: 0, completed: 1 }, todo('1', true)), todo('2'));
    assert.deepEqual([ids(completed), completed.counts], [['1'], { active: 1, completed: 1 }]);
  });

  test('a tick moves the count; a todo the filter no longer shows leaves the list, and its edit or conflict', () => {
    const all = S.replaceItem(listOf('all', { active: 2, completed: 0 }, todo('2'), todo('1')), { ...todo('1', true, 2) });
    assert.deepEqual([ids(all), all.counts], [['2', '1'], { active: 1, completed: 1 }]);
    const active = { ...listOf('active', { active: 2, completed: 0 }, todo('2'), todo('1')), editing: '1' };
    const ticked = S.replaceItem(active, todo('1', true, 2));
    assert.deepEqual([ids(ticked), ticked.counts, ticked.editing], [['2'], { active: 1, completed: 1 }, null]);
    const renamed = S.replaceItem(active, { id: '1', title: 'renamed', version: 2 });
    assert.deepEqual([ids(renamed), renamed.counts], [['2', '1'], { active: 2, completed: 0 }], 'a rename moves no count');
  });

  test('a delete is uncounted; an unknown id changes no count', () => {
    const l = listOf('all', { active: 1, completed: 1 }, todo('2', true), todo('1'));
    assert.deepEqual(S.removeItem(l, '2').counts, { active: 1, completed: 0 });
    assert.deepEqual(S.removeItem(l, '9').counts, { active: 1, completed: 1 });
  });

  test('a conflict replaces the edit; keepTheirs takes their version; closeConflict forgets it', () => {
    const l = { ...listOf('all', { active: 1, completed: 0 }, todo('1')), editing: '1' };
    const theirs = { ...todo('1', true, 5), title: 'theirs' };
    const c = S.openConflict(l, '1', { title: 'mine' }, theirs);
    assert.deepEqual(c.conflict, { id: '1', mine: { title: 'mine' }, theirs });
    assert.equal(c.editing, null);
    assert.equal(S.findItem(c, '1').title, 'todo 1', 'ours is shown until the user chooses');
    const kept = S.keepTheirs(c);
    assert.deepEqual([kept.conflict, S.findItem(kept, '1').title, S.findItem(kept, '1').version, kept.counts],
      [null, 'theirs', 5, { active: 0, completed: 1 }]);
    assert.equal(S.closeConflict(c).conflict, null);
    assert.equal(S.openConflict(l, '9', {}, theirs), l, 'no conflict for a todo not shown');
    assert.equal(S.keepTheirs(l), l);
    const activeOnly = S.keepTheirs(S.openConflict(listOf('active', { active: 1, completed: 0 }, todo('1')), '1', { title: 'x' }, theirs));
    assert.deepEqual([ids(activeOnly), activeOnly.conflict], [[], null], 'theirs is done: it leaves Active');
  });

  test('removing a todo in conflict closes the conflict', () => {
    const c = S.openConflict(listOf('all', null, todo('1')), '1', { remove: true }, todo('1', false, 2));
    assert.equal(S.removeItem(c, '1').conflict, null);
  });
});

describe('the status line clears itself', () => {
  beforeEach(() => mock.timers.enable({ apis: ['setTimeout'] }));
  afterEach(() => mock.timers.reset());

  test(`a message stays ${STATUS_MS} ms, then goes; a newer one restarts the clock`, () => {
    const el = { textContent: '' };
    const n = notice(el, { setTimer: setTimeout, clearTimer: clearTimeout });
    n.say('Added “a”.');
    mock.timers.tick(STATUS_MS - 1);
    assert.equal(el.textContent, 'Added “a”.');
    n.say('Added “b”.');
    mock.timers.tick(STATUS_MS - 1);
    assert.equal(el.textContent, 'Added “b”.', 'the first clock no longer runs');
    mock.timers.tick(1);
    assert.equal(el.textContent, '');
  });

  test('clear and an empty message clear at once', () => {
    const el = { textContent: '' };
    const n = notice(el, { ms: 10, setTimer: setTimeout, clearTimer: clearTimeout });
    n.say('x');
    n.clear();
    assert.equal(el.textContent, '');
    n.say('y');
    n.say('');
    assert.equal(el.textContent, '');
    mock.timers.tick(10);
    assert.equal(el.textContent, '');
  });
});

describe('the API client: filters, If-Match, 412 and bulk changes', () => {
  const functions = Object.fromEntries(Object.keys(FUNCTIONS).map((f) => [f, `https://${f}.example.com`]));
  let sent;
  let answer;
  let realFetch;
  beforeEach(() => {
    sent = [];
    answer = () => new Response('{"items":[],"nextCursor":null}', { status: 200 });
    realFetch = globalThis.fetch;
    globalThis.fetch = async (url, init) => {
      sent.push({ url, method: init.method, headers: init.headers, body: init.body && JSON.parse(init.body) });
      return answer(url, init);
    };
  });
  afterEach(() => {
    globalThis.fetch = realFetch;
  });

  test('list names the filter as done=, and only with one', async () => {
    const c = new Client({ functions });
    await c.list(20, null, false);
    await c.list(20, 'cur', true);
    await c.list(20);
    assert.deepEqual(sent.map((r) => new URL(r.url).search), ['?limit=20&done=false', '?limit=20&done=true&cursor=cur', '?limit=20']);
  });

  test('update and remove send If-Match with the version, as a strong entity tag', async () => {
    const c = new Client({ functions });
    await c.update('1', { done: true }, 7);
    answer = () => new Response(null, { status: 204 });
    await c.remove('1', 8);
    await c.remove('1');
    assert.equal(sent[0].headers['If-Match'], '"7"');
    assert.equal(sent[1].headers['If-Match'], '"8"');
    assert.equal(sent[2].headers['If-Match'], undefined, 'no version, no If-Match');
    assert.deepEqual([ifMatch(0), ifMatch(undefined), ifMatch(1.5), ifMatch(3)], [{}, {}, {}, { 'If-Match': '"3"' }]);
  });

  test('a 412 is an ApiError that carries the todo as it is now', async () => {
    const current = { id: '1', title: 'theirs', done: true, version: 9 };
    answer = () => new Response(JSON.stringify({ error: { code: CODES.PRECONDITION_FAILED, message: 'Changed.' }, todo: current }),
      { status: 412 });
    const c = new Client({ functions });
    const e = await c.update('1', { title: 'mine' }, 8).catch((x) => x);
    assert.ok(e instanceof ApiError);
    assert.deepEqual([e.status, e.code, e.current], [412, CODES.PRECONDITION_FAILED, current]);
    answer = () => new Response('{"error":{"code":"not_found","message":"No."}}', { status: 404 });
    assert.equal((await c.update('1', {}, 1).catch((x) => x)).current, null);
  });

  test('the bulk changes are off while config.json has no URL for them', async () => {
    const c = new Client({ functions: {} });
    for (const call of [() => c.clearCompleted(), () => c.markAll(true)]) {
      const e = await call().catch((x) => x);
      assert.deepEqual([e instanceof ApiError, e.code], [true, 'off']);
    }
    assert.deepEqual(sent, []);
  });

  test('untilDone repeats a batch while the answer says more, and adds up what changed', async () => {
    const answers = [{ changed: 100, more: true }, { changed: 100, more: true }, { changed: 7, more: false }];
    let calls = 0;
    assert.equal(await untilDone(async () => answers[calls++]), 207);
    assert.equal(calls, 3);
    assert.equal(await untilDone(async () => ({ changed: 0, more: false })), 0);
    assert.equal(await untilDone(async () => null), 0, 'an empty answer is the end');
  });

  test('untilDone stops after MAX_ROUNDS batches of a server that always says more', async () => {
    let calls = 0;
    assert.equal(await untilDone(async () => { calls++; return { changed: 1, more: true }; }), MAX_ROUNDS);
    assert.equal(calls, MAX_ROUNDS);
  });

  test('untilDone throws a failed batch, after the ones before it', async () => {
    let calls = 0;
    const boom = new ApiError(503, CODES.UNAVAILABLE, 'Busy.');
    await assert.rejects(untilDone(async () => {
      if (++calls === 2) throw boom;
      return { changed: 5, more: true };
    }), boom);
    assert.equal(calls, 2);
  });

  test('config.example.json names a URL for every function of routes.js, the bulk ones too', async () => {
    const { readFile } = await import('node:fs/promises');
    const example = JSON.parse(await readFile(new URL('../config.example.json', import.meta.url), 'utf8'));
    assert.deepEqual(Object.keys(example.functions).sort(), Object.keys(FUNCTIONS).sort());
  });

  const bulk = Object.hasOwn(FUNCTIONS, 'todos-clear') && Object.hasOwn(FUNCTIONS, 'todos-mark-all');
  test('clear completed and mark all call their functions, repeated while more', { skip: !bulk && 'routes.js has no bulk routes yet' },
    async () => {
      let left = 2;
      answer = () => new Response(JSON.stringify({ changed: 50, more: --left > 0 }), { status: 200 });
      const c = new Client({ functions });
      c.token = 'tok';
      assert.equal(await untilDone(() => c.clearCompleted()), 100);
      left = 1;
      assert.equal(await untilDone(() => c.markAll(false)), 50);
      assert.deepEqual(sent.map((r) => `${r.method} ${r.url}`), [
        'DELETE https://todos-clear.example.com/todos?done=true',
        'DELETE https://todos-clear.example.com/todos?done=true',
        'PATCH https://todos-mark-all.example.com/todos',
      ]);
      assert.deepEqual(sent[2].body, { done: false });
      assert.equal(sent[0].headers.Authorization, 'Bearer tok');
    });
});
