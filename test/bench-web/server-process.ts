// The real server as `npm start` runs it (sync-server/src/main.ts in a child process): embedded Postgres in
// a folder of ours, migrations, the demo data, the dev SMS inbox, serving a given PWA build on a loopback port.
// A process of its own, so its CPU is not the benchmark's and Lighthouse's work does not stall its event loop.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../../sync-server/src/db/embedded';
import { REPO_ROOT } from '../../sync-server/src/web/ensure-build';

const MAIN = path.join(REPO_ROOT, 'sync-server', 'src', 'main.ts');

export interface ServerProcess {
  /** http://127.0.0.1:PORT: a secure context, so the service worker runs. */
  baseUrl: string;
  pid: number;
  /** Stops the server the way Ctrl-C in a terminal does (it stops its Postgres after draining). */
  stop(): Promise<void>;
  /** Synchronous last resort for an exit hook: kills the server and its Postgres without waiting. */
  killNow(): void;
}

function postmasterPid(dataDir: string): number | undefined {
  try {
    return Number(readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0]) || undefined;
  } catch {
    return undefined;
  }
}

function signal(pid: number | undefined, sig: NodeJS.Signals): void {
  if (!pid) return;
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}

/** `dataDir` must be empty or absent and reachable by the postgres user when running as root. */
export async function startServerProcess(opts: { webDir: string; dataDir: string; timeoutMs?: number }): Promise<ServerProcess> {
  const port = await freePort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'development',
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'warn',
    DATA_DIR: opts.dataDir,
    WEB_DIST_DIR: opts.webDir,
    WEB_BUILD: 'skip',
    SEED_DEMO: 'true',
    SMS_PROVIDER: 'dev',
    // Each of the two browsers signs the operator in once; the default (3 codes per phone per 15 minutes)
    // would leave one spare, and a refused code would read as a broken app.
    CODE_RATE_PER_PHONE: '50',
  };
  // Our own embedded Postgres and a generated secret, whatever the caller's shell has set.
  for (const k of ['DATABASE_URL', 'JWT_SECRET', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM']) delete env[k];

  // detached: a Ctrl-C in the terminal reaches only the benchmark, which then stops the server once, in order
  // (a second signal makes the server exit at once, leaving its Postgres behind).
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', MAIN], { cwd: REPO_ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-8000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  let hasExited = false;
  let ready = false;
  let stopping: Promise<void> | undefined;
  void exited.then((code) => {
    hasExited = true;
    // Said at once: the benchmark's own error (a refused connection) would not tell why.
    if (!stopping && ready) process.stderr.write(`\nthe server exited unexpectedly (code ${code}); its last output:\n${output}\n`);
  });

  const baseUrl = `http://127.0.0.1:${port}`;
  const until = Date.now() + (opts.timeoutMs ?? 180_000);
  for (;;) {
    if (hasExited) throw new Error(`the server exited before it was ready (code ${await exited}):\n${output}`);
    const ok = await fetch(`${baseUrl}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) {
      ready = true;
      break;
    }
    if (Date.now() > until) {
      child.kill('SIGKILL');
      signal(postmasterPid(opts.dataDir), 'SIGQUIT');
      throw new Error(`the server did not answer ${baseUrl}/healthz within ${(opts.timeoutMs ?? 180_000) / 1000} s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }

  return {
    baseUrl,
    pid: child.pid!,
    stop: () =>
      (stopping ??= (async () => {
        if (hasExited) return;
        child.kill('SIGTERM');
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          signal(postmasterPid(opts.dataDir), 'SIGQUIT');
        }, 30_000);
        await exited;
        clearTimeout(timer);
      })()),
    killNow() {
      if (!hasExited) signal(child.pid, 'SIGKILL');
      signal(postmasterPid(opts.dataDir), 'SIGQUIT');
    },
  };
}
