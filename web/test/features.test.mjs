// The page against the real local server in headless Chromium, with a
// config.json that lacks the password-forgot URL: the app starts, the
// forgot link becomes a note, #/forgot says the feature is not available
// (in both languages, reachable by keyboard) and nothing is sent, while
// logging in and the list work. And titles are counted as Go counts them:
// TITLE_MAX emoji (twice as many UTF-16 units) are added by the page and
// the API, one more is refused by both.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { MESSAGES, translate } from '../i18n.js';
import { CODES, TITLE_MAX } from '../limits.js';
import { useBrowser } from './lib/browser.mjs';
import { skipReason, verificationMail } from './lib/harness.mjs';

const en = MESSAGES.en;
const zh = MESSAGES.zh;
const skip = await skipReason();
const EMOJI = '\u{1F600}';

describe('a function without a URL, and titles in code points, in Chromium', { skip, timeout: 120_000 }, () => {
  const run = useBrowser();
  const { pageErrors, step, shot, label, heading, item, post, api, waitFor } = run;
  /** @type {typeof run.page} */
  let page;
  const email = `fay.${Date.now()}@example.com`;
  const password = 'correct horse battery';
  const sentTo = (p) => run.requests.filter((r) => new URL(r.url).pathname === p);

  before(async () => {
    ({ page } = run);
    assert.equal((await post('/register', { email, password })).status, 202);
    const mail = await verificationMail(run.server.mailDir, email);
    assert.equal((await post('/verify', { email, code: mail.code, password })).status, 200);
    // The server's own config.json, less one function.
    await page.route('**/config.json', async (route) => {
      const res = await route.fetch();
      const cfg = await res.json();
      assert.ok(cfg.functions['password-forgot'], 'the server names a password-forgot URL to take away');
      delete cfg.functions['password-forgot'];
      await route.fulfill({ response: res, json: cfg });
    });
  });

  step('the app starts, and the forgot link is a note saying it is not available', async () => {
    await page.goto(`${run.server.origin}/#/login`);
    await heading(en.loginTitle).waitFor();
    assert.equal(await page.getByRole('link', { name: en.forgotLink }).count(), 0);
    await page.getByText(translate('en', 'featureOffLink', { what: en.forgotLink }), { exact: true }).waitFor();
    assert.equal(await page.getByRole('link', { name: en.navSignup, exact: true }).count() > 0, true);
    await shot('feature-off-login');
  });

  step('#/forgot says so in both languages, and its link back works from the keyboard', async () => {
    await page.goto(`${run.server.origin}/#/forgot`);
    await heading(en.featureOffTitle).waitFor();
    await page.getByText(en.featureOff, { exact: true }).waitFor();
    assert.equal(await page.getByLabel(en.email, { exact: true }).count(), 0, 'no form to send');
    await page.getByRole('button', { name: en.switchToLabel }).click();
    await heading(zh.featureOffTitle).waitFor();
    await page.getByText(zh.featureOff, { exact: true }).waitFor();
    await page.getByRole('button', { name: zh.switchToLabel }).click();
    await heading(en.featureOffTitle).waitFor();
    const back = page.getByRole('link', { name: en.backToStart, exact: true });
    await back.focus();
    await page.keyboard.press('Enter');
    await heading(en.signupTitle).waitFor();
    assert.deepEqual(sentTo('/password/forgot'), [], 'nothing was sent to the function that is off');
  });

  step('logging in by keyboard still works', async () => {
    await page.goto(`${run.server.origin}/#/login`);
    await label(en.email).fill(email);
    await label(en.password).fill(password);
    const res = waitFor('POST', '/login');
    await label(en.password).press('Enter');
    assert.equal((await res).status(), 200);
    await heading(en.todosTitle).waitFor();
  });

  step(`a title of ${TITLE_MAX} emoji is added by the page and the API`, async () => {
    const title = EMOJI.repeat(TITLE_MAX);
    assert.equal(title.length, 2 * TITLE_MAX, 'twice as many UTF-16 units');
    const added = waitFor('POST', '/todos');
    await label(en.newTodo).fill(title);
    await label(en.newTodo).press('Enter');
    assert.equal((await added).status(), 201);
    await item(title).waitFor();
  });

  step(`one more emoji is refused by the page, which sends nothing, and by the API`, async () => {
    const title = EMOJI.repeat(TITLE_MAX + 1);
    const before = sentTo('/todos').filter((r) => r.method === 'POST').length;
    await label(en.newTodo).fill(title);
    await label(en.newTodo).press('Enter');
    await page.getByRole('alert').filter({ hasText: en.badTitle }).waitFor();
    assert.equal(await page.locator('[role="alert"]:not([hidden])').count(), 1, 'one error at a time');
    assert.equal(await label(en.newTodo).getAttribute('aria-invalid'), 'true');
    assert.equal(sentTo('/todos').filter((r) => r.method === 'POST').length, before, 'the page sent nothing');
    const { status, body } = await api('POST', '/todos', { title });
    assert.equal(status, 422);
    assert.equal(body.error.code, CODES.VALIDATION_FAILED);
    assert.equal(body.error.field, 'title');
  });

  step('the add form is busy while it sends, Enter twice sends once, and the error goes', async () => {
    let release;
    const held = new Promise((r) => { release = r; });
    const todos = (url) => url.pathname === '/todos';
    await page.route(todos, async (route) => {
      if (route.request().method() === 'POST') await held;
      await route.continue();
    });
    const form = page.locator('form.add');
    const before = sentTo('/todos').filter((r) => r.method === 'POST').length;
    await label(en.newTodo).fill('Sent once');
    await label(en.newTodo).press('Enter');
    await label(en.newTodo).press('Enter');
    assert.equal(await form.getAttribute('aria-busy'), 'true');
    assert.equal(await page.getByRole('button', { name: en.add, exact: true }).isDisabled(), true);
    assert.equal(await page.locator('[role="alert"]:not([hidden])').count(), 0, 'the last error went on submit');
    release();
    await item('Sent once').waitFor();
    assert.equal(await form.getAttribute('aria-busy'), 'false');
    assert.equal(await page.getByRole('button', { name: en.add, exact: true }).isDisabled(), false);
    assert.equal(sentTo('/todos').filter((r) => r.method === 'POST').length - before, 1, 'one POST for two Enters');
    await page.unroute(todos);
  });

  test('no script errors', () => {
    assert.deepEqual(pageErrors.map(String), []);
  });
});
