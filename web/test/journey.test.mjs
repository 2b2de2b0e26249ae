// The whole journey in headless Chromium against the real local server:
// sign up, open the mailed link and confirm with one click, log in, manage
// todos, page through them, switch to Chinese, have a refused token
// renewed, lose the session without losing typed text, log out. (Staying
// logged in past the token's life, the password and the account pages are
// in sessions.test.mjs.) Screenshots go to test-artifacts/screenshots/.

import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { PAGE_SIZE } from '../state.js';
import { MESSAGES, errorText } from '../i18n.js';
import { parseHash } from '../router.js';
import { useBrowser } from './lib/browser.mjs';
import { linkParams, linkWithCode, skipReason, verificationMail } from './lib/harness.mjs';

const en = MESSAGES.en;
const zh = MESSAGES.zh;
const skip = await skipReason();

describe('web journey in Chromium', { skip, timeout: 170_000 }, () => {
  const run = useBrowser();
  const { requests, pageErrors, step, shot, label, button, heading, items, item, session, api, post, waitFor,
    expiredToken, sendExpired, responses } = run;
  /** @type {typeof run.server} */
  let server;
  /** @type {typeof run.page} */
  let page;
  before(() => ({ server, page } = run));
  const email = `ann.${Date.now()}@example.com`;
  const password = 'correct horse battery';

  step('sign up shows the check-mail page with the dev mailbox link', async () => {
    await page.goto(`${server.origin}/#/signup`);
    await heading(en.signupTitle).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
    // The password rules show before anything is typed, tied to the input.
    const hint = page.locator('#password-hint');
    assert.equal(await hint.textContent(), en.passwordHint);
    assert.ok(await hint.isVisible());
    assert.deepEqual((await label('Password').getAttribute('aria-describedby')).split(' '), ['password-hint', 'password-error']);
    await shot('signup');
    await page.getByRole('button', { name: en.switchToLabel }).click();
    await heading(zh.signupTitle).waitFor();
    assert.equal(await page.locator('#password-hint').textContent(), zh.passwordHint);
    await shot('signup-zh');
    await page.getByRole('button', { name: zh.switchToLabel }).click();
    await heading(en.signupTitle).waitFor();

    // A too-short password is refused before anything is sent, under the field.
    await label('Email').fill(email);
    await label('Password').fill('short');
    await label('Name').fill('Ann');
    await label('Password').press('Enter');
    await assert.doesNotReject(page.locator('#password-error[role="alert"]').filter({ hasText: en.passwordShort }).waitFor());
    assert.equal(await label('Password').getAttribute('aria-invalid'), 'true');
    assert.equal(await page.locator('#signup-error').isHidden(), true, 'the form-wide alert stays empty');
    assert.ok(!requests.some((r) => r.url.endsWith('/register')), 'register was called with a bad password');
    await shot('signup-short-password');

    // A common password of a good length is the server's to refuse (422 on
    // "password"); its sentence shows under the field.
    await label('Password').fill('qwerty123456');
    let res = waitFor('POST', '/register');
    await button('Sign up').click();
    const refused = await res;
    assert.equal(refused.status(), 422, 'a common password is refused');
    const { error } = await refused.json();
    assert.deepEqual([error.code, error.field], ['validation_failed', 'password']);
    assert.match(error.message, /common/);
    await assert.doesNotReject(page.locator('#password-error').filter({ hasText: error.message }).waitFor());
    assert.equal(await label('Password').getAttribute('aria-invalid'), 'true');
    await shot('signup-common-password');

    await label('Password').fill(password);
    res = waitFor('POST', '/register');
    await button('Sign up').click();
    assert.equal((await res).status(), 202);
    await heading(en.checkTitle).waitFor();
    const mailbox = page.getByRole('link', { name: en.checkMailbox });
    assert.equal(await mailbox.getAttribute('href'), `${server.origin}/_dev/mail`);
    await assert.doesNotReject(page.getByText(email).waitFor());
    await shot('check-mail');
  });

  let mail;
  step('the mailed link opens the confirm page; one click on Verify verifies', async () => {
    mail = await verificationMail(server.mailDir, email);
    const link = linkParams(mail.link);
    assert.equal(link.code, mail.code);
    assert.equal(link.email, email);
    // New mails link to the app's #/verify page; a link to the verify
    // function (older mails) is opened all the same: it redirects there.
    const sentBefore = requests.length;
    await page.goto(mail.link);
    await heading(en.verifyTitle).waitFor();
    const { path: route, params } = parseHash(new URL(page.url()).hash);
    assert.deepEqual([route, params.get('email'), params.get('code')], ['verify', email, mail.code]);
    assert.equal(await label('Email').inputValue(), email);
    assert.equal(await label('Code').inputValue(), mail.code);
    await assert.doesNotReject(page.getByText(en.verifyConfirm).waitFor());
    // The password typed at sign-up in this tab is filled in, from the
    // page's memory: no web storage holds it.
    assert.equal(await label('Password').inputValue(), password, 'the sign-up password is filled in');
    assert.equal(await page.locator('#password-hint').textContent(), en.verifyPasswordHint);
    const stored = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }]));
    assert.ok(!stored.includes(password), 'the password is in web storage');
    assert.equal(await page.locator('#app').getByRole('button').count(), 1, 'a single button');
    assert.equal(await page.evaluate(() => document.activeElement.textContent), en.verify, 'focus is on Verify');
    assert.ok(!requests.slice(sentBefore).some((r) => r.method === 'POST' && new URL(r.url).pathname === '/verify'),
      'nothing is posted before the click');
    // Opening the link did not verify: the right password still hears
    // "verify first" (which is not a failed log-in).
    const pending = await fetch(`${server.origin}/login`, { method: 'POST',
      headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ email, password }) });
    assert.equal(pending.status, 403);
    assert.equal((await pending.json()).error.code, 'email_not_verified');
    await shot('verify-confirm');
    await page.getByRole('button', { name: en.switchToLabel }).click();
    await heading(zh.verifyTitle).waitFor();
    assert.equal(await label(zh.code).inputValue(), mail.code, 'the code stays filled in');
    assert.equal(await page.locator('#password-hint').textContent(), zh.verifyPasswordHint);
    await assert.doesNotReject(page.getByText(zh.verifyConfirm).waitFor());
    await shot('verify-confirm-zh');
    await page.getByRole('button', { name: zh.switchToLabel }).click();
    await heading(en.verifyTitle).waitFor();

    // A link with a wrong code shows the same page; the click is refused
    // next to the form, and the address stays unverified.
    const wrong = mail.code === '000000' ? '111111' : '000000';
    await page.goto(linkWithCode(mail.link, wrong));
    await heading(en.verifyTitle).waitFor();
    assert.equal(await label('Code').inputValue(), wrong);
    let res = waitFor('POST', '/verify');
    await button('Verify').click();
    const body = await (await res).json();
    assert.equal(body.error.code, 'invalid_code');
    await assert.doesNotReject(page.getByRole('alert').filter({ hasText: body.error.message }).waitFor());
    assert.equal(await label('Code').getAttribute('aria-invalid'), 'true');
    await shot('verify-wrong-code');

    // Where a plain form POST lands when it fails still explains it.
    await page.goto(`${server.origin}/#/verify-failed?reason=invalid_code&email=${encodeURIComponent(email)}`);
    await heading(en.verifyFailedTitle).waitFor();
    await assert.doesNotReject(page.getByText(en.reason_invalid_code).waitFor());
    assert.equal(await label('Email').inputValue(), email);
    assert.equal(await label('Code').inputValue(), '');
    await shot('verify-failed');

    // The link of older mails, to the verify function, only redirects to
    // the same page, loaded afresh: the sign-up password is gone with the
    // old page, so it is asked for (focus on it) and checked before
    // anything is sent; then the click verifies.
    const { origin } = new URL(mail.link);
    const old = `${origin}/verify?${new URLSearchParams({ code: mail.code, email })}`;
    await page.goto(old);
    await heading(en.verifyTitle).waitFor();
    assert.equal(parseHash(new URL(page.url()).hash).path, 'verify');
    assert.equal(await label('Code').inputValue(), mail.code);
    assert.equal(await label('Password').inputValue(), '', 'a new page has no password in memory');
    assert.equal(await page.evaluate(() => document.activeElement.id), 'password', 'focus is on the password');
    const sent = requests.length;
    await button('Verify').click();
    await assert.doesNotReject(page.locator('#password-error[role="alert"]').filter({ hasText: en.passwordShort }).waitFor());
    assert.ok(!requests.slice(sent).some((r) => r.method === 'POST' && new URL(r.url).pathname === '/verify'),
      'verify was posted without a password');
    await shot('verify-password');
    await label('Password').fill(password);
    res = waitFor('POST', '/verify');
    await button('Verify').click();
    const ok = await res;
    assert.equal(ok.status(), 200);
    assert.deepEqual(ok.request().postDataJSON(), { email, code: mail.code, password });
    assert.match(ok.request().headers()['content-type'], /^application\/json/);
    await heading(en.verifiedTitle).waitFor();
    assert.equal(new URL(page.url()).hash, '#/verified');
    await shot('verified');
  });

  step('a wrong password shows the API message next to the form', async () => {
    await page.locator('#app').getByRole('link', { name: en.verifiedLogin, exact: true }).click();
    await heading(en.loginTitle).waitFor();
    assert.equal(await label('Email').inputValue(), email, 'the e-mail is carried over');
    await shot('login');
    await label('Password').fill('not the password');
    const res = waitFor('POST', '/login');
    await label('Password').press('Enter');
    const r = await res;
    assert.equal(r.status(), 401);
    const body = await r.json();
    assert.equal(body.error.code, 'invalid_credentials');
    const alert = page.locator('form [role="alert"]');
    await assert.doesNotReject(alert.filter({ hasText: body.error.message }).waitFor());
    assert.equal(await alert.textContent(), body.error.message);
    await shot('error');
  });

  step('log in and add, tick, edit and delete todos', async () => {
    await label('Password').fill(password);
    await button('Log in').click();
    await heading(en.todosTitle).waitFor();
    const list = requests.filter((r) => r.method === 'GET' && new URL(r.url).pathname === '/todos').at(-1);
    assert.equal(new URL(list.url).searchParams.get('limit'), String(PAGE_SIZE));
    assert.match(list.headers.authorization, /^Bearer \S+$/);
    await assert.doesNotReject(page.getByText(en.empty).waitFor());
    // Focus starts in New todo; Enter adds.
    assert.equal(await page.evaluate(() => document.activeElement.id), 'new-todo');

    for (const title of ['Buy milk', 'Write report', 'Call mum']) {
      const res = waitFor('POST', '/todos', 201);
      await label('New todo').fill(title);
      await label('New todo').press('Enter');
      await res;
      await item(title).waitFor();
      assert.equal(await label('New todo').inputValue(), '');
    }
    assert.equal(await items().count(), 3);
    assert.equal(await items().first().locator('.todo-title').textContent(), 'Call mum', 'newest first');
    const keys = requests.filter((r) => r.method === 'POST' && new URL(r.url).pathname === '/todos').map((r) => r.headers['idempotency-key']);
    assert.equal(keys.length, 3);
    for (const k of keys) assert.match(k, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(new Set(keys).size, 3, 'a fresh key per todo');

    // Tick one.
    let res = waitFor('PATCH', '/todos/', 200);
    await page.getByRole('checkbox', { name: 'Buy milk', exact: true }).check();
    await res;
    await page.locator('li.todo.done', { hasText: 'Buy milk' }).waitFor();

    // Edit one: Edit, type, Enter.
    await item('Write report').getByRole('button', { name: 'Edit', exact: true }).click();
    const edit = label(en.title);
    assert.equal(await edit.inputValue(), 'Write report');
    await edit.fill('Write the report');
    res = waitFor('PATCH', '/todos/', 200);
    await edit.press('Enter');
    await res;
    await item('Write the report').waitFor();
    assert.equal(await page.evaluate(() => document.activeElement.textContent), 'Edit', 'focus returns to Edit');

    // Delete one.
    res = waitFor('DELETE', '/todos/', 204);
    await item('Call mum').getByRole('button', { name: 'Delete', exact: true }).click();
    await res;
    await item('Call mum').waitFor({ state: 'detached' });
    assert.equal(await items().count(), 2);
    await shot('list');
  });

  step('a reload keeps the session and the state', async () => {
    await page.reload();
    await heading(en.todosTitle).waitFor();
    await item('Write the report').waitFor();
    assert.equal(await items().count(), 2);
    assert.equal(await page.getByRole('checkbox', { name: 'Buy milk', exact: true }).isChecked(), true);
    assert.equal(await page.getByRole('checkbox', { name: 'Write the report', exact: true }).isChecked(), false);
    const { status, body } = await api('GET', '/todos');
    assert.equal(status, 200);
    assert.deepEqual(body.items.map((t) => [t.title, t.done]), [['Write the report', false], ['Buy milk', true]]);
    await page.setViewportSize({ width: 1024, height: 640 });
    await shot('list-desktop');
    await page.setViewportSize({ width: 375, height: 760 });
  });

  step('Load more fetches the next page', async () => {
    const extra = PAGE_SIZE + 3;
    for (let i = 1; i <= extra; i++) {
      let res = await api('POST', '/todos', { title: `Bulk ${String(i).padStart(2, '0')}` });
      // A per-user budget of writes may hold so many back for a moment.
      for (let n = 0; res.status === 429 && n < 10; n++) {
        await new Promise((r) => setTimeout(r, 1000));
        res = await api('POST', '/todos', { title: `Bulk ${String(i).padStart(2, '0')}` });
      }
      assert.equal(res.status, 201);
    }
    await page.reload();
    await item(`Bulk ${String(extra).padStart(2, '0')}`).waitFor();
    assert.equal(await items().count(), PAGE_SIZE);
    assert.equal(await items().first().locator('.todo-title').textContent(), `Bulk ${String(extra).padStart(2, '0')}`);
    const more = button('Load more');
    assert.equal(await more.isVisible(), true);
    const res = waitFor('GET', '/todos', 200);
    await more.click();
    const next = new URL((await res).url());
    assert.ok(next.searchParams.get('cursor'), 'the second page is asked for by cursor');
    assert.equal(next.searchParams.get('limit'), String(PAGE_SIZE));
    await item('Buy milk').waitFor();
    assert.equal(await items().count(), extra + 2);
    await more.waitFor({ state: 'hidden' });
    const titles = await items().locator('.todo-title').allTextContents();
    assert.equal(new Set(titles).size, titles.length, 'no todo twice');
  });

  step('Chinese mode shows Chinese labels and is remembered', async () => {
    await page.evaluate(() => window.scrollTo(0, 0));
    await page.getByRole('button', { name: en.switchToLabel }).click();
    await heading(zh.todosTitle).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
    await label(zh.newTodo).waitFor();
    assert.ok(await button(zh.add).isVisible());
    assert.equal(await item('Buy milk').getByRole('button', { name: zh.delete, exact: true }).count(), 1);
    assert.equal(await item('Buy milk').getByRole('button', { name: zh.edit, exact: true }).count(), 1);
    await button(zh.account).click();
    assert.equal(await button(zh.logout).count(), 1);
    assert.equal(await button(zh.logoutEverywhere).count(), 1);
    await page.keyboard.press('Escape');
    assert.equal(await button(zh.logout).count(), 0, 'Escape closes the menu');
    await shot('list-zh', false);
    await page.reload();
    await heading(zh.todosTitle).waitFor();
    assert.equal(await page.evaluate(() => localStorage.getItem('todofn.lang')), 'zh');
    await page.getByRole('button', { name: zh.switchToLabel }).click();
    await heading(en.todosTitle).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  });

  step('a refused token on an action is renewed and the action tried once more', async () => {
    const top = await items().first().locator('.todo-title').textContent();
    const before = await session();
    await item(top).getByRole('button', { name: 'Edit', exact: true }).click();
    await label(en.title).fill(`${top} (renewed)`);
    await sendExpired(`${server.origin}/todos/*`);
    const refreshes = responses('POST', '/refresh');
    const first = waitFor('PATCH', '/todos/', 401);
    const refreshed = waitFor('POST', '/refresh');
    const second = waitFor('PATCH', '/todos/', 200);
    await label(en.title).press('Enter');
    await first;
    const ok = await second;
    // Under load Playwright may report the refresh's answer after the
    // retried PATCH's: wait for it before counting.
    await refreshed;
    refreshes.stop();
    assert.deepEqual(refreshes.got, [200]);
    await item(`${top} (renewed)`).waitFor();
    const after = await session();
    assert.notEqual(after.token, before.token);
    assert.notEqual(after.refreshToken, before.refreshToken, 'the refresh token is rotated');
    assert.equal(ok.request().headers().authorization, `Bearer ${after.token}`);
    await heading(en.todosTitle).waitFor();
    // The spent refresh token buys nothing once the 10 s of grace are over;
    // within them it gets the same new pair (another tab refreshing at once).
    const again = await post('/refresh', { refreshToken: before.refreshToken });
    assert.equal(again.status, 200);
    assert.equal(again.body.refreshToken, after.refreshToken);
  });

  step('a session that has ended sends the user to log in and keeps what they typed', async () => {
    const top = await items().first().locator('.todo-title').textContent();
    await label('New todo').fill('Unsent idea');
    await item(top).getByRole('button', { name: 'Edit', exact: true }).click();
    await label(en.title).fill(`${top} (edited)`);
    // The session ends on the server (its refresh token logged out, as from
    // another device); the save goes out with an expired token.
    assert.equal((await post('/logout', { refreshToken: (await session()).refreshToken })).status, 204);
    await sendExpired(`${server.origin}/todos/*`);
    const refreshes = responses('POST', '/refresh');
    const res = waitFor('PATCH', '/todos/');
    await label(en.title).press('Enter');
    const r = await res;
    assert.equal(r.status(), 401);
    assert.match(r.headers()['www-authenticate'] || '', /^Bearer/);

    await heading(en.loginTitle).waitFor();
    refreshes.stop();
    assert.deepEqual(refreshes.got, [401]);
    await assert.doesNotReject(page.getByText(en.loginExpired).waitFor());
    assert.equal(await session(), null);
    assert.equal(await label('Email').inputValue(), email);
    assert.equal(await page.evaluate(() => document.activeElement.id), 'password');
    await shot('login-expired');

    await label('Password').fill(password);
    await label('Password').press('Enter');
    await heading(en.todosTitle).waitFor();
    assert.equal(await label('New todo').inputValue(), 'Unsent idea');
    const edit = label(en.title);
    await edit.waitFor();
    assert.equal(await edit.inputValue(), `${top} (edited)`);
    await edit.press('Enter');
    await item(`${top} (edited)`).waitFor();
    const added = waitFor('POST', '/todos', 201);
    await button('Add').click();
    await added;
    await item('Unsent idea').waitFor();
  });

  step('log out forgets the session, here and on the server', async () => {
    const { refreshToken } = await session();
    await button('Account').click();
    const out = waitFor('POST', '/logout', 204);
    await button('Log out').click();
    await heading(en.loginTitle).waitFor();
    assert.deepEqual((await out).request().postDataJSON(), { refreshToken });
    await assert.doesNotReject(page.getByText(en.loggedOut).waitFor());
    assert.equal(await session(), null);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('todofn.drafts')), null);
    assert.equal((await post('/refresh', { refreshToken })).status, 401, 'the refresh token is dead');
    await page.goto(`${server.origin}/#/todos`);
    await heading(en.loginTitle).waitFor();
  });

  step('Chinese error messages on the log-in page', async () => {
    await page.getByRole('button', { name: en.switchToLabel }).click();
    await heading(zh.loginTitle).waitFor();
    await label(zh.email).fill(email);
    await label(zh.password).fill('still not it');
    const res = waitFor('POST', '/login');
    await button(zh.login).click();
    const body = await (await res).json();
    const want = errorText('zh', { code: body.error.code, message: body.error.message });
    assert.notEqual(want, body.error.message, 'the code has a Chinese sentence');
    await assert.doesNotReject(page.getByRole('alert').filter({ hasText: want }).waitFor());
    await shot('login-zh-error');
  });

  test('no script errors on any page', () => {
    assert.deepEqual(pageErrors.map(String), []);
  });
});
