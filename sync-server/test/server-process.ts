// The real server as a child process (sync-server/src/main.ts, as `npm start` runs it) on a fixed loopback
// port, for tests that kill it outright and start it again on the same database.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '../src/db/embedded';

const root = path.resolve(import.meta.dirname, '../..');

export interface ServerProcess {
  readonly url: string;
  /** Starts it (again) and resolves once /healthz answers. */
  start(): Promise<void>;
  /** Sends the signal and resolves once the process has exited. */
  stop(signal: NodeJS.Signals): Promise<void>;
  /** Everything it wrote, across starts. */
  output(): string;
  /**
   * When the process now running was started (taken before it was spawned), or null before the first start: a
   * job locked since then was taken by its runner; one locked before, by a runner killed with its process.
   */
  startedAt(): Date | null;
}

export async function serverProcess(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let out = '';
  let started: Date | null = null;
  return {
    url,
    async start() {
      started = new Date();
      // node with tsx's loader rather than the tsx CLI: the CLI is a wrapper process, and SIGKILL must hit the server itself.
      const c = spawn(process.execPath, ['--import', 'tsx', 'sync-server/src/main.ts'], {
        cwd: root,
        env: { ...process.env, WEB_BUILD: 'skip', PORT: String(port), LOG_LEVEL: 'warn', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = c;
      c.stdout!.on('data', (b: Buffer) => (out += b));
      c.stderr!.on('data', (b: Buffer) => (out += b));
      exited = new Promise((resolve) => c.on('exit', () => resolve()));
      const until = Date.now() + 120_000;
      while (Date.now() < until) {
        if (c.exitCode !== null) throw new Error(`the server exited with ${c.exitCode} while starting:\n${out.slice(-4000)}`);
        const up = await fetch(`${url}/healthz`).then((r) => r.ok, () => false);
        if (up) return;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error(`the server did not become healthy:\n${out.slice(-4000)}`);
    },
    async stop(signal) {
      if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    output: () => out,
    startedAt: () => started,
  };
}
