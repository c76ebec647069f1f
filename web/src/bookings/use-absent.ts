// Telling "still loading" from "not on this device": local views answer undefined for both.
import { useEffect, useState } from 'react';

/**
 * True once `value` has stayed undefined for `ms`. A local query answers in milliseconds, so a document
 * still missing after that is not here (not synced yet, or not visible to this user).
 */
export function useAbsent(value: unknown, ms = 1500): boolean {
  const missing = value === undefined;
  const [absent, setAbsent] = useState(false);
  useEffect(() => {
    if (!missing) {
      setAbsent(false);
      return;
    }
    const timer = setTimeout(() => setAbsent(true), ms);
    return () => clearTimeout(timer);
  }, [missing, ms]);
  return missing && absent;
}
