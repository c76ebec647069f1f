// The service worker precaches the shell and the field screens with everything they import, and nothing else.
import { describe, expect, it } from 'vitest';
import { shellPrecache } from '../scripts/precache-shell';

type Chunk = { type: 'chunk'; fileName: string; name: string; isEntry: boolean; imports: string[]; dynamicImports: string[]; viteMetadata: { importedCss: Set<string> } };
const chunk = (fileName: string, name: string, imports: string[] = [], css: string[] = [], isEntry = false, dynamicImports: string[] = []): Chunk => ({
  type: 'chunk', fileName, name, isEntry, imports, dynamicImports, viteMetadata: { importedCss: new Set(css) },
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
    chunk('assets/index-a.js', 'index', ['assets/vendor-b.js'], ['assets/index-a.css'], true, ['assets/signed-in-app-c.js']),
    chunk('assets/vendor-b.js', 'vendor'),
    chunk('assets/signed-in-app-c.js', 'signed-in-app', ['assets/shared-d.js'], [], false, ['assets/admin-area-e.js', 'assets/validator-g.js']),
    chunk('assets/validator-g.js', 'validator'),
    chunk('assets/shared-d.js', 'shared'),
    chunk('assets/admin-area-e.js', 'admin-area', ['assets/admin-only-f.js'], ['assets/admin-area-e.css']),
    chunk('assets/admin-only-f.js', 'admin-only'),
  ];
  const entry = (url: string) => ({ url, revision: null, size: 1 });

  it('keeps what the entry reaches, statically or dynamically, with CSS; drops on-demand chunks and what only they import', async () => {
    const { transform, warnings } = run(['admin-area'], bundle);
    const all = [...bundle.map((c) => c.fileName), 'assets/index-a.css', 'assets/admin-area-e.css', 'index.html', 'icons/icon-192.png'];
    const { manifest } = await transform(all.map(entry));
    expect(manifest.map((e) => e.url).sort()).toEqual(
      ['assets/index-a.css', 'assets/index-a.js', 'assets/shared-d.js', 'assets/signed-in-app-c.js', 'assets/validator-g.js', 'assets/vendor-b.js', 'icons/icon-192.png', 'index.html'].sort(),
    );
    expect(warnings).toEqual([]);
  });

  it('warns when an on-demand chunk no longer exists (a rename would silently precache it)', () => {
    expect(run(['admin-area', 'gone'], bundle).warnings).toEqual(['precache: no chunk named gone; was it renamed?']);
  });
});
