// What a screen costs to download: a Vite build's chunks for a set of entry points (their static imports,
// transitively, and their CSS), gzipped at level 9 here and as the server actually sends them.
import fs from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { gzipSync } from 'node:zlib';

/** One chunk of `.vite/manifest.json` (build.manifest in vite.config.ts). */
interface ManifestChunk {
  file: string;
  src?: string;
  name?: string;
  isEntry?: boolean;
  isDynamicEntry?: boolean;
  imports?: string[];
  dynamicImports?: string[];
  css?: string[];
}

export type Manifest = Record<string, ManifestChunk>;

export interface CountedFile {
  /** Path inside the build folder, e.g. assets/index-BoF1Lary.js. */
  file: string;
  kind: 'js' | 'css';
  bytes: number;
  gzipBytes: number;
}

export interface ScreenBytes {
  files: CountedFile[];
  jsGzip: number;
  cssGzip: number;
  jsRaw: number;
  cssRaw: number;
}

export async function readManifest(outDir: string): Promise<Manifest> {
  const file = path.join(outDir, '.vite', 'manifest.json');
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Manifest;
  } catch (e) {
    throw new Error(`No Vite manifest at ${file} (vite.config.ts must keep build.manifest on): ${(e as Error).message}`);
  }
}

/** The manifest key of the HTML entry (index.html). */
export function entryKey(manifest: Manifest): string {
  const entries = Object.entries(manifest).filter(([, c]) => c.isEntry);
  const html = entries.find(([key]) => key.endsWith('.html')) ?? entries[0];
  if (!html) throw new Error('the Vite manifest names no entry chunk');
  return html[0];
}

/** The manifest key of the chunk built from a source file (e.g. src/operator/operator-area.tsx). */
export function keyForSource(manifest: Manifest, source: string): string {
  const found = Object.entries(manifest).find(([key, c]) => key === source || c.src === source);
  if (!found) throw new Error(`the Vite manifest has no chunk for ${source}: was it renamed, or is it no longer a lazy chunk?`);
  return found[0];
}

/** The keys, followed through their static imports: what the browser must fetch before those chunks run. */
export function staticClosure(manifest: Manifest, keys: readonly string[]): string[] {
  const seen = new Set<string>();
  const visit = (key: string) => {
    if (seen.has(key)) return;
    const chunk = manifest[key];
    if (!chunk) throw new Error(`the Vite manifest refers to a chunk it does not list: ${key}`);
    seen.add(key);
    for (const imported of chunk.imports ?? []) visit(imported);
  };
  keys.forEach(visit);
  return [...seen];
}

/** Dynamic imports reachable from these chunks that they do not load up front (loaded later, on demand). */
export function lazyFrom(manifest: Manifest, keys: readonly string[]): string[] {
  const closure = new Set(staticClosure(manifest, keys));
  const lazy = new Set<string>();
  for (const key of closure) for (const d of manifest[key]!.dynamicImports ?? []) if (!closure.has(d)) lazy.add(d);
  return [...lazy];
}

const gzipCache = new Map<string, CountedFile>();

async function countFile(outDir: string, file: string): Promise<CountedFile> {
  const cached = gzipCache.get(file);
  if (cached) return cached;
  const body = await fs.readFile(path.join(outDir, file));
  const counted: CountedFile = { file, kind: file.endsWith('.css') ? 'css' : 'js', bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
  gzipCache.set(file, counted);
  return counted;
}

/** The JavaScript and CSS files of these chunks and their static imports, each counted once. */
export async function screenBytes(outDir: string, manifest: Manifest, keys: readonly string[]): Promise<ScreenBytes> {
  const names = new Set<string>();
  for (const key of staticClosure(manifest, keys)) {
    const chunk = manifest[key]!;
    if (/\.m?js$/.test(chunk.file)) names.add(chunk.file);
    for (const css of chunk.css ?? []) names.add(css);
  }
  const files = await Promise.all([...names].map((f) => countFile(outDir, f)));
  const sum = (kind: 'js' | 'css', field: 'bytes' | 'gzipBytes') => files.filter((f) => f.kind === kind).reduce((n, f) => n + f[field], 0);
  return { files, jsGzip: sum('js', 'gzipBytes'), cssGzip: sum('css', 'gzipBytes'), jsRaw: sum('js', 'bytes'), cssRaw: sum('css', 'bytes') };
}

/** A file's gzip -9 size, for files outside the manifest (index.html). */
export async function gzipSizeOf(outDir: string, file: string): Promise<{ bytes: number; gzipBytes: number }> {
  const { bytes, gzipBytes } = await countFile(outDir, file);
  return { bytes, gzipBytes };
}

/**
 * The body bytes the server puts on the wire for a path when the client accepts what Chromium accepts
 * (hono/compress answers gzip for compressible types over its threshold), and the encoding it chose.
 */
export function servedBytes(baseUrl: string, urlPath: string): Promise<{ bytes: number; encoding: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(new URL(urlPath, baseUrl), { headers: { 'accept-encoding': 'gzip, deflate, br, zstd' } }, (res) => {
      let bytes = 0;
      res.on('data', (chunk: Buffer) => (bytes += chunk.length));
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${urlPath} answered ${res.statusCode}`));
        else resolve({ bytes, encoding: String(res.headers['content-encoding'] ?? 'identity') });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}
