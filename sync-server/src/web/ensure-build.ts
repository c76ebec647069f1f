// Builds the PWA with Vite before the server listens, when the build is missing or older than its sources,
// so `npm start` on a fresh clone (or after a pull) serves the app as the code is now.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config';
import type { Logger } from '../log';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

/** What the build is made from, relative to the repository root. */
export const BUILD_INPUTS = ['web', 'shared/src', 'public', 'scripts', 'vite.config.ts', 'package-lock.json'];

/** Written into the build folder after a build succeeds; its mtime is when that build started reading
 * its inputs. A dotfile, so the server never serves it; Vite's emptyOutDir removes it with the old build. */
export const BUILD_STAMP = '.build-stamp';

async function newestFile(p: string): Promise<{ file: string; mtimeMs: number } | undefined> {
  const stat = await fs.stat(p).catch(() => undefined);
  if (!stat) return undefined;
  if (stat.isFile()) return { file: p, mtimeMs: stat.mtimeMs };
  if (!stat.isDirectory()) return undefined;
  let newest: { file: string; mtimeMs: number } | undefined;
  for (const entry of await fs.readdir(p)) {
    if (entry.startsWith('.') || entry === 'node_modules') continue;
    const found = await newestFile(path.join(p, entry));
    if (found && (!newest || found.mtimeMs > newest.mtimeMs)) newest = found;
  }
  return newest;
}

const mtime = (p: string) => fs.stat(p).then((s) => s.mtimeMs, () => undefined);

/** Why the build in `outDir` must be made again, or undefined when it is current. */
export async function staleReason(outDir: string, repoRoot = REPO_ROOT): Promise<string | undefined> {
  if ((await mtime(path.join(outDir, 'index.html'))) === undefined) return 'no build yet';
  // A plain `vite build` (npm run build) writes no stamp; its service worker is the last file it writes.
  const builtAt = (await mtime(path.join(outDir, BUILD_STAMP))) ?? (await mtime(path.join(outDir, 'sw.js')));
  if (builtAt === undefined) return 'no build yet';
  for (const input of BUILD_INPUTS) {
    const newest = await newestFile(path.join(repoRoot, input));
    if (newest && newest.mtimeMs > builtAt) return `${path.relative(repoRoot, newest.file)} changed`;
  }
  return undefined;
}

/** Runs the root vite.config.ts build into `outDir` and stamps it. */
export async function buildWeb(outDir: string, repoRoot = REPO_ROOT): Promise<void> {
  const startedAt = new Date();
  // Vite is a development dependency: loaded only when a build is needed, never in production.
  const { build } = await import('vite');
  // Vite takes the bundle's mode from process.env.NODE_ENV when it is set: `development` (the server's
  // default) or `test` (vitest) would ship React's development build. Production for the build, then restored.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: path.join(repoRoot, 'vite.config.ts'),
      // vite.config.ts says root: 'web', which Vite resolves against the working directory; pin it.
      root: path.join(repoRoot, 'web'),
      mode: 'production',
      logLevel: 'warn',
      build: { outDir: path.resolve(outDir), emptyOutDir: true },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  const stamp = path.join(outDir, BUILD_STAMP);
  await fs.writeFile(stamp, `${JSON.stringify({ builtAt: startedAt.toISOString() })}\n`);
  // Sources saved while the build ran are newer than this, so the next start builds again.
  await fs.utimes(stamp, startedAt, startedAt);
}

/** The start path: build when needed (WEB_BUILD=auto outside production), or insist on a build in production. */
export async function ensureWebBuild(config: Config, log: Logger): Promise<void> {
  const outDir = path.resolve(config.WEB_DIST_DIR);
  if (config.WEB_BUILD === 'skip') {
    log.info({ dir: outDir }, 'web build skipped (WEB_BUILD=skip): serving whatever is there');
    return;
  }
  if (config.NODE_ENV === 'production') {
    const index = await fs.stat(path.join(outDir, 'index.html')).catch(() => undefined);
    if (!index) throw new Error(`No web app build in WEB_DIST_DIR (${outDir}). Run \`npm run build\` before starting in production.`);
    return;
  }
  const reason = await staleReason(outDir);
  if (!reason) {
    log.info({ dir: outDir }, 'web app build is up to date');
    return;
  }
  log.info({ reason, dir: outDir }, 'building the web app');
  const started = performance.now();
  try {
    await buildWeb(outDir);
  } catch (e) {
    // A bundler error is pages of coloured, nested text; its first lines name the file and the problem.
    throw new Error(`The web app failed to build: ${summarize(e)}\nFix it, or start the API alone with WEB_BUILD=skip.`);
  }
  log.info({ ms: Math.round(performance.now() - started), dir: outDir }, 'web app built');
}

/** The first lines of an error message without terminal colours. */
function summarize(e: unknown): string {
  const text = (e instanceof Error ? e.message : String(e)).replace(/\u001b\[[0-9;]*m/g, '');
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  return lines.slice(0, 12).join('\n') + (lines.length > 12 ? '\n…' : '');
}
