// A query parameter another site sent the user back with (a checkout's ?paid=, payout setup's ?onboarding=):
// what it said on arrival, read once; the query then leaves the address (replacing the history entry), so
// that a reload, a bookmark or a later visit through history never says it again.
import { useEffect, useState } from 'react';
import { useLocation, useSearch } from 'wouter';

export function useQueryOnce(name: string): string | null {
  const search = useSearch();
  const [location, navigate] = useLocation();
  const [value] = useState(() => new URLSearchParams(search).get(name));
  useEffect(() => {
    if (new URLSearchParams(search).has(name)) navigate(location, { replace: true });
  }, [name, search, location, navigate]);
  return value;
}
