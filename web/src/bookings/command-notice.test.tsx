// @vitest-environment happy-dom
// "Done" notes fade: a booking worked on for an hour does not keep every confirmation since.
import { act, renderHook } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DONE_NOTE_MS, useBriefly } from './command-notice';

afterEach(() => vi.useRealTimers());

describe('useBriefly', () => {
  it('holds while on for a while after it came on, then lets go until another command comes on', () => {
    vi.useFakeTimers();
    const { result, rerender } = renderHook(({ on, key }: { on: boolean; key: string | undefined }) => useBriefly(on, key), { initialProps: { on: false, key: 'c1' } });
    expect(result.current).toBe(false);
    rerender({ on: true, key: 'c1' });
    expect(result.current).toBe(true);
    act(() => vi.advanceTimersByTime(DONE_NOTE_MS - 1));
    expect(result.current).toBe(true);
    act(() => vi.advanceTimersByTime(1));
    expect(result.current).toBe(false);
    // The next step's confirmation shows in full again.
    rerender({ on: true, key: 'c2' });
    expect(result.current).toBe(true);
    rerender({ on: false, key: 'c2' });
    expect(result.current).toBe(false);
  });
});
