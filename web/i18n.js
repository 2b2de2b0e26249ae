// The choice between English and Chinese, and the text for a key, an API
// error or a wait, all from the one table in messages.js. This module
// touches no browser API at import time, so Node can test it.

import { CODES } from './limits.js';
import { MESSAGES } from './messages.js';

export { MESSAGES };
const { en } = MESSAGES;

/** The languages the app speaks, by their BCP 47 tag. */
export const LANGS = ['en', 'zh'];

/**
 * fieldText is the sentence for validation_failed on field in lang: the
 * common-password one when the API's English sentence says "common",
 * else the field's own (field_<name>), else "".
 * @param {'en'|'zh'} lang
 * @param {string|undefined} field
 * @param {string} message the API's sentence
 */
function fieldText(lang, field, message) {
  const dict = MESSAGES[lang] || en;
  if (field === 'password' && /\bcommon\b/i.test(message)) return dict.passwordCommon;
  return (field && /^\w+$/.test(field) && dict[`field_${field}`]) || '';
}

/**
 * pickLang returns the language to show: the remembered choice if it is
 * one we speak, else "zh" for any zh* browser language, else "en".
 * @param {string|null|undefined} stored the remembered choice
 * @param {readonly string[]} browser navigator.languages (or [navigator.language])
 * @returns {'en'|'zh'}
 */
export function pickLang(stored, browser) {
  if (stored && LANGS.includes(stored)) return /** @type {'en'|'zh'} */ (stored);
  const first = (browser && browser[0]) || '';
  return first.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

/**
 * translate returns the text for key in lang with {name} placeholders
 * filled from vars; an unknown key returns the key itself.
 * @param {'en'|'zh'} lang
 * @param {string} key
 * @param {Record<string, string|number>} [vars]
 */
export function translate(lang, key, vars = {}) {
  const dict = MESSAGES[lang] || en;
  const text = dict[key] ?? en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
}

/** tagOf is the BCP 47 tag of one of our languages, for Intl and lang attributes. */
export function tagOf(lang) {
  return lang === 'zh' ? 'zh-CN' : 'en';
}

/**
 * plural is the text of key for the number n in lang, by the language's
 * plural rules (Intl.PluralRules, the CLDR categories): the table's
 * key_<category> (key_one, key_other, ...), else key_other, with {n}
 * filled as the language writes numbers ("1,000"). English has "1 item
 * left" and "2 items left"; Chinese has one form, "剩余 2 项".
 * @param {'en'|'zh'} lang
 * @param {string} key
 * @param {number} n
 */
export function plural(lang, key, n) {
  const dict = MESSAGES[lang] || en;
  const category = new Intl.PluralRules(tagOf(lang)).select(n);
  const k = Object.hasOwn(dict, `${key}_${category}`) ? `${key}_${category}` : `${key}_other`;
  return translate(lang, k, { n: new Intl.NumberFormat(tagOf(lang)).format(n) });
}

/** A message the client made up when the API's answer had none (see api.js). */
const MADE_UP = /^HTTP \d{3}$/;

/**
 * waitText is a wait of secs seconds in words, rounded up as the API
 * rounds it: "1 second", "59 seconds", "2 minutes", "3 hours"; in Chinese
 * "1 秒", "2 分钟", "3 小时".
 * @param {'en'|'zh'} lang
 * @param {number} secs at least 1
 */
export function waitText(lang, secs) {
  const s = Math.max(1, Math.ceil(secs));
  let n = s;
  let unit = 'Second';
  if (s >= 3600) [n, unit] = [Math.ceil(s / 3600), 'Hour'];
  else if (s >= 60) [n, unit] = [Math.ceil(s / 60), 'Minute'];
  return translate(lang, n === 1 ? `wait${unit}` : `wait${unit}s`, { n });
}

// A sentence's vague or already worded wait ("try again later", "try again
// in a moment", "Try again in 5 minutes.", "请稍后再试。"), which the wait from
// Retry-After replaces.
const LATER = {
  en: /\b(try again) (?:later|in a moment|in \d+ (?:seconds?|minutes?|hours?))(?=[.!;,]|$)/i,
  zh: /请稍后(?:再试|重试)。$/,
};

// Any other wait already in an English sentence: then none is added.
const HAS_WAIT = /\b\d+ (?:seconds?|minutes?|hours?)\b/i;

/**
 * withWait puts the wait of secs seconds into text: in place of its "later"
 * (see LATER), else as a sentence of its own at the end; English text that
 * already names a wait in numbers is left as it is.
 * @param {'en'|'zh'} lang
 * @param {string} text
 * @param {number} secs
 */
export function withWait(lang, text, secs) {
  const wait = waitText(lang, secs);
  if (lang === 'zh') {
    const again = translate('zh', 'retryAfter', { wait });
    return LATER.zh.test(text) ? text.replace(LATER.zh, again) : text + again;
  }
  if (LATER.en.test(text)) return text.replace(LATER.en, (m, verb) => `${verb} in ${wait}`);
  if (HAS_WAIT.test(text)) return text;
  return `${text} ${translate('en', 'retryAfter', { wait })}`;
}

/**
 * errorText returns what to show for an API error in lang: in Chinese the
 * localised sentence for its code (or field); in English the API's own
 * message, or ours when it sent none or the code is "internal". The
 * client's "network" and "off" codes have their own sentences; a code we do not know
 * shows the API's message. The wait from Retry-After is worked in when the
 * API sent one (see withWait).
 * @param {'en'|'zh'} lang
 * @param {{code: string, message?: string, field?: string, retryAfter?: number}} err
 */
export function errorText(lang, err) {
  const dict = MESSAGES[lang] || en;
  const ours = (/^\w+$/.test(err.code) && dict[`error_${err.code}`]) || '';
  const theirs = err.message && !MADE_UP.test(err.message) ? err.message : '';
  const field = err.code === CODES.VALIDATION_FAILED ? fieldText(lang, err.field, theirs) : '';
  let text;
  if (err.code === 'network') text = translate(lang, 'network');
  else if (err.code === 'off') text = translate(lang, 'featureOff');
  else if (lang === 'zh') text = field || ours || theirs;
  else text = err.code === CODES.INTERNAL ? ours : theirs || field || ours;
  if (!text) text = translate(lang, 'reason_other');
  if (err.retryAfter > 0) text = withWait(lang, text, err.retryAfter);
  return text;
}
