// The error messages of the one table (web/messages.js, error_<code>)
// against the generated table of error codes in web/routes.js: every code
// the API can answer with has a sentence in both languages, and there is no
// sentence for a code it cannot send.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { LANGS, MESSAGES, errorText } from '../i18n.js';
import { CODES } from '../limits.js';
import { ERROR_CODES } from '../routes.js';

const CJK = /[\u4e00-\u9fff]/;

/** ERROR_MESSAGES is the error_<code> part of the table, by language and code. */
const ERROR_MESSAGES = Object.fromEntries(Object.entries(MESSAGES).map(([lang, dict]) => [lang,
  Object.fromEntries(Object.entries(dict).filter(([k]) => k.startsWith('error_')).map(([k, v]) => [k.slice(6), v]))]));

describe('error messages by ERROR_CODES', () => {
  test('i18n has error messages for exactly the languages it speaks', () => {
    assert.deepEqual(Object.keys(ERROR_MESSAGES).sort(), [...LANGS].sort());
  });

  test('the generated CODES of limits.js are the codes of routes.js', () => {
    assert.deepEqual(Object.values(CODES), [...ERROR_CODES]);
  });

  for (const code of ERROR_CODES) {
    test(`${code} has an English and a Chinese message`, () => {
      const en = ERROR_MESSAGES.en[code];
      const zh = ERROR_MESSAGES.zh[code];
      assert.equal(typeof en, 'string', `no English message for ${code}`);
      assert.equal(typeof zh, 'string', `no Chinese message for ${code}`);
      assert.match(en, /^[A-Z].*[.!?]$/, `English for ${code} is not a sentence: ${en}`);
      assert.doesNotMatch(en, CJK, `English for ${code} has Chinese in it`);
      assert.match(zh, CJK, `Chinese for ${code} is not Chinese: ${zh}`);
      assert.match(zh, /[。！？]$/, `Chinese for ${code} does not end a sentence: ${zh}`);
    });
  }

  for (const lang of LANGS) {
    test(`${lang} has no message for a code not in ERROR_CODES`, () => {
      const extra = Object.keys(ERROR_MESSAGES[lang]).filter((c) => !ERROR_CODES.includes(c));
      assert.deepEqual(extra, []);
    });
  }

  test('every code shows its own Chinese sentence, whatever the API said', () => {
    for (const code of ERROR_CODES) {
      assert.equal(errorText('zh', { code, message: 'English from the API.' }), ERROR_MESSAGES.zh[code], code);
    }
  });

  test('English shows our sentence when the API sent none of its own', () => {
    for (const code of ERROR_CODES) {
      assert.equal(errorText('en', { code, message: 'HTTP 500' }), ERROR_MESSAGES.en[code], code);
      assert.equal(errorText('en', { code, message: '' }), ERROR_MESSAGES.en[code], code);
    }
  });

  test('English shows the API sentence, except for internal errors', () => {
    assert.equal(errorText('en', { code: 'conflict', message: 'The todo changed meanwhile.' }), 'The todo changed meanwhile.');
    assert.equal(errorText('en', { code: 'internal', message: 'panic: nil map' }), ERROR_MESSAGES.en.internal);
  });

  test('the client-side network code is not an API code and has its own text', () => {
    assert.ok(!ERROR_CODES.includes('network'));
    assert.equal(errorText('zh', { code: 'network', message: 'Failed to fetch' }), '无法连接服务器。请检查网络后重试。');
  });
});
