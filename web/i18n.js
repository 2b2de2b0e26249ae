// English and Chinese text for the app, and the choice between them: the
// pages' text (from messages.js), the API's errors and waits. This module
// touches no browser API at import time, so Node can test it.

import { MESSAGES } from './messages.js';

export { MESSAGES };
const { en } = MESSAGES;

/** The languages the app speaks, by their BCP 47 tag. */
export const LANGS = ['en', 'zh'];

/**
 * ERROR_MESSAGES is the sentence for each of the API's error codes (the
 * codes of ERROR_CODES in routes.js, and only those), by language. English
 * keeps the API's own style; it shows when the API sent no sentence of its
 * own, and always for "internal".
 */
export const ERROR_MESSAGES = {
  en: {
    invalid_request: 'The request could not be read. Check what you typed and try again.',
    validation_failed: 'A value is not acceptable. Check what you typed and try again.',
    invalid_cursor: 'The list has changed; reload the page to start again from the first page.',
    unsupported_media_type: 'The request was not sent in a format the server accepts.',
    payload_too_large: 'That is too long.',
    method_not_allowed: 'That action is not allowed here.',
    not_found: 'The todo is not there any more; it may have been deleted.',
    unauthorized: 'Your session has expired. Please log in again.',
    invalid_credentials: 'The e-mail address or password is wrong.',
    email_not_verified: 'Verify your e-mail address first: use the code we mailed you.',
    invalid_code: 'The code is wrong or has expired. Sign up again to get a new one.',
    rate_limited: 'Too many attempts. Try again later.',
    conflict: 'The todo is being changed by another request; try again.',
    quota_exceeded: 'Your list is full; delete some todos to add more.',
    idempotency_key_reused: 'This add clashed with an earlier one; add the todo again.',
    unavailable: 'The server is busy; try again in a moment.',
    internal: 'Something went wrong on our side. Try again in a moment.',
  },
  zh: {
    invalid_request: '请求无效，请检查输入后重试。',
    validation_failed: '输入的内容无效，请检查后重试。',
    invalid_cursor: '列表已变化，请刷新页面。',
    unsupported_media_type: '请求格式不受支持。',
    payload_too_large: '内容太长了。',
    method_not_allowed: '此处不允许该操作。',
    not_found: '找不到该待办，它可能已被删除。',
    unauthorized: '登录已过期，请重新登录。',
    invalid_credentials: '邮箱或密码不正确。',
    email_not_verified: '邮箱尚未验证。请打开邮件中的链接，或输入验证码。',
    invalid_code: '验证码不正确或已过期。',
    rate_limited: '操作过于频繁，请稍后再试。',
    conflict: '该待办正被其他操作修改，请重试。',
    quota_exceeded: '待办数量已达上限，请先删除一些再添加。',
    idempotency_key_reused: '请求冲突，请重新添加。',
    unavailable: '服务器繁忙，请稍后再试。',
    internal: '服务器出错了，请稍后重试。',
  },
};

// Chinese for validation_failed, by the field it names.
const zhFieldErrors = {
  email: '请输入有效的邮箱地址。',
  password: '密码需为 12 到 128 个字符。',
  name: '名字太长或含有不允许的字符。',
  title: '待办标题需为 1 到 500 个字符。',
  code: '验证码是邮件里的 6 位数字。',
};

// The server refuses a password on its list of common ones with an English
// sentence that says "common"; Chinese says why in its own words.
const zhCommonPassword = '这个密码太常见，很容易被猜到。请换一个不常见的密码。';

/**
 * zhFieldError is the Chinese sentence for validation_failed on field,
 * picked by the API's English message where one field has several causes;
 * "" for a field it does not know.
 * @param {string|undefined} field
 * @param {string} message the API's sentence
 */
function zhFieldError(field, message) {
  if (field === 'password' && /\bcommon\b/i.test(message)) return zhCommonPassword;
  return (field && Object.hasOwn(zhFieldErrors, field) && zhFieldErrors[field]) || '';
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
 * client's "network" code has its own sentence; a code we do not know
 * shows the API's message. The wait from Retry-After is worked in when the
 * API sent one (see withWait).
 * @param {'en'|'zh'} lang
 * @param {{code: string, message?: string, field?: string, retryAfter?: number}} err
 */
export function errorText(lang, err) {
  const ours = Object.hasOwn(ERROR_MESSAGES.en, err.code) ? (ERROR_MESSAGES[lang] || ERROR_MESSAGES.en)[err.code] : '';
  const theirs = err.message && !MADE_UP.test(err.message) ? err.message : '';
  let text;
  if (err.code === 'network') text = translate(lang, 'network');
  else if (lang === 'zh') text = (err.code === 'validation_failed' && zhFieldError(err.field, theirs)) || ours || theirs;
  else text = err.code === 'internal' ? ours : theirs || ours;
  if (!text) text = translate(lang, 'reason_other');
  if (err.retryAfter > 0) text = withWait(lang, text, err.retryAfter);
  return text;
}
