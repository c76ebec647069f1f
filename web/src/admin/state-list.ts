// The gig and booking lists: which state the URL filters to, and newest first.

/** Newest first by creation time (ISO strings sort as text); ties by id so the order is stable. */
export function newestFirst<T extends { id: string; createdAt: string }>(docs: readonly T[]): T[] {
  return [...docs].sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** The state a list is filtered to, read from the URL; anything else (absent, mistyped, stale link) means all states. */
export function pickState<S extends string>(states: readonly S[], value: string | null | undefined): S | undefined {
  return states.find((s) => s === value);
}
