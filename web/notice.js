// A status line that clears itself: what a page says after an action
// ("Added “Buy milk”.") stays for STATUS_MS, then goes, so it never
// describes a page that has moved on. The element is the page's
// role="status" line, which screen readers read when its text changes.
// The timers are injectable, so Node tests it with a fake clock; nothing
// here runs at import time.

/** STATUS_MS is how long a status message stays, in milliseconds. */
export const STATUS_MS = 5000;

/**
 * Notice shows one message at a time on an element.
 * @typedef {{say: (text: string) => void, clear: () => void}} Notice
 */

/**
 * notice returns the Notice of el: say shows text (replacing the one
 * shown, whose clock stops) and clears it ms later; say('') and clear
 * clear it at once.
 * @param {{textContent: string|null}} el
 * @param {{ms?: number, setTimer?: typeof setTimeout, clearTimer?: typeof clearTimeout}} [opts]
 * @returns {Notice}
 */
export function notice(el, { ms = STATUS_MS, setTimer = setTimeout, clearTimer = clearTimeout } = {}) {
  /** @type {ReturnType<typeof setTimeout>|0} */
  let timer = 0;
  const clear = () => {
    if (timer) clearTimer(timer);
    timer = 0;
    el.textContent = '';
  };
  const say = (text) => {
    clear();
    el.textContent = text;
    if (text) timer = setTimer(() => { timer = 0; el.textContent = ''; }, ms);
  };
  return { say, clear };
}
