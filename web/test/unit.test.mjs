// Unit tests for the parts of the web app and harness that need no browser:
// the language choice and texts, and the .eml parser the journey relies on.

import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';

import { PAGE_SIZE } from '../constants.js';
import { MESSAGES, errorText, pickLang, translate } from '../i18n.js';
import { decodeQP, decodeWords, parseEml, signToken } from './lib/harness.mjs';

describe('i18n', () => {
  test('both languages have the same keys and no empty text', () => {
    const en = Object.keys(MESSAGES.en).sort();
    const zh = Object.keys(MESSAGES.zh).sort();
    assert.deepEqual(zh, en);
    for (const [lang, dict] of Object.entries(MESSAGES)) {
      for (const [k, v] of Object.entries(dict)) assert.ok(v.trim(), `${lang}.${k} is empty`);
    }
  });

  test('the labels the brief names are exact in English', () => {
    const want = { email: 'Email', password: 'Password', name: 'Name', newTodo: 'New todo', code: 'Code',
      signup: 'Sign up', login: 'Log in', verify: 'Verify', add: 'Add', delete: 'Delete', logout: 'Log out',
      loadMore: 'Load more', edit: 'Edit', save: 'Save' };
    for (const [k, v] of Object.entries(want)) assert.equal(MESSAGES.en[k], v, k);
  });

  const langs = [
    { name: 'remembered choice wins', stored: 'en', browser: ['zh-CN'], want: 'en' },
    { name: 'remembered zh', stored: 'zh', browser: ['en-US'], want: 'zh' },
    { name: 'zh-CN browser', stored: null, browser: ['zh-CN', 'en'], want: 'zh' },
    { name: 'zh-TW browser', stored: null, browser: ['zh-TW'], want: 'zh' },
    { name: 'plain zh', stored: null, browser: ['zh'], want: 'zh' },
    { name: 'English browser', stored: null, browser: ['en-GB'], want: 'en' },
    { name: 'other language falls back to English', stored: null, browser: ['fr-FR'], want: 'en' },
    { name: 'unknown stored value is ignored', stored: 'de', browser: ['zh-HK'], want: 'zh' },
    { name: 'no browser languages', stored: null, browser: [], want: 'en' },
  ];
  for (const c of langs) {
    test(`pickLang: ${c.name}`, () => assert.equal(pickLang(c.stored, c.browser), c.want));
  }

  test('translate fills placeholders and falls back to the key', () => {
    assert.equal(translate('en', 'retryAfter', { s: 30 }), 'Try again in 30 seconds.');
    assert.equal(translate('zh', 'retryAfter', { s: 30 }), '请在 30 秒后重试。');
    assert.equal(translate('en', 'no-such-key'), 'no-such-key');
  });

  const errs = [
    { name: 'English shows the API message', lang: 'en', err: { code: 'invalid_credentials', message: 'Wrong e-mail or password.' },
      want: 'Wrong e-mail or password.' },
    { name: 'Chinese localises the code', lang: 'zh', err: { code: 'invalid_credentials', message: 'Wrong e-mail or password.' },
      want: '邮箱或密码不正确。' },
    { name: 'Chinese validation by field', lang: 'zh', err: { code: 'validation_failed', field: 'password', message: 'x' },
      want: '密码需为 8 到 128 个字符。' },
    { name: 'Chinese unknown code shows the API message', lang: 'zh', err: { code: 'brand_new', message: 'Server says.' },
      want: 'Server says.' },
    { name: 'retry delay is added', lang: 'en', err: { code: 'rate_limited', message: 'Too many attempts.', retryAfter: 12 },
      want: 'Too many attempts. Try again in 12 seconds.' },
    { name: 'network failure has its own sentence', lang: 'en', err: { code: 'network', message: 'Failed to fetch' },
      want: 'Could not reach the server. Check your connection and try again.' },
  ];
  for (const c of errs) {
    test(`errorText: ${c.name}`, () => assert.equal(errorText(c.lang, c.err), c.want));
  }

  test('the page size is one the list route accepts', () => {
    assert.ok(Number.isInteger(PAGE_SIZE) && PAGE_SIZE >= 1 && PAGE_SIZE <= 100, String(PAGE_SIZE));
  });
});

describe('eml parsing', () => {
  test('quoted-printable with soft breaks and UTF-8', () => {
    assert.equal(decodeQP('caf=C3=A9 =\nand=3D more'), 'café and= more');
    assert.equal(decodeQP('=E6=82=A8=E5=A5=BD'), '您好');
  });

  test('encoded-word subjects', () => {
    assert.equal(decodeWords('=?UTF-8?q?Your_code:_123456_/_=E6=82=A8?= =?UTF-8?q?=E5=A5=BD?='), 'Your code: 123456 / 您好');
    assert.equal(decodeWords('=?UTF-8?b?5oKo5aW9?='), '您好');
    assert.equal(decodeWords('Plain'), 'Plain');
  });

  const text = 'Your verification code is 642116.\nhttp://127.0.0.1:1/verify?code=642116&email=a%40example.com\n您好';
  const cases = [
    { name: 'multipart QP', enc: 'quoted-printable', body: text.replace(/=/g, '=3D').replace('您好', '=E6=82=A8=E5=A5=BD') },
    { name: 'multipart base64', enc: 'base64', body: Buffer.from(text).toString('base64').replace(/(.{76})/g, '$1\r\n') },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const raw = [
        'Subject: =?UTF-8?q?Your_verification_code:_642116?=', 'To: <a@example.com>',
        'Content-Type: multipart/alternative;', ' boundary=XYZ', '',
        '--XYZ', `Content-Transfer-Encoding: ${c.enc}`, 'Content-Type: text/plain; charset=UTF-8', '', c.body, '',
        '--XYZ', 'Content-Type: text/html; charset=UTF-8', '', '<p>html</p>', '', '--XYZ--', ''].join('\r\n');
      const m = parseEml(raw);
      assert.equal(m.subject, 'Your verification code: 642116');
      assert.equal(m.to, '<a@example.com>');
      assert.equal(m.text.trim(), text);
      assert.equal(m.html.trim(), '<p>html</p>');
    });
  }
});

test('signToken makes an HS256 JWT the server can check', () => {
  const secret = Buffer.alloc(32, 7);
  const tok = signToken({ sub: 'u1', exp: 10, iat: 5 }, 'k1', secret);
  const [h, b, s] = tok.split('.');
  assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url')), { alg: 'HS256', typ: 'JWT', kid: 'k1' });
  assert.deepEqual(JSON.parse(Buffer.from(b, 'base64url')), { iss: 'todofn', aud: ['todofn-api'], sub: 'u1', exp: 10, iat: 5 });
  assert.equal(s, createHmac('sha256', secret).update(`${h}.${b}`).digest('base64url'));
});
