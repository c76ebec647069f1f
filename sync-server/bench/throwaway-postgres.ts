// A benchmark's own embedded Postgres in a temp folder, with durable defaults, that is stopped and removed
// however the run ends: normally, on Ctrl-C (the first one asks the work to stop, a second one quits), or
// when the process dies before cleaning up (the exit hook stops the postmaster and removes the folder).
import { rmSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/db/embedded';
import { createLogger } from '../src/log';

export interface ThrowawayPostgres {
  pg: EmbeddedPostgres;
  dir: string;
  /** The postmaster, whose backends' CPU time stats.ts reads from /proc. */
  pid: number | undefined;
  /** Aborted by the first SIGINT or SIGTERM: stop after the current step, then clean up. */
  signal: AbortSignal;
  /** Stops Postgres and removes the folder; close pools first. Safe to call more than once. */
  cleanup(): Promise<void>;
}

export interface ThrowawayOptions {
  /** Settings beyond the durable defaults, such as STATEMENTS_SETTINGS. */
  settings?: Record<string, string | number>;
  /** What the Ctrl-C notice says will be stopped, when the bench stops more than Postgres. */
  stopping?: string;
}

export async function startThrowawayPostgres(prefix: string, say: (line: string) => void, o: ThrowawayOptions = {}): Promise<ThrowawayPostgres> {
  const { settings, stopping = 'Postgres' } = o;
  // The postgres user must be able to enter the folder when we run as root.
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), `${prefix}-`));
  await fs.chmod(dir, 0o755);
  let pg: EmbeddedPostgres | undefined;
  let pid: number | undefined;
  let cleaned: Promise<void> | undefined;
  let done = false;
  const cleanup = () =>
    (cleaned ??= (async () => {
      await pg?.stop().catch(() => {});
      await fs.rm(dir, { recursive: true, force: true });
      done = true;
    })());
  const abort = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.on(signal, () => {
      if (abort.signal.aborted) process.exit(130); // a second Ctrl-C: the exit hook below still cleans up
      say(`\n${signal}: stopping; ${stopping} will be stopped and ${dir} removed`);
      abort.abort(new Error(`interrupted by ${signal}`));
    });
  process.once('exit', () => {
    if (done) return;
    if (pid) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  });
  try {
    pg = await startEmbeddedPostgres({ dataDir: dir, log: createLogger('warn'), ...(settings && { settings }) });
    pid = Number((await fs.readFile(path.join(dir, 'pg', 'postmaster.pid'), 'utf8')).split('\n')[0]) || undefined;
  } catch (e) {
    await cleanup();
    throw e;
  }
  return { pg, dir, pid, signal: abort.signal, cleanup };
}

/** Runs a bench's main; an interrupt (the abort above, or the AbortError it leads to) exits 130 without a stack. */
export function runBench(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    const interrupted = e instanceof Error && (e.name === 'AbortError' || e.message.startsWith('interrupted'));
    if (interrupted) process.stderr.write('bench interrupted; nothing measured\n');
    else process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exit(interrupted ? 130 : 1);
  });
}
