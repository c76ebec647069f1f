// pgbench for the baseline: find it (installing the Debian package as root if missing), initialise, run TPC-B.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { cpuBetween, describeCpu, msPer, readCpu, round, type CpuReading, type CpuShare } from './stats';

/** The baseline the benches run beside their own phases: `pgbench -i -s 10`, then TPC-B on two client threads. */
export const PGBENCH_SCALE = 10;
export const PGBENCH_THREADS = 2;
/**
 * How much of a core "everything else" may take during TPC-B before the figures are suspect: pgbench's own
 * client accounts for about 25% of a core, which our phases (15% allowed) do not have.
 */
export const TPCB_OTHER_CPU_ALLOWANCE_PCT = 45;

/**
 * Debian keeps the real binary in /usr/lib/postgresql/NN/bin; /usr/bin/pgbench is postgresql-common's
 * wrapper, which wants a configured cluster, so the versioned path is preferred. Newest version first.
 */
function versionedBinaries(): string[] {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => `${root}/${v}/bin/pgbench`)
    .filter((p) => existsSync(p));
}

function versionOf(bin: string): string | undefined {
  try {
    return execFileSync(bin, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

function find(): { bin: string; version: string } | undefined {
  for (const bin of [process.env.PGBENCH, ...versionedBinaries(), 'pgbench']) {
    if (!bin) continue;
    const version = versionOf(bin);
    if (version) return { bin, version };
  }
  return undefined;
}

/** The newest `postgresql-NN` server package apt knows; on Debian that package is the one shipping pgbench. */
function serverPackage(): string | undefined {
  const out = execFileSync('apt-cache', ['search', '--names-only', '^postgresql-[0-9]+$'], { encoding: 'utf8' });
  return out
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => /^postgresql-\d+$/.test(n))
    .sort((a, b) => Number(b.split('-')[1]) - Number(a.split('-')[1]))[0];
}

export interface Pgbench {
  bin: string;
  version: string;
  /** The package apt installed in this run, if any. */
  installed?: string;
}

/** Finds pgbench (and says which), or installs it with apt-get when running as root; throws with the reason otherwise. */
export function ensurePgbench(say: (line: string) => void): Pgbench {
  const p = findOrInstall(say);
  say(`pgbench: ${p.version} at ${p.bin}${p.installed ? ` (installed ${p.installed} just now)` : ''}`);
  return p;
}

function findOrInstall(say: (line: string) => void): Pgbench {
  const found = find();
  if (found) return found;
  if (process.getuid?.() !== 0)
    throw new Error('pgbench is not installed and this is not root, so it cannot be installed here. Install postgresql-NN (Debian) or set PGBENCH=/path/to/pgbench.');
  if (!existsSync('/usr/bin/apt-get')) throw new Error('pgbench is not installed and there is no apt-get to install it with. Set PGBENCH=/path/to/pgbench.');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  say('pgbench not found; running apt-get update');
  execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'inherit'], env });
  const pkg = serverPackage();
  if (!pkg) throw new Error('apt knows no postgresql-NN package, which is where Debian ships pgbench.');
  say(`installing ${pkg} (Debian ships pgbench in the server package, at /usr/lib/postgresql/NN/bin/pgbench)`);
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', pkg], { stdio: ['ignore', 'ignore', 'inherit'], env });
  const after = find();
  if (!after) throw new Error(`installed ${pkg}, but still no working pgbench in /usr/lib/postgresql/*/bin`);
  return { ...after, installed: pkg };
}

export interface Target {
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

export function targetOf(url: string): Target {
  const u = new URL(url);
  // The same transport as the app: a Unix socket directory when the URL names one (libpq's ?host=/dir).
  return { host: u.searchParams.get('host') ?? u.hostname, port: Number(u.port), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: u.pathname.slice(1) };
}

/** Runs pgbench, echoing its lines with a prefix as they come, and returns everything it printed. */
/** Aborting `signal` kills pgbench (SIGTERM) and rejects. */
function runPgbench(bin: string, t: Target, args: string[], say: (line: string) => void, signal?: AbortSignal): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(bin, ['-h', t.host, '-p', String(t.port), '-U', t.user, ...args, t.database], {
      env: { ...process.env, PGPASSWORD: t.password },
      stdio: ['ignore', 'pipe', 'pipe'],
      ...(signal && { signal }),
    });
    let out = '';
    let partial = '';
    const onData = (c: Buffer) => {
      const text = partial + c.toString('utf8');
      out += c.toString('utf8');
      const lines = text.split('\n');
      partial = lines.pop()!;
      for (const line of lines.filter(Boolean)) say(`  pgbench | ${line}`);
    };
    p.stdout.on('data', onData);
    p.stderr.on('data', onData);
    p.on('error', reject);
    p.on('exit', (code) => {
      if (partial) say(`  pgbench | ${partial}`);
      if (code === 0) resolve(out);
      else reject(new Error(`pgbench ${args.join(' ')} exited with code ${code}:\n${out.slice(-2000)}`));
    });
  });
}

export async function initPgbench(bin: string, t: Target, scale: number, say: (line: string) => void, signal?: AbortSignal): Promise<void> {
  await runPgbench(bin, t, ['-i', '-s', String(scale), '-q'], say, signal);
}

export interface PgbenchResult {
  tps: number;
  latencyAvgMs: number | undefined;
  transactions: number | undefined;
}

export interface PgbenchRun {
  clients: number;
  threads: number;
  seconds: number;
  /** A custom script instead of TPC-B, run as prepared statements with no vacuum first; one run of it is one "transaction". */
  script?: string;
}

export async function runTpcb(bin: string, t: Target, o: PgbenchRun, say: (line: string) => void, signal?: AbortSignal): Promise<PgbenchResult> {
  const script = o.script ? ['-n', '-M', 'prepared', '-f', o.script] : [];
  const out = await runPgbench(bin, t, ['-c', String(o.clients), '-j', String(o.threads), '-T', String(o.seconds), '-P', '5', ...script], say, signal);
  // "tps = 1234.567890 (without initial connection time)"; older versions print two tps lines, take that one.
  const tps = /tps = ([\d.]+) \(without initial connection/.exec(out) ?? /tps = ([\d.]+)/.exec(out);
  if (!tps) throw new Error(`could not find tps in pgbench output:\n${out.slice(-2000)}`);
  const lat = /latency average = ([\d.]+) ms/.exec(out);
  const txs = /number of transactions actually processed: (\d+)/.exec(out);
  return { tps: Number(tps[1]), latencyAvgMs: lat ? Number(lat[1]) : undefined, transactions: txs ? Number(txs[1]) : undefined };
}

/**
 * Several pgbench runs as one: transactions added up over the time they took (connection time excluded);
 * a run that did not say how many it made is taken at its rate for `runSeconds`.
 */
export function combinedRuns(runs: readonly PgbenchResult[], runSeconds: number): PgbenchResult {
  const txs = runs.map((r) => r.transactions ?? Math.round(r.tps * runSeconds));
  const total = txs.reduce((a, b) => a + b, 0);
  const seconds = runs.reduce((s, r, i) => s + txs[i]! / r.tps, 0);
  const latency = runs.every((r) => r.latencyAvgMs !== undefined) ? round(runs.reduce((s, r, i) => s + r.latencyAvgMs! * txs[i]!, 0) / total, 3) : undefined;
  return { tps: total / seconds, latencyAvgMs: latency, transactions: total };
}

export interface MeasuredTpcb {
  result: PgbenchResult;
  /** Undefined when the run is too short (under 3 s) to sample inside it. */
  cpu: CpuShare | undefined;
  /** The two readings the share is from, for adding runs together (cpuOver). */
  readings: [CpuReading, CpuReading] | undefined;
}

/** runTpcb (or a custom script) with the CPU share of Node, Postgres and everything else over the run, printed and returned. */
export async function measuredTpcb(
  bin: string,
  t: Target,
  o: PgbenchRun & { postgresPid: number | undefined },
  say: (line: string) => void,
  signal?: AbortSignal,
): Promise<MeasuredTpcb> {
  // pgbench's backends exit with it, taking their CPU time along: sample while they are alive, after
  // they have connected and before the end.
  const samples: ReturnType<typeof readCpu>[] = [];
  const sampling = (o.seconds >= 3 ? [1_500, o.seconds * 1000 - 500] : []).map((ms) => setTimeout(() => samples.push(readCpu(o.postgresPid)), ms));
  let result: PgbenchResult;
  try {
    result = await runTpcb(bin, t, o, say, signal);
  } finally {
    sampling.forEach(clearTimeout);
  }
  if (samples.length < 2) return { result, cpu: undefined, readings: undefined };
  const cpu = cpuBetween(samples[0]!, samples[1]!);
  say(`  cpu: ${describeCpu(cpu)} (node idles here; everything else includes pgbench's client)`);
  say(`       ≈ ${msPer(cpu.postgresPct, result.tps)} ms of postgres CPU per ${o.script ? 'run of the script' : 'transaction'}`);
  return { result, cpu, readings: [samples[0]!, samples[1]!] };
}
