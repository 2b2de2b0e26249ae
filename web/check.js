// The checks the forms make before anything is sent, as the API makes
// them. Pure functions: Node can test them.

import { EMAIL_MAX, NAME_MAX, PASSWORD_MAX, PASSWORD_MIN, TITLE_MAX } from './limits.js';

/**
 * validEmail is a loose shape check: something@something.tld, no spaces,
 * at most EMAIL_MAX bytes of UTF-8 (the API counts bytes, as RFC 5321 does).
 */
export function validEmail(s) {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s) && new TextEncoder().encode(s).length <= EMAIL_MAX;
}

/**
 * passwordLength counts a password's characters as the API does: code
 * points (an emoji is one) after NFKC normalisation.
 * @param {string} s
 */
export function passwordLength(s) {
  return [...s.normalize('NFKC')].length;
}

/**
 * passwordProblem is the message key (messages.js) for why a password will
 * be refused for its length: "passwordShort" (under PASSWORD_MIN
 * characters), "passwordLong" (over PASSWORD_MAX), or "" when it is fine.
 * Any characters are allowed; whether it is a common password only the API
 * knows (its answer shows as passwordCommon, see i18n.js).
 * @param {string} s
 * @returns {''|'passwordShort'|'passwordLong'}
 */
export function passwordProblem(s) {
  const n = passwordLength(s);
  if (n < PASSWORD_MIN) return 'passwordShort';
  if (n > PASSWORD_MAX) return 'passwordLong';
  return '';
}

/** validPassword is true for PASSWORD_MIN to PASSWORD_MAX characters (see passwordProblem). */
export function validPassword(s) {
  return passwordProblem(s) === '';
}

/**
 * textLength counts characters as Go's utf8.RuneCountInString does: code
 * points, so an emoji is one (a UTF-16 surrogate pair, two to String's
 * length). A lone surrogate counts one; Go sees it as U+FFFD, also one.
 * @param {string} s
 */
export function textLength(s) {
  return [...s].length;
}

/** validCode is true for exactly 6 digits (spaces already removed). */
export function validCode(s) {
  return /^[0-9]{6}$/.test(s);
}

/**
 * validTitle is true for a trimmed title of 1 to TITLE_MAX characters,
 * counted as the API counts them (textLength). No maxlength attribute can
 * make this check: the browser counts UTF-16 units there.
 */
export function validTitle(s) {
  const n = textLength(s);
  return n > 0 && n <= TITLE_MAX;
}

/** validName is true for a trimmed name of at most NAME_MAX characters (textLength). */
export function validName(s) {
  return textLength(s) <= NAME_MAX;
}

/**
 * verifyLink reads the mailed link's page, #/verify?email=<addr>&code=<6
 * digits>: the address (trimmed) and the code (spaces removed) to fill in,
 * and whether both are there and well formed, so that one click on Verify
 * is all that is left to do.
 * @param {URLSearchParams} params the hash's parameters
 * @returns {{email: string, code: string, complete: boolean}}
 */
export function verifyLink(params) {
  const email = (params.get('email') || '').trim();
  const code = (params.get('code') || '').replace(/\s+/g, '');
  return { email, code, complete: validEmail(email) && validCode(code) };
}
