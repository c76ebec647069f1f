// @vitest-environment happy-dom
// A screen that throws is replaced by a notice with Reload, in the person's language; what sits around it stays,
// and another location tries the screen again.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import type { Locale } from '@shared/locales';
import { I18nProvider } from '../i18n/i18n';
import { ErrorBoundary } from './error-boundary';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

function Broken(): never {
  throw new Error('Failed to fetch dynamically imported module: /assets/admin-area.js');
}

function renderAt(resetKey: string, child: React.ReactNode, locale: Locale = 'en') {
  return (
    <I18nProvider initial={locale}>
      <button type="button">Sign out</button>
      <ErrorBoundary resetKey={resetKey}>{child}</ErrorBoundary>
    </I18nProvider>
  );
}

describe('ErrorBoundary', () => {
  it('replaces a failed screen with a notice and Reload, and leaves what is around it', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    render(renderAt('/a', <Broken />));
    const notice = screen.getByRole('alert');
    expect(notice.textContent).toContain('This screen could not be shown.');
    expect(screen.getByRole('button', { name: 'Reload' })).toBeTruthy();
    expect(screen.getByRole('button', { name: 'Sign out' })).toBeTruthy();
    // What failed is logged for whoever looks at the device.
    expect(console.error).toHaveBeenCalledWith('a screen failed', expect.objectContaining({ message: expect.stringContaining('admin-area') }), expect.anything());
  });

  it('says so in Spanish', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    render(renderAt('/a', <Broken />, 'es'));
    expect(screen.getByRole('alert').textContent).toContain('Esta pantalla no se pudo mostrar.');
    expect(screen.getByRole('button', { name: 'Volver a cargar' })).toBeTruthy();
  });

  it('Reload reloads the page', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const reload = vi.fn();
    vi.spyOn(window, 'location', 'get').mockReturnValue({ ...window.location, reload } as Location);
    render(renderAt('/a', <Broken />));
    fireEvent.click(screen.getByRole('button', { name: 'Reload' }));
    expect(reload).toHaveBeenCalledTimes(1);
  });

  it('tries again at another location, and shows children that work without a notice', () => {
    vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { rerender } = render(renderAt('/a', <Broken />));
    expect(screen.queryByRole('alert')).toBeTruthy();
    rerender(renderAt('/a', <p>Still broken here</p>));
    // Same location: the notice stays until the person goes elsewhere or reloads.
    expect(screen.queryByText('Still broken here')).toBeNull();
    rerender(renderAt('/c', <p>My gigs</p>));
    expect(screen.getByText('My gigs')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
  });
});
