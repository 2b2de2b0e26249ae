// Unit tests for the parts of the web app and harness that need no browser:
// the language choice and texts, and the .eml parser the journey relies on.

import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { describe, test } from 'node:test';

import { passwordProblem, textLength, validEmail, validName, validTitle } from '../check.js';
import { EMAIL_MAX, MAX_PAGE_SIZE, NAME_MAX, PASSWORD_MAX, PASSWORD_MIN, TITLE_MAX } from '../limits.js';
import { PAGE_SIZE } from '../state.js';
import { MESSAGES, errorText, pickLang, translate, waitText, withWait } from '../i18n.js';
import { decodeQP, decodeWords, linkParams, linkWithCode, parseEml, signToken } from './lib/harness.mjs';

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
      loadMore: 'Load more', edit: 'Edit', save: 'Save', forgotLink: 'Forgot password?', newPassword: 'New password',
      currentPassword: 'Current password', changePassword: 'Change password', deleteAccount: 'Delete account',
      logoutEverywhere: 'Log out everywhere' };
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
    assert.equal(translate('en', 'retryAfter', { wait: '30 seconds' }), 'Try again in 30 seconds.');
    assert.equal(translate('zh', 'retryAfter', { wait: '30 秒' }), '请在 30 秒后重试。');
    assert.equal(translate('en', 'no-such-key'), 'no-such-key');
  });

  test('the password texts name the limits of limits.js', () => {
    for (const lang of ['en', 'zh']) {
      const m = MESSAGES[lang];
      for (const k of ['passwordHint', 'passwordShort']) assert.ok(m[k].includes(String(PASSWORD_MIN)), `${lang}.${k}`);
      for (const k of ['passwordHint', 'passwordLong']) assert.ok(m[k].includes(String(PASSWORD_MAX)), `${lang}.${k}`);
    }
    const zh = errorText('zh', { code: 'validation_failed', field: 'password', message: 'Use at most 128 characters.' });
    assert.ok(zh.includes(`${PASSWORD_MIN} 到 ${PASSWORD_MAX}`), zh);
    assert.equal(MESSAGES.en.passwordHint, `${PASSWORD_MIN} to ${PASSWORD_MAX} characters. Avoid common passwords.`);
  });

  test('no text types a limit by hand: every number of limits.js in the table comes from it', async () => {
    const { readFile } = await import('node:fs/promises');
    const src = await readFile(new URL('../messages.js', import.meta.url), 'utf8');
    for (const n of [TITLE_MAX, PASSWORD_MIN, PASSWORD_MAX, NAME_MAX]) {
      assert.doesNotMatch(src, new RegExp(`(?<![\\w$])${n}(?!\\d)`), `messages.js types ${n}`);
    }
    assert.ok(MESSAGES.en.badTitle.includes(String(TITLE_MAX)) && MESSAGES.zh.badTitle.includes(String(TITLE_MAX)));
  });

  test('the page size is one the list route accepts', () => {
    assert.ok(Number.isInteger(PAGE_SIZE) && PAGE_SIZE >= 1 && PAGE_SIZE <= MAX_PAGE_SIZE, String(PAGE_SIZE));
  });
});

describe('lengths counted as Go counts them', () => {
  const emoji = '\u{1F600}'; // one code point, two UTF-16 units

  test('textLength counts code points, as utf8.RuneCountInString does', () => {
    assert.equal(textLength(emoji), 1);
    assert.equal(emoji.length, 2);
    assert.equal(textLength('a\u{1F600}b\u00e9'), 4);
    assert.equal(textLength(''), 0);
  });

  test(`a title of ${TITLE_MAX} emoji passes, one more does not`, () => {
    assert.equal(validTitle(emoji.repeat(TITLE_MAX)), true);
    assert.equal(validTitle(emoji.repeat(TITLE_MAX + 1)), false);
    assert.equal(validTitle('x'.repeat(TITLE_MAX)), true);
    assert.equal(validTitle('x'.repeat(TITLE_MAX + 1)), false);
    assert.equal(validTitle(''), false);
  });

  test(`an address is at most ${EMAIL_MAX} bytes, as the API counts it`, () => {
    const at = (local) => `${local}@example.com`;
    const fits = at('a'.repeat(EMAIL_MAX - '@example.com'.length));
    assert.equal(fits.length, EMAIL_MAX);
    assert.equal(validEmail(fits), true);
    assert.equal(validEmail(at('a'.repeat(EMAIL_MAX - '@example.com'.length + 1))), false);
    assert.equal(validEmail(at('\u00e9'.repeat(EMAIL_MAX / 2))), false, 'é is two bytes');
  });

  test(`a name of ${NAME_MAX} emoji passes, one more does not`, () => {
    assert.equal(validName(emoji.repeat(NAME_MAX)), true);
    assert.equal(validName(emoji.repeat(NAME_MAX + 1)), false);
    assert.equal(validName(''), true);
  });

  test('a password is counted in code points after NFKC, with its limits from Go', () => {
    assert.equal(passwordProblem(emoji.repeat(PASSWORD_MIN)), '');
    assert.equal(passwordProblem(emoji.repeat(PASSWORD_MIN - 1)), 'passwordShort');
    assert.equal(passwordProblem(emoji.repeat(PASSWORD_MAX)), '');
    assert.equal(passwordProblem(emoji.repeat(PASSWORD_MAX + 1)), 'passwordLong');
    assert.equal(passwordProblem('\uFB01'.repeat(PASSWORD_MIN / 2)), '', 'the ligature fi is two characters after NFKC');
    for (const lang of ['en', 'zh']) for (const k of ['passwordShort', 'passwordLong']) assert.ok(MESSAGES[lang][k], `${lang}.${k}`);
  });
});

describe('error texts and waits', () => {
  const errs = [
    { name: 'English shows the API message', lang: 'en', err: { code: 'invalid_credentials', message: 'Wrong e-mail or password.' },
      want: 'Wrong e-mail or password.' },
    { name: 'Chinese localises the code', lang: 'zh', err: { code: 'invalid_credentials', message: 'Wrong e-mail or password.' },
      want: '邮箱或密码不正确。' },
    { name: 'Chinese validation by field', lang: 'zh', err: { code: 'validation_failed', field: 'password', message: 'x' },
      want: '密码需为 12 到 128 个字符。' },
    { name: 'Chinese common password', lang: 'zh',
      err: { code: 'validation_failed', field: 'password', message: 'That password is too common; choose another one.' },
      want: '这个密码太常见，很容易被猜到。请换一个不常见的密码。' },
    { name: 'Chinese too short a password', lang: 'zh',
      err: { code: 'validation_failed', field: 'password', message: 'Use at least 12 characters for the password.' },
      want: '密码需为 12 到 128 个字符。' },
    { name: 'English shows the server sentence for a password', lang: 'en',
      err: { code: 'validation_failed', field: 'password', message: 'That password is too common; choose another one.' },
      want: 'That password is too common; choose another one.' },
    { name: 'Chinese unknown code shows the API message', lang: 'zh', err: { code: 'brand_new', message: 'Server says.' },
      want: 'Server says.' },
    { name: 'retry delay is added', lang: 'en', err: { code: 'rate_limited', message: 'Too many attempts.', retryAfter: 12 },
      want: 'Too many attempts. Try again in 12 seconds.' },
    { name: 'the API wait is worded from Retry-After, not twice', lang: 'en',
      err: { code: 'rate_limited', message: 'Too many failed log-ins. Try again in 1 minutes.', retryAfter: 1 },
      want: 'Too many failed log-ins. Try again in 1 second.' },
    { name: 'a day limit in hours', lang: 'en',
      err: { code: 'rate_limited', message: 'Too many code mails to this address today. Try again in 5 hours.', retryAfter: 17000 },
      want: 'Too many code mails to this address today. Try again in 5 hours.' },
    { name: 'our sentence when a 429 has none', lang: 'en', err: { code: 'rate_limited', message: 'HTTP 429', retryAfter: 30 },
      want: 'Too many attempts. Try again in 30 seconds.' },
    { name: 'rate_limited without Retry-After', lang: 'en', err: { code: 'rate_limited', message: 'HTTP 429' },
      want: 'Too many attempts. Try again later.' },
    { name: 'busy server', lang: 'en',
      err: { code: 'unavailable', message: 'The server is busy; try again in a moment.', retryAfter: 5 },
      want: 'The server is busy; try again in 5 seconds.' },
    { name: 'a wait the API worded otherwise is left alone', lang: 'en',
      err: { code: 'rate_limited', message: 'Wait 15 minutes, then log in.', retryAfter: 900 },
      want: 'Wait 15 minutes, then log in.' },
    { name: 'Chinese rate_limited with the wait', lang: 'zh',
      err: { code: 'rate_limited', message: 'Too many failed log-ins. Try again in 4 seconds.', retryAfter: 4 },
      want: '操作过于频繁，请在 4 秒后重试。' },
    { name: 'Chinese lock of 15 minutes', lang: 'zh', err: { code: 'rate_limited', message: 'x', retryAfter: 900 },
      want: '操作过于频繁，请在 15 分钟后重试。' },
    { name: 'Chinese rate_limited without Retry-After', lang: 'zh', err: { code: 'rate_limited', message: 'x' },
      want: '操作过于频繁，请稍后再试。' },
    { name: 'Chinese busy server', lang: 'zh', err: { code: 'unavailable', message: 'The server is busy.', retryAfter: 3600 },
      want: '服务器繁忙，请在 1 小时后重试。' },
    { name: 'network failure has its own sentence', lang: 'en', err: { code: 'network', message: 'Failed to fetch' },
      want: 'Could not reach the server. Check your connection and try again.' },
  ];
  for (const c of errs) {
    test(`errorText: ${c.name}`, () => assert.equal(errorText(c.lang, c.err), c.want));
  }

  const waits = [
    [1, '1 second', '1 秒'], [2, '2 seconds', '2 秒'], [59, '59 seconds', '59 秒'], [60, '1 minute', '1 分钟'],
    [61, '2 minutes', '2 分钟'], [900, '15 minutes', '15 分钟'], [3599, '60 minutes', '60 分钟'], [3600, '1 hour', '1 小时'],
    [3601, '2 hours', '2 小时'], [86400, '24 hours', '24 小时'], [0.2, '1 second', '1 秒'],
  ];
  for (const [secs, en, zh] of waits) {
    test(`waitText ${secs}s rounds up to ${en}`, () => {
      assert.equal(waitText('en', secs), en);
      assert.equal(waitText('zh', secs), zh);
    });
  }

  test('withWait adds a sentence when the text has no "later" to replace', () => {
    assert.equal(withWait('en', 'Slow down.', 120), 'Slow down. Try again in 2 minutes.');
    assert.equal(withWait('zh', '慢一点。', 120), '慢一点。请在 2 分钟后重试。');
    assert.equal(withWait('en', 'Busy. Try again later!', 1), 'Busy. Try again in 1 second!');
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

describe('mailed verify links', () => {
  const app = 'http://127.0.0.1:8080/#/verify?code=642116&email=ann%2Btodo%40example.com';
  const fn = 'http://127.0.0.1:8080/verify?code=642116&email=ann%2Btodo%40example.com';
  test('the app confirm page link', () => {
    assert.deepEqual(linkParams(app), { to: 'app', email: 'ann+todo@example.com', code: '642116' });
    const bad = linkWithCode(app, '000000');
    assert.deepEqual(linkParams(bad), { to: 'app', email: 'ann+todo@example.com', code: '000000' });
    assert.equal(new URL(bad).pathname, '/');
  });
  test('the verify function link of older mails', () => {
    assert.deepEqual(linkParams(fn), { to: 'function', email: 'ann+todo@example.com', code: '642116' });
    assert.deepEqual(linkParams(linkWithCode(fn, '000000')), { to: 'function', email: 'ann+todo@example.com', code: '000000' });
  });
  test('anything else is refused', () => {
    assert.throws(() => linkParams('http://127.0.0.1:8080/#/todos'), /not a verify link/);
  });
});

test('signToken makes an ES256 JWT the server can check', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const tok = signToken({ sub: 'u1', sid: 's1', exp: 10, iat: 5 }, 'k1', privateKey);
  const [h, b, s] = tok.split('.');
  assert.deepEqual(JSON.parse(Buffer.from(h, 'base64url')), { alg: 'ES256', typ: 'JWT', kid: 'k1' });
  const { jti, ...claims } = JSON.parse(Buffer.from(b, 'base64url'));
  assert.deepEqual(claims, { iss: 'todofn', aud: ['todofn-api'], sub: 'u1', sid: 's1', exp: 10, iat: 5 });
  assert.match(jti, /^[A-Za-z0-9_-]{22}$/);
  const sig = Buffer.from(s, 'base64url');
  assert.equal(sig.length, 64, 'JWS wants r || s, 32 bytes each, not DER');
  assert.ok(verify('sha256', Buffer.from(`${h}.${b}`), { key: publicKey, dsaEncoding: 'ieee-p1363' }, sig));
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' });
  const other = signToken({ sub: 'u1' }, 'k1', pem).split('.');
  assert.ok(verify('sha256', Buffer.from(`${other[0]}.${other[1]}`), { key: publicKey, dsaEncoding: 'ieee-p1363' },
    Buffer.from(other[2], 'base64url')), 'a PEM works too');
});
