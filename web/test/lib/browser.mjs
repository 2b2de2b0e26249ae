// The journey's browser: node:test hooks that start the local server and a
// fresh headless Chromium (see harness.mjs), and the page helpers the
// journey's steps use. It holds no tests itself.

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { CHROMIUM, CHROMIUM_ARGS, ROOT, signToken, startServer } from './harness.mjs';

/** SHOTS is where the screenshots go. */
export const SHOTS = path.join(ROOT, 'test-artifacts', 'screenshots');

/**
 * launch starts a headless Chromium on a fresh profile folder (a
 * persistent context on a fresh folder is the "fresh user-data dir"):
 * 375×760, en-US. close() closes it and removes the folder.
 */
async function launch() {
  const { chromium } = await import('playwright-core');
  const profile = await mkdtemp(path.join(tmpdir(), 'todofn-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true,
    viewport: { width: 375, height: 760 }, locale: 'en-US', deviceScaleFactor: 1,
  });
  const page = context.pages()[0] || (await context.newPage());
  page.setDefaultTimeout(10_000);
  const close = async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  };
  return { context, page, close };
}

/**
 * useBrowser registers, in the calling describe, a before hook that starts
 * the server (with opts, see startServer) and Chromium (one page, 375×760,
 * en-US, every request and script error recorded) and an after hook that
 * stops them. It returns the run: server and page are set once the before
 * hook has run; the helpers work on that page. run.openBrowser() starts
 * another Chromium with a profile of its own (another device, as far as
 * the app can tell), closed by the same after hook.
 * @param {Parameters<typeof startServer>[0]} [opts]
 */
export function useBrowser(opts = {}) {
  const run = {
    /** @type {Awaited<ReturnType<typeof startServer>>} */
    server: null,
    /** @type {import('playwright-core').Page} */
    page: null,
    /** @type {import('playwright-core').BrowserContext} the page's */
    context: null,
    /** @type {() => Promise<{context: import('playwright-core').BrowserContext, page: import('playwright-core').Page}>} */
    openBrowser: null,
    /** @type {{method: string, url: string, headers: Record<string,string>}[]} */
    requests: [],
    pageErrors: [],
  };
  const browsers = [];
  run.openBrowser = async () => {
    const b = await launch();
    browsers.push(b);
    b.page.on('pageerror', (e) => run.pageErrors.push(e));
    return b;
  };
  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    run.server = await startServer(opts);
    const { context, page } = await run.openBrowser();
    run.context = context;
    page.on('request', (r) => run.requests.push({ method: r.method(), url: r.url(), headers: r.headers() }));
    run.page = page;
  });
  after(async () => {
    for (const b of browsers) await b.close();
    if (run.server) await run.server.stop();
  });
  return Object.assign(run, helpers(run));
}

function helpers(run) {
  const page = () => run.page;
  // step is a test that each later step needs: after one fails, the rest
  // are skipped instead of timing out one by one.
  let broken = '';
  const step = (name, fn) => test(name, async (t) => {
    if (broken) return t.skip(`an earlier step failed: ${broken}`);
    try {
      await fn(t);
    } catch (e) {
      broken = name;
      throw e;
    }
  });
  // The session the app keeps (in localStorage, shared by its tabs).
  const session = (p = page()) => p.evaluate(() => JSON.parse(localStorage.getItem('todofn.session') || 'null'));
  return {
    step,
    session,
    shot: (name, fullPage = true) => page().screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage }),
    label: (text) => page().getByLabel(text, { exact: true }),
    button: (name) => page().getByRole('button', { name, exact: true }),
    heading: (name) => page().getByRole('heading', { level: 1, name, exact: true }),
    items: () => page().locator('ul#todos > li'),
    item: (title) => page().locator('ul#todos > li', { has: page().getByRole('checkbox', { name: title, exact: true }) }),
    // api calls the server directly with the page's token, as the app would.
    api: async (method, p, body) => {
      const s = await session();
      const res = await fetch(run.server.origin + p, {
        method, headers: { Authorization: `Bearer ${s.token}`, 'Content-Type': 'application/json' },
        body: body && JSON.stringify(body),
      });
      return { status: res.status, body: res.status === 204 ? null : await res.json() };
    },
    // post calls the server directly without a token.
    post: async (p, body) => {
      const res = await fetch(run.server.origin + p, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return { status: res.status, body: res.status === 204 ? null : await res.json() };
    },
    waitFor: (method, pathPrefix, status) => page().waitForResponse((r) => r.request().method() === method
      && new URL(r.url()).pathname.startsWith(pathPrefix) && (!status || r.status() === status)),
    ...tokenHelpers(run, session),
  };
}

function tokenHelpers(run, session) {
  // expiredToken is an access token of the page's session, correctly
  // signed, that ran out an hour ago.
  const expiredToken = async () => {
    const s = await session();
    const { sid } = JSON.parse(Buffer.from(s.token.split('.')[1], 'base64url'));
    const now = Math.floor(Date.now() / 1000);
    return signToken({ sub: s.user.id, sid, iat: now - 7200, exp: now - 3600 }, run.server.jwtKid, run.server.jwtKey);
  };
  return {
    expiredToken,
    // sendExpired makes the page's next request to url (a glob) go out with
    // an expired token; the ones after it are left alone.
    sendExpired: async (url) => {
      const expired = await expiredToken();
      await run.page.route(url, (route) => route.continue({
        headers: { ...route.request().headers(), authorization: `Bearer ${expired}` } }), { times: 1 });
    },
    // responses records the statuses of the page's answers to method path
    // from now on, until stop().
    responses: (method, p, page = run.page) => {
      const got = [];
      const on = (r) => { if (r.request().method() === method && new URL(r.url()).pathname === p) got.push(r.status()); };
      page.on('response', on);
      return { got, stop: () => page.off('response', on) };
    },
  };
}
