// The web app's shape, checked: no module over 400 lines, no function over
// 80, app.js only an entry point, and state.js pure (no imports, no DOM or
// browser globals) so Node can test it.

import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const WEB = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MAX_FILE = 400;
const MAX_FUNCTION = 80;

async function modules(dir = WEB) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    if (e.isDirectory() && e.name !== 'test' && e.name !== 'node_modules') out.push(...await modules(path.join(dir, e.name)));
    else if (e.isFile() && e.name.endsWith('.js')) out.push(path.join(dir, e.name));
  }
  return out.sort();
}

/**
 * blocks returns the {...} blocks that follow ")" or "=>" - function bodies
 * (and the if/for/while bodies inside them, which are shorter) - with the
 * lines they start and end on. Comments and string contents are skipped.
 * @param {string} src
 */
export function blocks(src) {
  const found = [];
  const open = [];
  let line = 1;
  let prev = ''; // the last significant character (or "=>")
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\n') { line++; continue; }
    if (c === '/' && src[i + 1] === '/') { while (i < src.length && src[i] !== '\n') i++; i--; continue; }
    if (c === '/' && src[i + 1] === '*') {
      const end = src.indexOf('*/', i + 2);
      if (end < 0) break;
      line += (src.slice(i, end).match(/\n/g) || []).length;
      i = end + 1;
      continue;
    }
    if (c === "'" || c === '"') {
      for (i++; i < src.length && src[i] !== c; i++) if (src[i] === '\\') i++;
      prev = c;
      continue;
    }
    if (/\s/.test(c)) continue;
    if (c === '{') open.push({ fn: prev === ')' || prev === '=>', line });
    if (c === '}') {
      const b = open.pop();
      if (b && b.fn) found.push({ start: b.line, end: line, lines: line - b.line + 1 });
    }
    prev = c === '>' && src[i - 1] === '=' ? '=>' : c;
  }
  return found;
}

test('the block finder sees function bodies and skips strings and comments', () => {
  const src = 'const o = {\n a: 1,\n};\nfunction f(x) {\n  // }\n  const s = "}";\n  return () => {\n    x();\n  };\n}\n';
  assert.deepEqual(blocks(src).map((b) => [b.start, b.end]), [[7, 9], [4, 10]]);
});

const files = await modules();

test('the modules are found', () => {
  const names = files.map((f) => path.relative(WEB, f));
  for (const want of ['app.js', 'api.js', 'dom.js', 'i18n.js', 'router.js', 'routes.js', 'session.js', 'state.js',
    'views/todos.js', 'views/login.js', 'views/signup.js', 'views/verify.js']) {
    assert.ok(names.includes(want), `${want} is missing`);
  }
});

for (const file of files) {
  const name = path.relative(WEB, file);
  test(`${name}: at most ${MAX_FILE} lines, no function over ${MAX_FUNCTION}`, async () => {
    const src = await readFile(file, 'utf8');
    const lines = src.split('\n').length - (src.endsWith('\n') ? 1 : 0);
    assert.ok(lines <= MAX_FILE, `${name} has ${lines} lines`);
    const long = blocks(src).filter((b) => b.lines > MAX_FUNCTION);
    assert.deepEqual(long.map((b) => `${name}:${b.start} is ${b.lines} lines`), []);
  });
}

test('app.js is only the entry point', async () => {
  const src = await readFile(path.join(WEB, 'app.js'), 'utf8');
  assert.ok(src.split('\n').length <= 80, 'app.js is long again');
  assert.doesNotMatch(src, /^let /m, 'app.js keeps no module-wide state');
});

test('state.js is pure: no imports, no browser globals', async () => {
  const src = (await readFile(path.join(WEB, 'state.js'), 'utf8')).replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '');
  assert.doesNotMatch(src, /\bimport\b/);
  for (const g of ['document', 'window', 'location', 'localStorage', 'sessionStorage', 'navigator', 'fetch', 'Date', 'Math.random']) {
    assert.ok(!new RegExp(`\\b${g.replace('.', '\\.')}\\b`).test(src), `state.js uses ${g}`);
  }
  assert.doesNotMatch(src, /^let /m, 'state.js keeps no state of its own');
});

test('api.js takes its functions from routes.js', async () => {
  const src = await readFile(path.join(WEB, 'api.js'), 'utf8');
  assert.match(src, /import \{[^}]*\bFUNCTIONS\b[^}]*\} from '\.\/routes\.js'/);
  assert.doesNotMatch(src, /'todos-list',\s*'todos-add'/, 'a hard-coded function list is back');
});

test('every view submits through form.js, with no submit skeleton of its own', async () => {
  // A form's listener may sit in another module of the same page (the edit
  // form of todo-item.js is submitted by todos.js): count over all views.
  let forms = 0;
  let helped = 0;
  for (const file of files.filter((f) => f.includes(`${path.sep}views${path.sep}`))) {
    const name = path.relative(WEB, file);
    const src = await readFile(file, 'utf8');
    assert.doesNotMatch(src, /\b(?:busy|clearError|showError)\(/, `${name} handles busy or errors itself`);
    forms += (src.match(/h\('form'/g) || []).length;
    helped += (src.match(/onsubmit: submitter\(|submitForm\(/g) || []).length;
  }
  assert.ok(forms >= 8, `${forms} forms found`);
  assert.equal(helped, forms, `${forms} forms, ${helped} submitted through form.js`);
});

test('limits and error codes come from the generated limits.js, never typed by hand', async () => {
  const { ERROR_CODES } = await import('../routes.js');
  const generated = ['limits.js', 'routes.js'];
  for (const file of files.filter((f) => !generated.includes(path.relative(WEB, f)))) {
    const name = path.relative(WEB, file);
    const src = (await readFile(file, 'utf8')).replace(/\/\/.*|\/\*[\s\S]*?\*\//g, '');
    for (const code of ERROR_CODES) {
      const typed = src.replaceAll(`Symbol('${code}')`, '').includes(`'${code}'`);
      assert.ok(!typed, `${name} types the error code '${code}': use CODES of limits.js`);
    }
    // maxlength counts UTF-16 units, the API code points: only the 6-digit code may have one.
    for (const m of src.matchAll(/maxlength: ([^,}]+)/g)) assert.equal(m[1].trim(), '6', `${name}: maxlength: ${m[1]}`);
    assert.doesNotMatch(src, /constants\.js/, `${name} imports constants.js`);
  }
});
