// The password typed at sign-up in this tab, so that the verify page can
// fill it in: the verify step asks for it again (the account is verified
// with the password of whoever holds the code, never with a stranger's
// sign-up). It lives in this module's memory only, never in localStorage
// or sessionStorage, and is gone when the tab reloads or closes; only the
// address it was typed for gets it back, and using it forgets it.

/** @type {{email: string, password: string}} */
const pending = { email: '', password: '' };

/** keepSignupPassword keeps the password just signed up with for email. */
export function keepSignupPassword(email, password) {
  pending.email = email.trim().toLowerCase();
  pending.password = password;
}

/** signupPassword is the password signed up with for email in this tab, or "". */
export function signupPassword(email) {
  return email && email.trim().toLowerCase() === pending.email ? pending.password : '';
}

/** forgetSignupPassword drops the kept password. */
export function forgetSignupPassword() {
  pending.email = '';
  pending.password = '';
}
