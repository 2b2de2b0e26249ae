// The checks the forms make before anything is sent, as the API makes
// them. Pure functions: Node can test them.

import { PASSWORD_MAX, PASSWORD_MIN, TITLE_MAX } from './constants.js';

/** validEmail is a loose shape check: something@something.tld, no spaces. */
export function validEmail(s) {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s);
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
 * passwordProblem is why a password will be refused for its length:
 * "short" (under 12 characters), "long" (over 128), or "" when it is
 * fine. Any characters are allowed; whether it is a common password only
 * the API knows.
 * @param {string} s
 * @returns {''|'short'|'long'}
 */
export function passwordProblem(s) {
  const n = passwordLength(s);
  if (n < PASSWORD_MIN) return 'short';
  if (n > PASSWORD_MAX) return 'long';
  return '';
}

/** validPassword is true for 12 to 128 characters (see passwordProblem). */
export function validPassword(s) {
  return passwordProblem(s) === '';
}

/** validCode is true for exactly 6 digits (spaces already removed). */
export function validCode(s) {
  return /^[0-9]{6}$/.test(s);
}

/** validTitle is true for a trimmed title of 1 to 500 characters. */
export function validTitle(s) {
  return s.length > 0 && s.length <= TITLE_MAX;
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
