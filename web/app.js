// The todofn web app's entry point: hash-routed pages for sign-up,
// verification, log-in, password reset, the account and the todo list
// (see router.js and views/), talking to each function's URL from
// config.json (api.js).
//
// The session lives in localStorage, shared by the tabs (session.js), and
// is kept fresh by keeper.js; the drafts of unsent text live in
// sessionStorage, the list in memory (views/todos.js over state.js), the
// language choice in localStorage (locale.js).

import { Client, loadConfig } from './api.js';
import { h } from './dom.js';
import { initLang, t, toggleLang } from './locale.js';
import { drawFrame, render, started, startRouter } from './router.js';
import { loadSession, useClient } from './session.js';

/** showNoConfig tells the user the app is not set up. */
function showNoConfig() {
  const app = /** @type {HTMLElement} */ (document.getElementById('app'));
  app.replaceChildren(h('section', { class: 'card' }, h('p', { class: 'error', role: 'alert' }, t('noConfig'))));
}

async function start() {
  initLang();
  loadSession();
  drawFrame();
  let failed = false;
  const langButton = /** @type {HTMLButtonElement} */ (document.getElementById('lang'));
  langButton.addEventListener('click', () => {
    toggleLang();
    if (started()) render(true);
    else drawFrame();
    if (failed) showNoConfig();
    langButton.focus();
  });

  let config;
  try {
    config = await loadConfig();
  } catch (e) {
    console.error(e);
    failed = true;
    showNoConfig();
    return;
  }
  const client = new Client(config);
  useClient(client);
  startRouter({ client, config });
}

start();
