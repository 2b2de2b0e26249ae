// Sessions in headless Chromium against the real local server, whose
// access tokens last 5 s here: staying logged in past a token's life (in
// two tabs at once), a token refused at start, forgot and reset by the
// mailed link, changing the password, logging out everywhere from another
// browser, deleting the account. Screenshots go to test-artifacts/screenshots/.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { MESSAGES } from '../i18n.js';
import { SHOTS, useBrowser } from './lib/browser.mjs';
import { resetMail, skipReason, verificationMail } from './lib/harness.mjs';

const en = MESSAGES.en;
const zh = MESSAGES.zh;
const skip = await skipReason();
const TTL = 5_000;

describe('sessions in Chromium', { skip, timeout: 180_000 }, () => {
  const run = useBrowser({ jwtTTL: `${TTL / 1000}s` });
  const { pageErrors, step, shot, label, button, heading, item, session, post, waitFor, expiredToken, responses } = run;
  /** @type {typeof run.server} */
  let server;
  /** @type {typeof run.page} */
  let page;
  const email = `sam.${Date.now()}@example.com`;
  let password = 'correct horse battery';
  const newPassword = 'a brand new staple';
  const lastPassword = 'the third password here';

  before(async () => {
    ({ server, page } = run);
    assert.equal((await post('/register', { email, password })).status, 202);
    const mail = await verificationMail(server.mailDir, email);
    assert.equal((await post('/verify', { email, code: mail.code, password })).status, 200);
  });

  const logIn = async (p = page, pw = password) => {
    await p.goto(`${server.origin}/#/login`);
    await p.getByLabel('Email', { exact: true }).fill(email);
    await p.getByLabel('Password', { exact: true }).fill(pw);
    await p.getByRole('button', { name: 'Log in', exact: true }).click();
    await p.getByRole('heading', { level: 1, name: en.todosTitle, exact: true }).waitFor();
  };
  const toggleLang = async (to) => {
    await page.getByRole('button', { name: MESSAGES[to === 'zh' ? 'en' : 'zh'].switchToLabel }).click();
  };
  const wait = (ms) => new Promise((r) => setTimeout(r, ms));

  step('logged in, the app renews the token before it runs out and stays logged in', async () => {
    await logIn();
    const first = await session();
    assert.equal(first.lifetime, TTL);
    const refreshes = responses('POST', '/refresh');
    const lists = responses('GET', '/todos');
    await wait(TTL + 2_000);
    refreshes.stop();
    lists.stop();
    assert.ok(!lists.got.includes(401));
    assert.ok(refreshes.got.length >= 1, 'renewed at least once');
    assert.ok(refreshes.got.every((s) => s === 200), String(refreshes.got));
    const now = await session();
    assert.notEqual(now.token, first.token);
    assert.ok(now.expiresAt > Date.now(), 'the token it holds is good');
    const added = waitFor('POST', '/todos');
    await label('New todo').fill('After the first token');
    await label('New todo').press('Enter');
    assert.equal((await added).status(), 201);
    await item('After the first token').waitFor();
  });

  step('two tabs share the session and do not log each other out', async () => {
    const tab = await run.context.newPage();
    await tab.goto(`${server.origin}/#/todos`);
    await tab.getByRole('heading', { level: 1, name: en.todosTitle, exact: true }).waitFor();
    const mine = responses('POST', '/refresh');
    const theirs = responses('POST', '/refresh', tab);
    await wait(2 * TTL + 1_000);
    mine.stop();
    theirs.stop();
    const all = [...mine.got, ...theirs.got];
    assert.ok(all.length >= 2 && all.every((s) => s === 200), String(all));
    await tab.getByLabel('New todo', { exact: true }).fill('From the second tab');
    const added = tab.waitForResponse((r) => r.request().method() === 'POST' && new URL(r.url()).pathname === '/todos');
    await tab.getByLabel('New todo', { exact: true }).press('Enter');
    assert.equal((await added).status(), 201);
    await page.reload();
    await item('From the second tab').waitFor();
    // A log-out in one tab ends the session in the other at once.
    await tab.getByRole('button', { name: 'Account', exact: true }).click();
    await tab.getByRole('button', { name: 'Log out', exact: true }).click();
    await tab.getByRole('heading', { level: 1, name: en.loginTitle, exact: true }).waitFor();
    await heading(en.loginTitle).waitFor({ timeout: TTL / 2 });
    await tab.close();
  });

  step('a token refused at start is renewed, and the typed text stays', async () => {
    await logIn();
    await label('New todo').fill('Typed before expiry');
    const expired = await expiredToken();
    await page.evaluate((tok) => {
      const v = JSON.parse(localStorage.getItem('todofn.session'));
      // Not due by the app's clock: only the API's 401 says it is no good.
      Object.assign(v, { token: tok, expiresAt: Date.now() + 300_000, lifetime: 600_000 });
      localStorage.setItem('todofn.session', JSON.stringify(v));
    }, expired);
    const refused = waitFor('GET', '/todos', 401);
    const listed = waitFor('GET', '/todos', 200);
    await page.reload();
    await refused;
    await listed;
    await heading(en.todosTitle).waitFor();
    assert.equal(await label('New todo').inputValue(), 'Typed before expiry');
    assert.notEqual((await session()).token, expired);
  });

  step('forgot password: the mail, a wrong typed code, then the mailed link', async () => {
    await button('Account').click();
    await button('Log out').click();
    await heading(en.loginTitle).waitFor();
    await page.getByRole('link', { name: 'Forgot password?', exact: true }).click();
    await heading(en.forgotTitle).waitFor();
    assert.equal(await label('Email').inputValue(), email, 'the address is carried over');
    await shot('forgot');
    await toggleLang('zh');
    await heading(zh.forgotTitle).waitFor();
    await shot('forgot-zh');
    await toggleLang('en');
    const sent = waitFor('POST', '/password/forgot', 202);
    await button(en.sendResetCode).click();
    assert.deepEqual(await (await sent).json(), { status: 'reset_requested' });
    await heading(en.checkTitle).waitFor();
    await assert.doesNotReject(page.getByText(en.forgotSent.replace('{email}', email)).waitFor());
    await shot('forgot-sent');
    await toggleLang('zh');
    await heading(zh.checkTitle).waitFor();
    await shot('forgot-sent-zh');
    await toggleLang('en');
    const mail = await resetMail(server.mailDir, email);

    // Typing the code: the address is filled in; a wrong code is refused
    // under the Code field, in our words.
    await page.getByRole('link', { name: en.checkTypeCode, exact: true }).click();
    await heading(en.resetTitle).waitFor();
    assert.equal(await label('Email').inputValue(), email);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'code');
    await label('Code').fill(mail.code === '000000' ? '111111' : '000000');
    await label('New password').fill(newPassword);
    const wrong = waitFor('POST', '/password/reset');
    await button(en.setPassword).click();
    assert.equal((await wrong).status(), 400);
    await assert.doesNotReject(page.locator('#code-error').filter({ hasText: en.resetBadCode }).waitFor());
    assert.equal(await label('Code').getAttribute('aria-invalid'), 'true');
    await shot('reset-wrong-code');

    // The mailed link: address and code filled in, focus on New password.
    await page.goto(mail.link);
    await heading(en.resetTitle).waitFor();
    assert.equal(await label('Email').inputValue(), email);
    assert.equal(await label('Code').inputValue(), mail.code);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'new-password');
    await assert.doesNotReject(page.getByText(en.resetFilled).waitFor());
    await shot('reset-link');
    await toggleLang('zh');
    await heading(zh.resetTitle).waitFor();
    assert.equal(await label(zh.code).inputValue(), mail.code);
    await shot('reset-link-zh');
    await toggleLang('en');
    await label('New password').fill('short');
    await button(en.setPassword).click();
    await assert.doesNotReject(page.locator('#new-password-error').filter({ hasText: en.passwordShort }).waitFor());
    await label('New password').fill(newPassword);
    const done = waitFor('POST', '/password/reset');
    await button(en.setPassword).click();
    assert.equal((await done).status(), 200);
    await heading(en.loginTitle).waitFor();
    await assert.doesNotReject(page.getByText(en.passwordReset).waitFor());
    assert.equal(await label('Email').inputValue(), email);
    await shot('login-after-reset');
    assert.equal((await post('/login', { email, password })).status, 401, 'the old password is gone');
    password = newPassword;
    await label('Password').fill(password);
    await button('Log in').click();
    await heading(en.todosTitle).waitFor();
  });

  step('change password from the account menu; the other sessions end', async () => {
    const other = await post('/login', { email, password });
    assert.equal(other.status, 200);
    await button('Account').click();
    assert.equal(await button('Account').getAttribute('aria-expanded'), 'true');
    await shot('account-menu', false);
    await toggleLang('zh');
    await button(zh.account).click();
    await shot('account-menu-zh', false);
    await toggleLang('en');
    await button('Account').click();
    await page.getByRole('link', { name: 'Change password', exact: true }).click();
    await heading('Change password').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'current-password');
    await label('Current password').fill('not my password');
    await label('New password').fill(lastPassword);
    const refused = waitFor('POST', '/password');
    await button('Change password').click();
    const r = await refused;
    assert.equal(r.status(), 401);
    assert.equal((await r.json()).error.code, 'invalid_credentials');
    await assert.doesNotReject(page.locator('#current-password-error').filter({ hasText: en.wrongPassword }).waitFor());
    assert.equal(await label('Current password').getAttribute('aria-invalid'), 'true');
    assert.equal(await heading('Change password').count(), 1, 'a wrong password is not a lost session');
    await shot('change-password-wrong');
    await toggleLang('zh');
    await heading(zh.changePassword).waitFor();
    await shot('change-password-zh');
    await toggleLang('en');
    await label('Current password').fill(password);
    const ok = waitFor('POST', '/password');
    await button('Change password').click();
    assert.equal((await ok).status(), 204);
    await assert.doesNotReject(page.getByText(en.passwordChanged).waitFor());
    await shot('change-password-done');
    password = lastPassword;
    assert.equal((await post('/refresh', { refreshToken: other.body.refreshToken })).status, 401, 'the other session ended');
    await page.getByRole('link', { name: en.backToTodos, exact: true }).click();
    await heading(en.todosTitle).waitFor();
  });

  step('log out everywhere from a second browser ends the session here too', async () => {
    const b = await run.openBrowser();
    b.page.setDefaultTimeout(10_000);
    await logIn(b.page);
    const here = responses('POST', '/refresh');
    await b.page.getByRole('button', { name: 'Account', exact: true }).click();
    const out = b.page.waitForResponse((r) => new URL(r.url()).pathname === '/logout');
    await b.page.getByRole('button', { name: 'Log out everywhere', exact: true }).click();
    const o = await out;
    assert.equal(o.status(), 204);
    assert.deepEqual(o.request().postDataJSON(), { scope: 'global' });
    await b.page.getByRole('heading', { level: 1, name: en.loginTitle, exact: true }).waitFor();
    await assert.doesNotReject(b.page.getByText(en.loggedOutEverywhere).waitFor());
    await b.page.screenshot({ path: `${SHOTS}/logged-out-everywhere.png` });
    // This browser's token lasts at most TTL more; its renewal is refused.
    await heading(en.loginTitle).waitFor({ timeout: TTL + 5_000 });
    here.stop();
    assert.deepEqual(here.got, [401]);
    await assert.doesNotReject(page.getByText(en.loginExpired).waitFor());
    assert.equal(await session(), null);
  });

  step('delete the account', async () => {
    await logIn();
    await button('Account').click();
    await page.getByRole('link', { name: 'Delete account', exact: true }).click();
    await heading('Delete account').waitFor();
    await assert.doesNotReject(page.getByText(en.deleteWarning).waitFor());
    await label('Current password').fill('not my password');
    const refused = waitFor('DELETE', '/account');
    await button('Delete account').click();
    assert.equal((await refused).status(), 401);
    await assert.doesNotReject(page.locator('#current-password-error').filter({ hasText: en.wrongPassword }).waitFor());
    await shot('delete-account-wrong');
    await toggleLang('zh');
    await heading(zh.deleteAccount).waitFor();
    await shot('delete-account-zh');
    await toggleLang('en');
    await label('Current password').fill(password);
    const ok = waitFor('DELETE', '/account');
    await button('Delete account').click();
    assert.equal((await ok).status(), 204);
    await heading(en.signupTitle).waitFor();
    await assert.doesNotReject(page.getByText(en.accountDeleted).waitFor());
    assert.equal(await session(), null);
    assert.equal(await page.evaluate(() => localStorage.getItem('todofn.known')), null,
      'the browser no longer counts as having an account: #/ shows Sign up');
    await shot('account-deleted');
    assert.equal((await post('/login', { email, password })).status, 401, 'the account is gone');
  });

  test('no script errors', () => {
    assert.deepEqual(pageErrors.map(String), []);
  });
});
