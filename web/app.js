// The todofn web app: hash-routed pages for sign-up, verification, log-in
// and the todo list, talking to each function's URL from config.json.
//
// State lives in memory; the session (token, expiry, user) and the drafts
// of unsent text live in sessionStorage, so a reload keeps them and closing
// the tab forgets them. The language choice lives in localStorage.

import { ApiError, Client, loadConfig, newKey } from './api.js';
import { KEYS, PAGE_SIZE, PASSWORD_MAX, PASSWORD_MIN, TITLE_MAX } from './constants.js';
import { errorText, pickLang, translate } from './i18n.js';

const app = /** @type {HTMLElement} */ (document.getElementById('app'));
const nav = /** @type {HTMLElement} */ (document.getElementById('nav'));
const langButton = /** @type {HTMLButtonElement} */ (document.getElementById('lang'));

/** @type {Client} */
let client;
/** @type {{functions: Record<string,string>, mailbox?: string}} */
let config;
/** @type {'en'|'zh'} */
let lang = pickLang(safeGet(localStorage, KEYS.lang), navigator.languages || [navigator.language]);
/** @type {{token: string, expiresAt: number, user: {id: string, email: string, name: string}} | null} */
let session = readJSON(sessionStorage, KEYS.session);

/** The list page's data, kept across language switches (not reloads). */
const list = {
  userId: '',
  /** @type {Array<{id: string, title: string, done: boolean, createdAt: string, updatedAt: string}>} */
  items: [],
  /** @type {string|null} */
  nextCursor: null,
  loaded: false,
  /** @type {string|null} the id of the todo whose title is being edited */
  editing: null,
};

// ---- small helpers ----

function t(key, vars) {
  return translate(lang, key, vars);
}

function safeGet(store, key) {
  try {
    return store.getItem(key);
  } catch {
    return null;
  }
}

function safeSet(store, key, value) {
  try {
    if (value == null) store.removeItem(key);
    else store.setItem(key, value);
  } catch {
    // Storage full or disabled: the app still works for this page's life.
  }
}

function readJSON(store, key) {
  try {
    return JSON.parse(safeGet(store, key) || 'null');
  } catch {
    return null;
  }
}

/**
 * h builds an element: h('button', {type: 'submit', onclick: f}, 'Save').
 * Props starting with "on" are listeners; others are attributes, except
 * value/checked which are set as properties. Children are nodes or text.
 */
function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** field is a labelled input with an optional hint below it. */
function field({ id, label, type = 'text', hint, ...attrs }) {
  const hintId = hint ? `${id}-hint` : null;
  return h('div', { class: 'field' },
    h('label', { for: id }, label),
    h('input', { id, name: id, type, 'aria-describedby': hintId, ...attrs }),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null);
}

/** alertBox is the form's error line: role="alert", hidden while empty. */
function alertBox(id) {
  return h('p', { class: 'error', id, role: 'alert', hidden: true });
}

/** showError puts err's text in the form's alert and marks the field at fault. */
function showError(form, err, fallbackField) {
  const box = form.querySelector('[role="alert"]');
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
  const text = err instanceof ApiError ? errorText(lang, err) : typeof err === 'string' ? err : t('reason_other');
  box.textContent = text;
  box.hidden = false;
  const name = (err instanceof ApiError && err.field) || fallbackField;
  const input = name ? form.querySelector(`[name="${CSS.escape(name)}"], [data-field="${CSS.escape(name)}"]`) : null;
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

function clearError(form) {
  const box = form.querySelector('[role="alert"]');
  if (box) {
    box.textContent = '';
    box.hidden = true;
  }
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/** busy disables a form's buttons while a request runs. */
function busy(form, on) {
  form.setAttribute('aria-busy', on ? 'true' : 'false');
  for (const b of form.querySelectorAll('button')) b.disabled = on;
}

/** control returns the form's control called name. */
function control(form, name) {
  return /** @type {HTMLInputElement} */ (form.elements.namedItem(name));
}

function val(form, name) {
  return control(form, name).value;
}

function validEmail(s) {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s);
}

// ---- routing ----

function parseHash() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [path, query = ''] = raw.split('?');
  return { path: path || '', params: new URLSearchParams(query) };
}

/** go navigates to hash, rendering even if it is the current one. */
function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

const routes = {
  signup: viewSignup,
  'check-mail': viewCheckMail,
  verify: viewVerify,
  verified: viewVerified,
  'verify-failed': viewVerify,
  login: viewLogin,
  todos: viewTodos,
};

/**
 * render draws the page for the current hash. With keep set (a language
 * switch) it carries over what was typed and where focus was.
 */
function render(keep = false) {
  let { path, params } = parseHash();
  if (session && session.expiresAt <= Date.now() && path === 'todos') {
    endSession(true);
    return;
  }
  if (!routes[path]) {
    go(session ? '#/todos' : '#/signup');
    return;
  }
  if (path === 'todos' && !session) {
    go('#/login');
    return;
  }
  const typed = {};
  if (keep) for (const el of app.querySelectorAll('input[id]')) typed[el.id] = el.type === 'checkbox' ? el.checked : el.value;

  renderChrome();
  const view = routes[path](params, path);
  app.replaceChildren(view.el);
  document.title = `${view.title} · ${t('appName')}`;
  if (keep) {
    for (const [id, v] of Object.entries(typed)) {
      const el = document.getElementById(id);
      if (el && el.type !== 'checkbox') el.value = v;
    }
    return;
  }
  const target = view.focus || app.querySelector('h1');
  if (target) target.focus();
}

function renderChrome() {
  document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
  document.getElementById('brand').textContent = t('appName');
  document.getElementById('skip').textContent = t('skip');
  langButton.textContent = t('switchTo');
  langButton.setAttribute('lang', t('switchToLang') === 'zh' ? 'zh-CN' : 'en');
  langButton.setAttribute('aria-label', t('switchToLabel'));
  if (session) {
    const who = session.user.name || session.user.email;
    nav.replaceChildren(
      h('span', { class: 'who' }, t('signedInAs', { who })),
      h('button', { type: 'button', class: 'link-button', onclick: () => endSession(false) }, t('logout')));
  } else {
    const here = parseHash().path;
    nav.replaceChildren(
      h('a', { href: '#/signup', 'aria-current': here === 'signup' ? 'page' : null }, t('navSignup')),
      h('a', { href: '#/login', 'aria-current': here === 'login' ? 'page' : null }, t('navLogin')));
  }
}

function heading(text) {
  return h('h1', { tabindex: '-1' }, text);
}

// ---- session ----

function startSession(res) {
  session = {
    token: res.accessToken,
    expiresAt: Date.now() + Math.max(0, Number(res.expiresIn) || 0) * 1000,
    user: { id: res.user.id, email: res.user.email, name: res.user.name || '' },
  };
  client.token = session.token;
  safeSet(sessionStorage, KEYS.session, JSON.stringify(session));
  safeSet(sessionStorage, KEYS.email, session.user.email);
  const d = readJSON(sessionStorage, KEYS.drafts);
  if (d && d.userId !== session.user.id) safeSet(sessionStorage, KEYS.drafts, null);
}

/**
 * endSession forgets the token. expired (the API refused it, or it ran
 * out) keeps the drafts and says why on the log-in page; a log-out drops
 * them.
 */
function endSession(expired) {
  session = null;
  client.token = '';
  safeSet(sessionStorage, KEYS.session, null);
  list.loaded = false;
  list.items = [];
  list.editing = null;
  if (!expired) safeSet(sessionStorage, KEYS.drafts, null);
  go(expired ? '#/login?expired=1' : '#/login?out=1');
}

/** Drafts: what the user typed on the list page, kept across a re-login. */
function drafts() {
  const d = readJSON(sessionStorage, KEYS.drafts);
  return d && session && d.userId === session.user.id ? d : {};
}

function saveDraft(patch) {
  if (!session) return;
  const d = { ...drafts(), ...patch, userId: session.user.id };
  safeSet(sessionStorage, KEYS.drafts, JSON.stringify(d));
}

/** UNAUTHORIZED is thrown after a refused token has sent the user to log in. */
const UNAUTHORIZED = Symbol('unauthorized');

/** authed runs a todo call, ending the session on any 401 or a lapsed token. */
async function authed(call) {
  if (!session || session.expiresAt <= Date.now()) {
    endSession(true);
    throw UNAUTHORIZED;
  }
  try {
    return await call();
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      endSession(true);
      throw UNAUTHORIZED;
    }
    throw e;
  }
}

// ---- pages ----

function viewSignup() {
  const form = h('form', { novalidate: true, onsubmit: onSubmit },
    field({ id: 'email', label: t('email'), type: 'email', autocomplete: 'email', required: true, value: safeGet(sessionStorage, KEYS.email) || '' }),
    field({ id: 'password', label: t('password'), type: 'password', autocomplete: 'new-password', required: true,
      minlength: PASSWORD_MIN, maxlength: PASSWORD_MAX, hint: t('passwordHint') }),
    field({ id: 'name', label: t('name'), autocomplete: 'name', maxlength: 100, hint: t('optional') }),
    alertBox('signup-error'),
    h('button', { type: 'submit', class: 'primary' }, t('signup')));

  async function onSubmit(ev) {
    ev.preventDefault();
    clearError(form);
    const email = val(form, 'email').trim();
    const password = val(form, 'password');
    const name = val(form, 'name').trim();
    if (!email) return showError(form, t('needEmail'), 'email');
    if (!validEmail(email)) return showError(form, t('badEmail'), 'email');
    if (password.length < PASSWORD_MIN || password.length > PASSWORD_MAX) return showError(form, t('badPassword'), 'password');
    busy(form, true);
    try {
      await client.register(email, password, name);
      safeSet(sessionStorage, KEYS.email, email);
      go('#/check-mail');
    } catch (e) {
      busy(form, false);
      showError(form, e);
    }
  }

  return {
    title: t('signupTitle'),
    focus: control(form, 'email'),
    el: h('section', { class: 'card' }, heading(t('signupTitle')), form,
      h('p', { class: 'aside' }, t('signupHave'), ' ', h('a', { href: '#/login' }, t('navLogin'))),
      h('p', { class: 'aside' }, t('signupCode'), ' ', h('a', { href: '#/verify' }, t('enterCode')))),
  };
}

function viewCheckMail() {
  const email = safeGet(sessionStorage, KEYS.email);
  const links = h('p', { class: 'actions' });
  if (config.mailbox) links.append(h('a', { href: config.mailbox, class: 'button' }, t('checkMailbox')));
  links.append(h('a', { href: '#/verify', class: 'button' + (config.mailbox ? '' : ' primary') }, t('checkTypeCode')));
  return {
    title: t('checkTitle'),
    el: h('section', { class: 'card' }, heading(t('checkTitle')),
      h('p', {}, email ? t('checkSent', { email }) : t('checkSentNoEmail')),
      links,
      h('p', { class: 'aside' }, t('checkNoMail'))),
  };
}

function viewVerify(params, path) {
  const failed = path === 'verify-failed';
  const reason = params.get('reason') || '';
  const form = h('form', { novalidate: true, onsubmit: onSubmit },
    field({ id: 'email', label: t('email'), type: 'email', autocomplete: 'email', required: true,
      value: params.get('email') || safeGet(sessionStorage, KEYS.email) || '' }),
    field({ id: 'code', label: t('code'), inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}',
      maxlength: 6, required: true, hint: t('codeHint') }),
    alertBox('verify-error'),
    h('button', { type: 'submit', class: 'primary' }, t('verify')));

  async function onSubmit(ev) {
    ev.preventDefault();
    clearError(form);
    const email = val(form, 'email').trim();
    const code = val(form, 'code').replace(/\s+/g, '');
    if (!validEmail(email)) return showError(form, t('badEmail'), 'email');
    if (!/^[0-9]{6}$/.test(code)) return showError(form, t('badCode'), 'code');
    busy(form, true);
    try {
      await client.verify(email, code);
      safeSet(sessionStorage, KEYS.email, email);
      go('#/verified');
    } catch (e) {
      busy(form, false);
      showError(form, e, e instanceof ApiError && e.code === 'invalid_code' ? 'code' : undefined);
    }
  }

  const title = failed ? t('verifyFailedTitle') : t('verifyTitle');
  const known = ['invalid_code', 'rate_limited'].includes(reason) ? reason : 'other';
  return {
    title,
    focus: failed ? null : val(form, 'email') ? control(form, 'code') : control(form, 'email'),
    el: h('section', { class: 'card' }, heading(title),
      failed ? h('p', { class: 'notice warn' }, t(`reason_${known}`)) : null,
      form),
  };
}

function viewVerified() {
  return {
    title: t('verifiedTitle'),
    el: h('section', { class: 'card' }, heading(t('verifiedTitle')),
      h('p', { class: 'notice ok' }, t('verifiedText')),
      h('p', { class: 'actions' }, h('a', { href: '#/login', class: 'button primary' }, t('verifiedLogin')))),
  };
}

function viewLogin(params) {
  const form = h('form', { novalidate: true, onsubmit: onSubmit },
    field({ id: 'email', label: t('email'), type: 'email', autocomplete: 'username', required: true,
      value: safeGet(sessionStorage, KEYS.email) || '' }),
    field({ id: 'password', label: t('password'), type: 'password', autocomplete: 'current-password', required: true }),
    alertBox('login-error'),
    h('button', { type: 'submit', class: 'primary' }, t('login')));
  const extra = h('p', { class: 'aside', hidden: true });

  async function onSubmit(ev) {
    ev.preventDefault();
    clearError(form);
    extra.hidden = true;
    const email = val(form, 'email').trim();
    const password = val(form, 'password');
    if (!validEmail(email)) return showError(form, t('badEmail'), 'email');
    if (!password) return showError(form, t('needPassword'), 'password');
    busy(form, true);
    try {
      startSession(await client.login(email, password));
      go('#/todos');
    } catch (e) {
      busy(form, false);
      if (e instanceof ApiError && e.code === 'email_not_verified') {
        safeSet(sessionStorage, KEYS.email, email);
        extra.replaceChildren(h('a', { href: '#/verify' }, t('checkTypeCode')));
        extra.hidden = false;
      }
      showError(form, e, e instanceof ApiError && e.code === 'invalid_credentials' ? 'password' : undefined);
    }
  }

  let notice = null;
  if (params.get('expired')) notice = h('p', { class: 'notice warn', role: 'status' }, t('loginExpired'));
  else if (params.get('out')) notice = h('p', { class: 'notice', role: 'status' }, t('loggedOut'));
  return {
    title: t('loginTitle'),
    focus: val(form, 'email') ? control(form, 'password') : control(form, 'email'),
    el: h('section', { class: 'card' }, heading(t('loginTitle')), notice, form, extra,
      h('p', { class: 'aside' }, t('loginNoAccount'), ' ', h('a', { href: '#/signup' }, t('navSignup')))),
  };
}

// ---- the list ----

function viewTodos() {
  const d = drafts();
  const input = h('input', { id: 'new-todo', name: 'title', type: 'text', maxlength: TITLE_MAX, autocomplete: 'off',
    required: true, value: d.newTodo || '', oninput: () => saveDraft({ newTodo: input.value }) });
  const addForm = h('form', { class: 'add', novalidate: true, onsubmit: onAdd },
    h('label', { for: 'new-todo' }, t('newTodo')),
    h('div', { class: 'row' }, input, h('button', { type: 'submit', class: 'primary' }, t('add'))),
    alertBox('add-error'));
  const status = h('p', { class: 'status', role: 'status' });
  const listError = alertBox('list-error');
  const ul = h('ul', { class: 'todos', id: 'todos', 'aria-labelledby': 'todos-h' });
  const empty = h('p', { class: 'empty', hidden: true }, t('empty'));
  const more = h('button', { type: 'button', class: 'more', hidden: true, onclick: onMore }, t('loadMore'));

  function draw() {
    ul.replaceChildren(...list.items.map(itemView));
    ul.setAttribute('aria-busy', list.loaded ? 'false' : 'true');
    empty.hidden = !list.loaded || list.items.length > 0;
    more.hidden = !list.nextCursor;
  }

  function itemView(item) {
    if (list.editing === item.id) return editView(item);
    const boxId = `t-${item.id}`;
    const labelId = `l-${item.id}`;
    const box = h('input', { type: 'checkbox', id: boxId, checked: item.done, onchange: () => onToggle(item, box) });
    return h('li', { class: item.done ? 'todo done' : 'todo', 'data-id': item.id },
      box,
      h('label', { for: boxId, id: labelId, class: 'todo-title' }, item.title),
      h('span', { class: 'todo-actions' },
        h('button', { type: 'button', 'aria-describedby': labelId, onclick: () => startEdit(item) }, t('edit')),
        h('button', { type: 'button', class: 'danger', 'aria-describedby': labelId, onclick: () => onDelete(item) }, t('delete'))));
  }

  function editView(item) {
    const id = `e-${item.id}`;
    const d = drafts();
    const text = d.edit && d.edit.id === item.id ? d.edit.title : item.title;
    const edit = h('input', { id, name: 'title', type: 'text', maxlength: TITLE_MAX, required: true, value: text, autocomplete: 'off',
      oninput: () => saveDraft({ edit: { id: item.id, title: edit.value } }),
      onkeydown: (ev) => { if (ev.key === 'Escape') { ev.preventDefault(); stopEdit(item); } } });
    const form = h('form', { class: 'edit', novalidate: true, onsubmit: (ev) => onSave(ev, item, form, edit) },
      h('label', { for: id }, t('title')),
      h('div', { class: 'row' }, edit,
        h('button', { type: 'submit', class: 'primary' }, t('save')),
        h('button', { type: 'button', onclick: () => stopEdit(item) }, t('cancel'))),
      alertBox(`${id}-error`));
    return h('li', { class: 'todo editing', 'data-id': item.id }, form);
  }

  function replaceItem(item) {
    const old = ul.querySelector(`li[data-id="${CSS.escape(item.id)}"]`);
    const li = itemView(item);
    if (old) old.replaceWith(li);
    return li;
  }

  function say(text) {
    status.textContent = text;
  }

  function fail(e) {
    if (e === UNAUTHORIZED) return true;
    listError.textContent = e instanceof ApiError ? errorText(lang, e) : t('reason_other');
    listError.hidden = false;
    return false;
  }

  async function load(cursor) {
    listError.hidden = true;
    try {
      const page = await authed(() => client.list(PAGE_SIZE, cursor));
      const seen = new Set(list.items.map((x) => x.id));
      const fresh = (page.items || []).filter((x) => !seen.has(x.id));
      list.items = cursor ? list.items.concat(fresh) : page.items || [];
      list.nextCursor = page.nextCursor || null;
      list.loaded = true;
      list.userId = session.user.id;
      return fresh;
    } catch (e) {
      list.loaded = true;
      fail(e);
      return null;
    }
  }

  async function onAdd(ev) {
    ev.preventDefault();
    clearError(addForm);
    const title = input.value.trim();
    if (!title || title.length > TITLE_MAX) return showError(addForm, t('badTitle'), 'title');
    const pending = drafts().pendingAdd;
    const key = pending && pending.title === title ? pending.key : newKey();
    saveDraft({ newTodo: input.value, pendingAdd: { title, key } });
    busy(addForm, true);
    try {
      let created;
      try {
        created = await authed(() => client.add(title, key));
      } catch (e) {
        // One quiet retry, with the same key, when the answer was lost.
        if (!(e instanceof ApiError) || !(e.status === 0 || e.status >= 502)) throw e;
        created = await authed(() => client.add(title, key));
      }
      list.items = [created, ...list.items.filter((x) => x.id !== created.id)];
      saveDraft({ newTodo: '', pendingAdd: null });
      input.value = '';
      draw();
      say(t('added', { title: created.title }));
    } catch (e) {
      if (e === UNAUTHORIZED) return;
      if (e instanceof ApiError && e.code === 'idempotency_key_reused') saveDraft({ pendingAdd: null });
      showError(addForm, e, 'title');
    } finally {
      busy(addForm, false);
    }
    input.focus();
  }

  async function onToggle(item, box) {
    listError.hidden = true;
    const want = box.checked;
    box.disabled = true;
    try {
      const updated = await authed(() => client.update(item.id, { done: want }));
      Object.assign(item, updated);
    } catch (e) {
      if (fail(e)) return;
      if (e instanceof ApiError && e.code === 'not_found') return removeItem(item);
    }
    const li = replaceItem(item);
    li.querySelector('input[type="checkbox"]').focus();
  }

  function startEdit(item) {
    list.editing = item.id;
    saveDraft({ edit: { id: item.id, title: item.title } });
    const li = replaceItem(item);
    const edit = li.querySelector('input');
    edit.focus();
    edit.select();
  }

  function stopEdit(item) {
    list.editing = null;
    saveDraft({ edit: null });
    const li = replaceItem(item);
    li.querySelector('button').focus();
  }

  async function onSave(ev, item, form, edit) {
    ev.preventDefault();
    clearError(form);
    const title = edit.value.trim();
    if (!title || title.length > TITLE_MAX) return showError(form, t('badTitle'), 'title');
    if (title === item.title) return stopEdit(item);
    busy(form, true);
    try {
      const updated = await authed(() => client.update(item.id, { title }));
      Object.assign(item, updated);
      stopEdit(item);
    } catch (e) {
      if (e === UNAUTHORIZED) return;
      busy(form, false);
      if (e instanceof ApiError && e.code === 'not_found') return removeItem(item);
      showError(form, e, 'title');
    }
  }

  function removeItem(item) {
    const li = ul.querySelector(`li[data-id="${CSS.escape(item.id)}"]`);
    const next = li && (li.nextElementSibling || li.previousElementSibling);
    list.items = list.items.filter((x) => x.id !== item.id);
    if (list.editing === item.id) {
      list.editing = null;
      saveDraft({ edit: null });
    }
    if (li) li.remove();
    empty.hidden = list.items.length > 0;
    const focus = next && next.querySelector('input, button');
    (focus || input).focus();
  }

  async function onDelete(item) {
    listError.hidden = true;
    try {
      await authed(() => client.remove(item.id));
    } catch (e) {
      if (fail(e)) return;
      if (!(e instanceof ApiError && e.code === 'not_found')) return;
    }
    removeItem(item);
    say(t('deleted', { title: item.title }));
  }

  async function onMore() {
    more.disabled = true;
    const fresh = await load(list.nextCursor);
    if (!session) return;
    more.disabled = false;
    draw();
    if (fresh && fresh.length) {
      ul.querySelector(`li[data-id="${CSS.escape(fresh[0].id)}"] input`).focus();
    } else if (more.hidden) {
      input.focus();
    }
  }

  const section = h('section', { class: 'card wide' },
    h('h1', { tabindex: '-1', id: 'todos-h' }, t('todosTitle')),
    addForm, listError, status, ul, empty, more);

  if (list.loaded && list.userId === session.user.id) {
    draw();
  } else {
    list.items = [];
    list.nextCursor = null;
    list.loaded = false;
    list.editing = null;
    draw();
    status.textContent = t('loading');
    load(null).then(() => {
      if (!session || !section.isConnected) return;
      status.textContent = '';
      const d = drafts();
      if (d.edit && d.edit.id) {
        const item = list.items.find((x) => x.id === d.edit.id);
        if (item) list.editing = item.id;
        else {
          // The todo is gone or on a later page: keep the text as a new todo.
          input.value = [input.value, d.edit.title].filter(Boolean).join(' ');
          saveDraft({ edit: null, newTodo: input.value });
          say(t('editLost'));
        }
      }
      draw();
      const edit = list.editing && ul.querySelector('li.editing input');
      if (edit) edit.focus();
    });
  }
  return { title: t('todosTitle'), focus: input, el: section };
}

// ---- start ----

langButton.addEventListener('click', () => {
  lang = lang === 'zh' ? 'en' : 'zh';
  safeSet(localStorage, KEYS.lang, lang);
  render(true);
  langButton.focus();
});

window.addEventListener('hashchange', () => render());

async function start() {
  renderChrome();
  try {
    config = await loadConfig();
  } catch (e) {
    console.error(e);
    app.replaceChildren(h('section', { class: 'card' }, h('p', { class: 'error', role: 'alert' }, t('noConfig'))));
    return;
  }
  client = new Client(config);
  if (session && session.token) client.token = session.token;
  else session = null;
  render();
}

start();
