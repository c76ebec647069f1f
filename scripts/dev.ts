// `npm run dev`: the sync server and the Vite dev server side by side. Vite serves the app with live reload
// and proxies the API (websockets on /graphql included) to the server; Ctrl-C stops both, cleanly.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const env = { ...process.env, WEB_BUILD: process.env.WEB_BUILD ?? 'skip' }; // Vite serves the app; no build needed
const children: ChildProcess[] = [];
let stopping = false;

function run(name: string, args: string[]): ChildProcess {
  // Each child in its own process group (detached): a terminal's Ctrl-C then reaches only this script, which
  // passes it on once. Had both received it twice, the server would take the second as "exit now".
  // No stdin: a detached child reading the terminal would be stopped by SIGTTIN.
  const child = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'inherit', 'inherit'], detached: true });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`[dev] ${name} exited (${signal ?? code}); stopping the other`);
      stop('SIGTERM', code ?? 1);
    } else if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(process.exitCode ?? 0);
  });
  children.push(child);
  return child;
}

function stop(signal: NodeJS.Signals, exitCode = 0) {
  if (stopping) return;
  stopping = true;
  process.exitCode = exitCode;
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill(signal);
  if (children.every((c) => c.exitCode !== null || c.signalCode !== null)) process.exit(exitCode);
  // A child that ignores the signal does not keep the terminal hostage.
  setTimeout(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    process.exit(exitCode || 1);
  }, 15_000).unref();
}

process.on('SIGINT', () => stop('SIGINT'));
process.on('SIGTERM', () => stop('SIGTERM'));

run('sync server', ['--import', 'tsx', 'sync-server/src/main.ts']);
run('vite', [path.join(root, 'node_modules/vite/bin/vite.js'), ...process.argv.slice(2)]); // npm run dev -- --port 5174
console.log(`[dev] open the app at the Vite address below (http://localhost:5173 by default); the API listens on port ${process.env.PORT ?? 8787}`);
