// Test harness for the browser tests: builds and starts the local server,
// finds Chromium, reads the dev mail folder and signs test tokens. It holds
// no tests itself.

import { spawn, execFile } from 'node:child_process';
import { createPrivateKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

/** The repository root (two levels above web/test/lib). */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** REQUIRE is true when missing services must fail the tests, not skip them. */
export const REQUIRE = process.env.TODOFN_REQUIRE_SERVICES === '1';

/** CHROMIUM is the browser binary (CHROMIUM_PATH overrides). */
export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

/** AXE is axe-core's browser build, which the browser tests inject into the page (page.evaluate, which CSP allows). */
export const AXE = path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js');

/** CHROMIUM_ARGS are the flags every launch uses. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * missing returns why the browser tests cannot run here ("" when they can):
 * no Chromium, no playwright-core or axe-core, or no Go toolchain to build
 * the server.
 */
export async function missing() {
  if (!existsSync(CHROMIUM)) return `Chromium not found at ${CHROMIUM} (apt-get install -y chromium, or set CHROMIUM_PATH)`;
  try {
    await import('playwright-core');
  } catch {
    return 'playwright-core is not installed (run npm install at the repository root)';
  }
  if (!existsSync(AXE)) return `axe-core is not installed at ${AXE} (run npm install at the repository root)`;
  if (!process.env.TODOFN_LOCAL_BIN) {
    try {
      await promisify(execFile)('go', ['version']);
    } catch {
      return 'the go command is not on PATH (needed to build ./cmd/local)';
    }
  }
  return '';
}

/**
 * skipReason returns the reason to hand node:test's skip option, or false
 * to run; with TODOFN_REQUIRE_SERVICES=1 a missing tool is not a reason to
 * skip, and the test fails on it instead.
 */
export async function skipReason() {
  const why = await missing();
  if (!why) return false;
  if (REQUIRE) throw new Error(`TODOFN_REQUIRE_SERVICES=1 but ${why}`);
  return why;
}

/** freePort asks the kernel for a free TCP port on 127.0.0.1. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/**
 * buildServer compiles ./cmd/local into dir and returns the binary's path;
 * TODOFN_LOCAL_BIN names a prebuilt binary to use instead.
 */
export async function buildServer(dir) {
  if (process.env.TODOFN_LOCAL_BIN) return path.resolve(process.env.TODOFN_LOCAL_BIN);
  const bin = path.join(dir, 'todofn-local');
  try {
    await promisify(execFile)('go', ['build', '-o', bin, './cmd/local'], { cwd: ROOT, maxBuffer: 8 << 20 });
  } catch (e) {
    throw new Error(`harness: go build ./cmd/local: ${e.stderr || e.message}`);
  }
  return bin;
}

/**
 * startServer builds and starts the local server on a free port with its
 * own data and mail folders, and waits for its "listening on" line. Call
 * the returned stop() when done (it also removes the folders).
 * @param {{jwtTTL?: string, env?: Record<string,string>}} [opts]
 */
export async function startServer(opts = {}) {
  const dir = await mkdtemp(path.join(tmpdir(), 'todofn-web-'));
  const bin = await buildServer(dir);
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  const dataDir = path.join(dir, 'data');
  const mailDir = path.join(dir, 'mail');
  await mkdir(dataDir);
  await mkdir(mailDir);
  // The server signs and verifies ES256 tokens with this P-256 pair; the
  // tests sign their own (see signToken) with the same private half.
  const { privateKey: jwtKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwtKid = 'webtest';
  const env = {
    PATH: process.env.PATH,
    HOME: process.env.HOME || dir,
    PORT: String(port),
    DATA_DIR: dataDir,
    MAIL_DIR: mailDir,
    WEB_DIR: path.join(ROOT, 'web'),
    JWT_TTL: opts.jwtTTL || '15m',
    JWT_SIGNING_KEYS: `${jwtKid}=${jwtKey.export({ type: 'pkcs8', format: 'der' }).toString('base64url')}`,
    APP_URL: `${origin}/`,
    LOG_LEVEL: 'warn',
    ...opts.env,
  };
  const child = spawn(bin, [], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (b) => { out += b; });
  child.stderr.on('data', (b) => { out += b; });
  const exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, sig })));

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    }
    await rm(dir, { recursive: true, force: true });
  };

  const ready = `listening on ${origin}`;
  const deadline = Date.now() + 30_000;
  while (!out.includes(ready)) {
    if (child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`harness: local server exited before listening:\n${out}`);
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`harness: local server did not print "${ready}" within 30s:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return { origin, port, dir, dataDir, mailDir, jwtKid, jwtKey, stop, log: () => out };
}

/**
 * decodeQP decodes a quoted-printable body into bytes, then UTF-8 text.
 * @param {string} s
 */
export function decodeQP(s) {
  const soft = s.replace(/=\r?\n/g, '');
  const bytes = [];
  for (let i = 0; i < soft.length; i++) {
    const c = soft[i];
    if (c === '=' && /^[0-9A-Fa-f]{2}$/.test(soft.slice(i + 1, i + 3))) {
      bytes.push(parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else {
      bytes.push(...Buffer.from(c, 'utf8'));
    }
  }
  return Buffer.from(bytes).toString('utf8');
}

/** decodeWords decodes RFC 2047 encoded words (=?UTF-8?q?...?= / ?b?) in a header. */
export function decodeWords(s) {
  return s
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([qQbB])\?([^?]*)\?=/g, (_, _cs, enc, text) =>
      enc.toLowerCase() === 'b' ? Buffer.from(text, 'base64').toString('utf8') : decodeQP(text.replace(/_/g, ' ')));
}

function splitHead(raw) {
  const m = /\r?\n\r?\n/.exec(raw);
  const head = m ? raw.slice(0, m.index) : raw;
  const body = m ? raw.slice(m.index + m[0].length) : '';
  const headers = {};
  for (const line of head.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { headers, body };
}

function decodeBody(headers, body) {
  const enc = (headers['content-transfer-encoding'] || '').toLowerCase();
  if (enc === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (enc === 'quoted-printable') return decodeQP(body);
  return body;
}

/**
 * parseEml reads a message: its subject and recipient, and the text and
 * HTML parts (searched through nested multiparts), decoded.
 * @param {string} raw
 * @returns {{subject: string, to: string, text: string, html: string}}
 */
export function parseEml(raw) {
  const { headers, body } = splitHead(raw);
  const out = { subject: decodeWords(headers.subject || ''), to: headers.to || '', text: '', html: '' };
  const walk = (h, b) => {
    const type = (h['content-type'] || 'text/plain').toLowerCase();
    if (type.startsWith('multipart/')) {
      const bm = /boundary="?([^";]+)"?/i.exec(h['content-type']);
      if (!bm) return;
      const parts = b.split(`--${bm[1]}`).slice(1);
      for (const p of parts) {
        if (p.startsWith('--')) break;
        const sub = splitHead(p.replace(/^\r?\n/, ''));
        walk(sub.headers, sub.body);
      }
    } else if (type.startsWith('text/plain') && !out.text) {
      out.text = decodeBody(h, b);
    } else if (type.startsWith('text/html') && !out.html) {
      out.html = decodeBody(h, b);
    }
  };
  walk(headers, body);
  return out;
}

/**
 * mailTo waits (bounded) for the newest mail to `to` in dir whose text
 * matches both codeRe and linkRe (each with one group), and returns it with
 * the code and the link.
 */
export async function mailTo(dir, to, codeRe, linkRe, { tries = 150 } = {}) {
  for (let i = 0; i < tries; i++) {
    const names = (await readdir(dir)).filter((n) => n.endsWith('.eml')).sort().reverse();
    for (const n of names) {
      const m = parseEml(await readFile(path.join(dir, n), 'utf8'));
      if (!m.to.includes(to)) continue;
      const code = codeRe.exec(m.text);
      const link = linkRe.exec(m.text);
      if (code && link) return { ...m, code: code[1], link: link[1], file: n };
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`harness: no mail to ${to} matching ${codeRe} in ${dir}`);
}

/**
 * verificationMail waits (bounded) for the newest mail to `to` in dir with
 * a code and returns the 6-digit code and the verify link from its text.
 */
export function verificationMail(dir, to, opts) {
  return mailTo(dir, to, /verification code is (\d{6})/, /(https?:\/\/\S+\/verify\?\S+)/, opts);
}

/**
 * resetMail waits (bounded) for the newest password-reset mail to `to` in
 * dir and returns its 6-digit code and its link to the app's #/reset page.
 * A code already seen (skip) does not count: a newer mail is waited for.
 */
export async function resetMail(dir, to, { skip = '', tries = 150 } = {}) {
  for (let i = 0; i < tries; i++) {
    const m = await mailTo(dir, to, /password reset code is (\d{6})/, /(https?:\/\/\S+#\/reset\?\S+)/, { tries });
    if (m.code !== skip) return m;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`harness: no new reset mail to ${to} in ${dir}`);
}

/**
 * linkParams reads a mailed verify link: the app's confirm page
 * (APP_URL#/verify?email=&code=), or the verify function (/verify?code=&email=,
 * in older mails; it redirects to that page). Returns where it points and
 * its email and code.
 * @param {string} link
 * @returns {{to: 'app'|'function', email: string|null, code: string|null}}
 */
export function linkParams(link) {
  const u = new URL(link);
  const hash = /^#\/verify\?(.*)$/.exec(u.hash);
  const to = hash ? 'app' : 'function';
  if (!hash && !u.pathname.endsWith('/verify')) throw new Error(`harness: ${link} is not a verify link`);
  const q = hash ? new URLSearchParams(hash[1]) : u.searchParams;
  return { to, email: q.get('email'), code: q.get('code') };
}

/** linkWithCode is the mailed verify link with its code replaced by code. */
export function linkWithCode(link, code) {
  const u = new URL(link);
  const hash = /^#\/verify\?(.*)$/.exec(u.hash);
  const q = new URLSearchParams(hash ? hash[1] : u.search);
  q.set('code', code);
  if (hash) u.hash = `#/verify?${q}`;
  else u.search = `?${q}`;
  return u.toString();
}

/**
 * signToken returns an ES256 JWT (a JWS signed with key, the private half
 * of a P-256 pair, its signature r || s as JWS wants it) with the given
 * claims and key ID, as the server's auth package issues them: iss todofn,
 * aud todofn-api and a random jti, before claims (sub, sid, iat, exp).
 * @param {Record<string, unknown>} claims
 * @param {string} kid
 * @param {import('node:crypto').KeyObject|string} key a KeyObject or a PEM
 */
export function signToken(claims, kid, key) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = enc({ alg: 'ES256', typ: 'JWT', kid });
  const body = enc({ iss: 'todofn', aud: ['todofn-api'], jti: randomBytes(16).toString('base64url'), ...claims });
  const priv = typeof key === 'string' ? createPrivateKey(key) : key;
  const sig = sign('sha256', Buffer.from(`${head}.${body}`), { key: priv, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return `${head}.${body}.${sig}`;
}
