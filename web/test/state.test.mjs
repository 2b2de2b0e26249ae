// Unit tests for web/state.js, the todo list's pure state functions.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import * as S from '../state.js';

const todo = (id, title = `todo ${id}`, done = false) =>
  ({ id, title, done, createdAt: `2025-01-01T00:00:${id.padStart(2, '0')}Z`, updatedAt: `2025-01-01T00:00:${id.padStart(2, '0')}Z` });
const ids = (list) => list.items.map((x) => x.id);

/** deepFreeze makes any mutation of the input throw in strict mode. */
function deepFreeze(o) {
  for (const v of Object.values(o)) if (v && typeof v === 'object') deepFreeze(v);
  return Object.freeze(o);
}

/** listOf is a loaded list of alice's with the given ids, newest first. */
const listOf = (...list) => deepFreeze({ ...S.emptyList(), owner: 'alice', loaded: true, items: list.map((id) => todo(id)) });

describe('emptyList and ownedBy', () => {
  test('an empty list is not loaded and belongs to no one', () => {
    const l = S.emptyList();
    assert.deepEqual(l, { owner: '', filter: 'all', items: [], nextCursor: null, loaded: false, editing: null, counts: null,
      conflict: null });
    assert.equal(S.ownedBy(l, 'alice'), false);
    assert.equal(S.ownedBy(l, ''), false, 'no user owns an unowned list');
  });

  test('a loaded list is owned only by its user', () => {
    const { list } = S.mergePage(S.emptyList(), { items: [todo('1')] }, { owner: 'alice' });
    assert.equal(S.ownedBy(list, 'alice'), true);
    assert.equal(S.ownedBy(list, 'bob'), false);
  });

  test('a failed first load is loaded but owned by no one, so it is tried again', () => {
    const l = S.loadFailed(S.emptyList());
    assert.equal(l.loaded, true);
    assert.equal(S.ownedBy(l, 'alice'), false);
  });
});

describe('mergePage', () => {
  test('the first page replaces what was there, in the API order, with its cursor', () => {
    const before = listOf('9', '8');
    const { list, fresh } = S.mergePage(before, { items: [todo('3'), todo('2'), todo('1')], nextCursor: 'c1' }, { owner: 'alice' });
    assert.deepEqual(ids(list), ['3', '2', '1']);
    assert.equal(list.nextCursor, 'c1');
    assert.equal(list.loaded, true);
    assert.deepEqual(fresh.map((x) => x.id), ['3', '2', '1']);
    assert.deepEqual(ids(before), ['9', '8'], 'the input is not changed');
  });

  test('a later page is appended after the shown todos, newest first kept', () => {
    const { list, fresh } = S.mergePage(listOf('5', '4', '3'), { items: [todo('2'), todo('1')], nextCursor: 'c2' }, { append: true });
    assert.deepEqual(ids(list), ['5', '4', '3', '2', '1']);
    assert.deepEqual(fresh.map((x) => x.id), ['2', '1']);
    assert.equal(list.nextCursor, 'c2');
    assert.equal(list.owner, 'alice', 'the owner is kept when none is given');
  });

  test('a later page drops todos already shown (the list moved between pages)', () => {
    // A todo added at the top shifts the next page by one: "3" comes again.
    const shownFirst = { ...listOf('5', '4', '3'), items: [todo('5'), todo('4'), todo('3', 'shown title')] };
    const page = { items: [todo('3', 'page title'), todo('2'), todo('1')], nextCursor: null };
    const { list, fresh } = S.mergePage(shownFirst, page, { append: true });
    assert.deepEqual(ids(list), ['5', '4', '3', '2', '1']);
    assert.deepEqual(fresh.map((x) => x.id), ['2', '1']);
    assert.equal(list.items[2].title, 'shown title', 'the shown copy stays');
    const titles = list.items.map((x) => x.id);
    assert.equal(new Set(titles).size, titles.length, 'no todo twice');
  });

  test('a page is deduplicated within itself too', () => {
    const { list } = S.mergePage(S.emptyList(), { items: [todo('2'), todo('2'), todo('1')] }, { owner: 'alice' });
    assert.deepEqual(ids(list), ['2', '1']);
  });

  test('the last page clears the cursor; a page of nothing changes no todos', () => {
    const withCursor = { ...listOf('2', '1'), nextCursor: 'c1' };
    const { list, fresh } = S.mergePage(withCursor, { items: [], nextCursor: null }, { append: true });
    assert.deepEqual(ids(list), ['2', '1']);
    assert.deepEqual(fresh, []);
    assert.equal(list.nextCursor, null);
    assert.equal(S.mergePage(withCursor, { items: [todo('0')] }, { append: true }).list.nextCursor, null, 'a missing cursor is null');
  });

  test('a missing page or items reads as empty', () => {
    assert.deepEqual(ids(S.mergePage(listOf('1'), null).list), []);
    assert.deepEqual(ids(S.mergePage(listOf('1'), {}, { append: true }).list), ['1']);
  });

  test('loading a page keeps the todo being edited', () => {
    const editing = { ...listOf('3', '2'), editing: '2', nextCursor: 'c' };
    assert.equal(S.mergePage(editing, { items: [todo('1')] }, { append: true }).list.editing, '2');
  });
});

describe('addItem', () => {
  test('a new todo goes on top', () => {
    const before = listOf('2', '1');
    const after = S.addItem(before, todo('3'));
    assert.deepEqual(ids(after), ['3', '2', '1']);
    assert.deepEqual(ids(before), ['2', '1'], 'the input is not changed');
  });

  test('a todo already on the list (a retried add answered twice) is moved to the top, once', () => {
    const after = S.addItem(listOf('3', '2', '1'), todo('1', 'fresh'));
    assert.deepEqual(ids(after), ['1', '3', '2']);
    assert.equal(after.items[0].title, 'fresh');
  });

  test('cursor and editing are kept', () => {
    const after = S.addItem({ ...listOf('1'), nextCursor: 'c', editing: '1' }, todo('2'));
    assert.equal(after.nextCursor, 'c');
    assert.equal(after.editing, '1');
  });
});

describe('replaceItem', () => {
  test('the new version takes the old one’s place', () => {
    const before = listOf('3', '2', '1');
    const after = S.replaceItem(before, { ...todo('2', 'renamed'), done: true });
    assert.deepEqual(ids(after), ['3', '2', '1']);
    assert.deepEqual(after.items[1], { ...todo('2', 'renamed'), done: true });
    assert.equal(after.items[0], before.items[0], 'the others are the same objects');
    assert.equal(before.items[1].title, 'todo 2', 'the input is not changed');
  });

  test('fields the answer lacks keep their old values', () => {
    const after = S.replaceItem(listOf('1'), { id: '1', done: true });
    assert.deepEqual(after.items[0], { ...todo('1'), done: true });
  });

  test('a todo not on the list is not added', () => {
    const before = listOf('2', '1');
    assert.equal(S.replaceItem(before, todo('7')), before);
  });
});

describe('removeItem', () => {
  test('drops the todo and keeps the order of the rest', () => {
    const after = S.removeItem(listOf('3', '2', '1'), '2');
    assert.deepEqual(ids(after), ['3', '1']);
  });

  test('stops editing the removed todo, but not another one', () => {
    assert.equal(S.removeItem({ ...listOf('2', '1'), editing: '2' }, '2').editing, null);
    assert.equal(S.removeItem({ ...listOf('2', '1'), editing: '1' }, '2').editing, '1');
  });

  test('an unknown id changes nothing but the copy', () => {
    const before = { ...listOf('2', '1'), nextCursor: 'c' };
    assert.deepEqual(S.removeItem(before, 'nope'), before);
  });
});

describe('editing', () => {
  test('start and stop editing a shown todo', () => {
    const editing = S.startEditing(listOf('2', '1'), '1');
    assert.equal(editing.editing, '1');
    assert.equal(S.stopEditing(editing).editing, null);
    const idle = listOf('1');
    assert.equal(S.stopEditing(idle), idle, 'stopping when idle is a no-op');
  });

  test('a todo not on the list cannot be edited', () => {
    const before = listOf('1');
    assert.equal(S.startEditing(before, '9'), before);
  });

  test('findItem finds by id', () => {
    assert.equal(S.findItem(listOf('2', '1'), '1').title, 'todo 1');
    assert.equal(S.findItem(listOf('2', '1'), '9'), undefined);
  });

  test('resumeEdit reopens a kept edit of a shown todo', () => {
    const r = S.resumeEdit(listOf('2', '1'), { id: '1', title: 'typed' });
    assert.equal(r.lost, false);
    assert.equal(r.list.editing, '1');
  });

  test('resumeEdit reports an edit whose todo is gone as lost', () => {
    const before = listOf('2', '1');
    const r = S.resumeEdit(before, { id: '9', title: 'typed' });
    assert.equal(r.lost, true);
    assert.equal(r.list, before);
    assert.equal(r.list.editing, null);
  });

  test('resumeEdit without a kept edit changes nothing', () => {
    const before = listOf('1');
    for (const edit of [undefined, null, {}, { id: '' }]) {
      assert.deepEqual(S.resumeEdit(before, edit), { list: before, lost: false });
    }
  });
});

test('a run of changes as the list page makes them', () => {
  let l = S.emptyList();
  l = S.mergePage(l, { items: [todo('3'), todo('2')], nextCursor: 'c1' }, { owner: 'alice' }).list;
  l = S.addItem(l, todo('4'));
  l = S.mergePage(l, { items: [todo('2'), todo('1')], nextCursor: null }, { append: true }).list;
  l = S.startEditing(l, '3');
  l = S.replaceItem(l, { id: '3', title: 'three', done: true });
  l = S.stopEditing(l);
  l = S.removeItem(l, '2');
  assert.deepEqual(l.items.map((x) => [x.id, x.title, x.done]),
    [['4', 'todo 4', false], ['3', 'three', true], ['1', 'todo 1', false]]);
  assert.equal(l.nextCursor, null);
  assert.equal(l.editing, null);
  assert.equal(S.ownedBy(l, 'alice'), true);
});
