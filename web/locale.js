// The language the page speaks now, and the text for it. The choice is
// read from localStorage (or the browser) by initLang at start-up, not at
// import, and remembered by toggleLang.

import { ApiError } from './api.js';
import { errorText, pickLang, plural, translate } from './i18n.js';
import { KEYS, safeGet, safeSet } from './storage.js';

/** @type {'en'|'zh'} */
let lang = 'en';

/** initLang picks the language: the remembered one, else the browser's. */
export function initLang() {
  lang = pickLang(safeGet(localStorage, KEYS.lang), navigator.languages || [navigator.language]);
  return lang;
}

/** currentLang is the language shown now. */
export function currentLang() {
  return lang;
}

/** toggleLang switches between English and Chinese and remembers it. */
export function toggleLang() {
  lang = lang === 'zh' ? 'en' : 'zh';
  safeSet(localStorage, KEYS.lang, lang);
  return lang;
}

/** t is translate in the current language. */
export function t(key, vars) {
  return translate(lang, key, vars);
}

/** tn is plural in the current language: the text of key for the number n. */
export function tn(key, n) {
  return plural(lang, key, n);
}

/**
 * messageFor is the sentence to show for a failure: an ApiError's text in
 * the current language, a string as it is, anything else a generic line.
 * @param {unknown} err
 */
export function messageFor(err) {
  if (err instanceof ApiError) return errorText(lang, err);
  return typeof err === 'string' ? err : t('reason_other');
}
