// Starts sync-instance-main.ts in a child process and talks to it over IPC: its port, its memory, close.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { FromInstance, InstanceMemory, ToInstance } from './sync-instance-main';

export interface Instance {
  name: string;
  pid: number;
  port: number;
  http: string;
  ws: string;
  memory(): Promise<InstanceMemory>;
  close(): Promise<void>;
}

const MAIN = fileURLToPath(new URL('./sync-instance-main.ts', import.meta.url));
/** Children still running: killed on the way out, whatever the way. */
const running = new Set<ChildProcess>();

export function killInstances(): void {
  for (const child of running) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  running.clear();
}

export async function startInstance(name: string, databaseUrl: string): Promise<Instance> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', MAIN], {
    env: { ...process.env, FW_BENCH_DATABASE_URL: databaseUrl, FW_BENCH_INSTANCE: name },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  running.add(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => running.delete(child));
  const waiting = new Map<number, (m: InstanceMemory) => void>();
  let ids = 0;

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`instance ${name} did not start within 60 s`)), 60_000);
    child.on('message', (m: FromInstance) => {
      if (m.type === 'ready') {
        clearTimeout(timer);
        resolve(m.port);
      } else if (m.type === 'error') {
        clearTimeout(timer);
        reject(new Error(`instance ${name} failed: ${m.message}`));
      } else if (m.type === 'memory') {
        waiting.get(m.id)?.(m.memory);
        waiting.delete(m.id);
      }
    });
    child.once('exit', (code) => reject(new Error(`instance ${name} exited (code ${code}) before it was ready`)));
  });

  const tell = (m: ToInstance) => child.connected && child.send(m);
  return {
    name,
    pid: child.pid!,
    port,
    http: `http://127.0.0.1:${port}/graphql`,
    ws: `ws://127.0.0.1:${port}/graphql`,
    memory: () =>
      new Promise<InstanceMemory>((resolve, reject) => {
        const id = ++ids;
        const timer = setTimeout(() => reject(new Error(`instance ${name} did not report its memory`)), 15_000);
        waiting.set(id, (m) => {
          clearTimeout(timer);
          resolve(m);
        });
        tell({ type: 'memory', id });
      }),
    async close() {
      tell({ type: 'close' });
      const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(killer);
    },
  };
}
