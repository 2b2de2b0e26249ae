// The journey's browser: node:test hooks that start the local server and a
// fresh headless Chromium (see harness.mjs), and the page helpers the
// journey's steps use. It holds no tests itself.

import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

import { CHROMIUM, CHROMIUM_ARGS, ROOT, startServer } from './harness.mjs';

/** SHOTS is where the screenshots go. */
export const SHOTS = path.join(ROOT, 'test-artifacts', 'screenshots');

/**
 * useBrowser registers, in the calling describe, a before hook that starts
 * the server and Chromium (one page, 375×760, en-US, every request and
 * script error recorded) and an after hook that stops them. It returns the
 * run: server and page are set once the before hook has run; the helpers
 * work on that page.
 */
export function useBrowser() {
  const run = {
    /** @type {Awaited<ReturnType<typeof startServer>>} */
    server: null,
    /** @type {import('playwright-core').Page} */
    page: null,
    /** @type {{method: string, url: string, headers: Record<string,string>}[]} */
    requests: [],
    pageErrors: [],
  };
  let context;
  let profile;
  before(async () => {
    await mkdir(SHOTS, { recursive: true });
    run.server = await startServer();
    const { chromium } = await import('playwright-core');
    profile = await mkdtemp(path.join(tmpdir(), 'todofn-chromium-'));
    // A persistent context on a fresh folder is the "fresh user-data dir".
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true,
      viewport: { width: 375, height: 760 }, locale: 'en-US', deviceScaleFactor: 1,
    });
    const page = context.pages()[0] || (await context.newPage());
    page.setDefaultTimeout(10_000);
    page.on('request', (r) => run.requests.push({ method: r.method(), url: r.url(), headers: r.headers() }));
    page.on('pageerror', (e) => run.pageErrors.push(e));
    run.page = page;
  });
  after(async () => {
    if (context) await context.close();
    if (profile) await rm(profile, { recursive: true, force: true });
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
  const session = () => page().evaluate(() => JSON.parse(sessionStorage.getItem('todofn.session') || 'null'));
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
    waitFor: (method, pathPrefix, status) => page().waitForResponse((r) => r.request().method() === method
      && new URL(r.url()).pathname.startsWith(pathPrefix) && (!status || r.status() === status)),
  };
}
