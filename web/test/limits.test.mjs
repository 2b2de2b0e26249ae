// The API's 429s in headless Chromium against the real local server: after
// 5 failed log-ins from one client the server makes it wait (1 s, 2 s, 4 s
// …), and the page says for how long, in Chinese and in English, with the
// wait from Retry-After said once. Screenshots go to test-artifacts/screenshots/.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { MESSAGES, errorText } from '../i18n.js';
import { useBrowser } from './lib/browser.mjs';
import { skipReason } from './lib/harness.mjs';

const skip = await skipReason();

describe('rate limits in Chromium', { skip, timeout: 90_000 }, () => {
  const run = useBrowser();
  const { pageErrors, step, shot, label, button, heading, waitFor } = run;
  /** @type {typeof run.page} */
  let page;
  before(() => ({ page } = run));

  // tryLogIn presses Log in until the answer is a 429 (at most tries times,
  // each a 401 before it) and returns the text the page must show for it.
  const tryLogIn = async (lang, tries) => {
    for (let i = 0; i < tries; i++) {
      const res = waitFor('POST', '/login');
      await button(MESSAGES[lang].login).click();
      const r = await res;
      if (r.status() !== 429) {
        assert.equal(r.status(), 401);
        continue;
      }
      const retryAfter = Number(r.headers()['retry-after']);
      assert.ok(retryAfter >= 1, `Retry-After ${r.headers()['retry-after']}`);
      const { error } = await r.json();
      assert.equal(error.code, 'rate_limited');
      return errorText(lang, { code: error.code, message: error.message, retryAfter });
    }
    throw new Error(`no 429 after ${tries} more failed log-ins`);
  };

  step('after 5 failed log-ins the 429 says how long to wait, in Chinese', async () => {
    await page.goto(`${run.server.origin}/#/login`);
    await page.getByRole('button', { name: MESSAGES.en.switchToLabel }).click();
    await heading(MESSAGES.zh.loginTitle).waitFor();
    // Unknown addresses are held back the same way as known ones.
    await label(MESSAGES.zh.email).fill(`nobody.${Date.now()}@example.com`);
    await label(MESSAGES.zh.password).fill('not the password at all');
    const text = await tryLogIn('zh', 6);
    assert.match(text, /^操作过于频繁，请在 \d+ (?:秒|分钟|小时)后重试。$/);
    await assert.doesNotReject(page.getByRole('alert').filter({ hasText: text }).waitFor());
    assert.equal(await page.locator('form [role="alert"]').textContent(), text);
    await shot('login-rate-limited-zh');
  });

  step('and in English, saying the wait once', async () => {
    await page.getByRole('button', { name: MESSAGES.zh.switchToLabel }).click();
    await heading(MESSAGES.en.loginTitle).waitFor();
    const text = await tryLogIn('en', 4);
    assert.match(text, /\. Try again in \d+ (?:second|minute|hour)s?\.$/);
    assert.equal(text.match(/try again/gi).length, 1, text);
    assert.equal(await page.locator('form [role="alert"]').textContent(), text);
    await shot('login-rate-limited');
  });

  test('no script errors', () => {
    assert.deepEqual(pageErrors.map(String), []);
  });
});
