// The checks the forms make before anything is sent, as the API makes
// them. Pure functions: Node can test them.

import { PASSWORD_MAX, PASSWORD_MIN, TITLE_MAX } from './constants.js';

/** validEmail is a loose shape check: something@something.tld, no spaces. */
export function validEmail(s) {
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(s);
}

/** validPassword is true for 8 to 128 characters. */
export function validPassword(s) {
  return s.length >= PASSWORD_MIN && s.length <= PASSWORD_MAX;
}

/** validCode is true for exactly 6 digits (spaces already removed). */
export function validCode(s) {
  return /^[0-9]{6}$/.test(s);
}

/** validTitle is true for a trimmed title of 1 to 500 characters. */
export function validTitle(s) {
  return s.length > 0 && s.length <= TITLE_MAX;
}
