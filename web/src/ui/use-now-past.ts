// Words that depend on whether a moment has passed ("answer until 5:40 PM" becomes "the time to answer ended at
// 5:40 PM") must change as it passes, though nothing else on the page does.
import { useEffect, useState } from 'react';

/** setTimeout's longest wait; a later moment is waited for in steps of it. */
const LONGEST_WAIT_MS = 2 ** 31 - 1;

/**
 * The time now, for this render, and another render as the soonest of `moments` (ISO times; absent ones are
 * skipped) still ahead passes.
 */
export function useNowPast(moments: readonly (string | null | undefined)[]): number {
  const [renders, rerender] = useState(0);
  const now = Date.now();
  const ahead = moments.map((m) => (m ? Date.parse(m) : NaN)).filter((t) => t > now);
  const next = ahead.length > 0 ? Math.min(...ahead) : null;
  useEffect(() => {
    if (next === null) return;
    const id = setTimeout(() => rerender((n) => n + 1), Math.min(Math.max(next - Date.now(), 0) + 1, LONGEST_WAIT_MS));
    return () => clearTimeout(id);
    // Each render waits anew: a timer that fired early (a clock that moved back) leaves the moment ahead.
  }, [next, renders]);
  return now;
}
