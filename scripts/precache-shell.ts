// Which built files the service worker precaches: the app shell and the screens people use in the field,
// not everything Vite emits. Admin screens (desktop, online) load on demand and are cached when visited.
import type { Plugin } from 'vite';

/**
 * Chunks, by name, that load on demand and are left out of the precache (with whatever only they import).
 * Everything else the entry can reach, statically or by dynamic import, is precached: the sync engine, the
 * validator and the field screens are all needed to open and act with no network.
 */
export const ON_DEMAND_CHUNKS = ['admin-area', 'admin-money-area'] as const;

interface ManifestEntry {
  url: string;
  revision: string | null;
  size: number;
}

/**
 * A Vite plugin that records the shell's files while the bundle is generated, and the Workbox
 * `manifestTransforms` step that keeps only those among the hashed assets (index.html, the manifest and
 * icons are outside assets/ and always kept).
 */
export function shellPrecache(onDemand: readonly string[] = ON_DEMAND_CHUNKS) {
  const keep = new Set<string>();
  const plugin: Plugin = {
    name: 'fieldwork-shell-precache',
    apply: 'build',
    generateBundle(_options, bundle) {
      keep.clear();
      const chunks = Object.values(bundle).flatMap((c) => (c.type === 'chunk' ? [c] : []));
      const byFile = new Map(chunks.map((c) => [c.fileName, c]));
      const add = (fileName: string) => {
        const chunk = byFile.get(fileName);
        if (!chunk || keep.has(fileName)) return;
        keep.add(fileName);
        for (const css of chunk.viteMetadata?.importedCss ?? []) keep.add(css);
        for (const dep of chunk.imports) add(dep);
        for (const dep of chunk.dynamicImports) if (!onDemand.includes(byFile.get(dep)?.name ?? '')) add(dep);
      };
      for (const c of chunks) if (c.isEntry) add(c.fileName);
      const missing = onDemand.filter((n) => !chunks.some((c) => c.name === n));
      if (missing.length) this.warn(`precache: no chunk named ${missing.join(', ')}; was it renamed?`);
    },
  };
  const transform = async (entries: ManifestEntry[]) => ({
    manifest: entries.filter((e) => !e.url.startsWith('assets/') || keep.has(e.url)),
    warnings: [] as string[],
  });
  return { plugin, transform };
}
