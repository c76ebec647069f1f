// The service worker precaches the shell and the field screens with everything they import, and nothing else.
import { describe, expect, it } from 'vitest';
import { shellPrecache } from '../scripts/precache-shell';

type Chunk = { type: 'chunk'; fileName: string; name: string; isEntry: boolean; imports: string[]; viteMetadata: { importedCss: Set<string> } };
const chunk = (fileName: string, name: string, imports: string[] = [], css: string[] = [], isEntry = false): Chunk => ({
  type: 'chunk', fileName, name, isEntry, imports, viteMetadata: { importedCss: new Set(css) },
});

function run(names: string[], chunks: Chunk[]) {
  const { plugin, transform } = shellPrecache(names);
  const warnings: string[] = [];
  const hook = plugin.generateBundle as unknown as (this: { warn(m: string): void }, o: unknown, b: Record<string, Chunk>) => void;
  hook.call({ warn: (m) => warnings.push(m) }, {}, Object.fromEntries(chunks.map((c) => [c.fileName, c])));
  return { transform, warnings };
}

describe('shellPrecache', () => {
  const bundle = [
    chunk('assets/index-a.js', 'index', ['assets/vendor-b.js'], ['assets/index-a.css'], true),
    chunk('assets/vendor-b.js', 'vendor'),
    chunk('assets/signed-in-app-c.js', 'signed-in-app', ['assets/shared-d.js']),
    chunk('assets/shared-d.js', 'shared'),
    chunk('assets/admin-area-e.js', 'admin-area', ['assets/admin-only-f.js'], ['assets/admin-area-e.css']),
    chunk('assets/admin-only-f.js', 'admin-only'),
  ];
  const entry = (url: string) => ({ url, revision: null, size: 1 });

  it('keeps the entry and named chunks with their imports and CSS, drops the rest of assets/, keeps files outside assets/', async () => {
    const { transform, warnings } = run(['signed-in-app'], bundle);
    const all = [...bundle.map((c) => c.fileName), 'assets/index-a.css', 'assets/admin-area-e.css', 'index.html', 'icons/icon-192.png'];
    const { manifest } = await transform(all.map(entry));
    expect(manifest.map((e) => e.url).sort()).toEqual(
      ['assets/index-a.css', 'assets/index-a.js', 'assets/shared-d.js', 'assets/signed-in-app-c.js', 'assets/vendor-b.js', 'icons/icon-192.png', 'index.html'].sort(),
    );
    expect(warnings).toEqual([]);
  });

  it('warns when a named chunk no longer exists (a renamed file would silently leave the shell)', () => {
    expect(run(['signed-in-app', 'gone'], bundle).warnings).toEqual(['precache: no chunk named gone; was it renamed?']);
  });
});
