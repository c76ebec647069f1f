// Give the browser a turn between steps of start-up work, so that no single task blocks taps and paints for
// long (on a cheap phone one long task is a frozen screen).
export function yieldToMain(): Promise<void> {
  const scheduler = (globalThis as { scheduler?: { yield?: () => Promise<void> } }).scheduler;
  if (typeof scheduler?.yield === 'function') return scheduler.yield();
  return new Promise((resolve) => setTimeout(resolve, 0));
}
