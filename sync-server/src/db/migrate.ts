// Numbered, forward-only SQL migrations, applied in one transaction under an advisory lock so that
// several servers starting together migrate once. A landed migration must never be edited: we check.
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Sql } from './sql';

export const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../migrations');

export interface Migration {
  version: number;
  name: string;
  sql: string;
  checksum: string;
}

export async function readMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const out: Migration[] = [];
  for (const file of files) {
    const m = /^(\d{3,})_([a-z0-9_]+)\.sql$/.exec(file);
    if (!m) throw new Error(`Migration file ${file} must be named NNN_name.sql`);
    const sql = await fs.readFile(path.join(dir, file), 'utf8');
    out.push({ version: Number(m[1]), name: m[2]!, sql, checksum: createHash('sha256').update(sql).digest('hex') });
  }
  out.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`Migrations must be numbered 1..n without gaps; found ${m.version} at position ${i + 1}`);
  });
  return out;
}

/** Returns the versions this call applied (empty when another process got there first). */
export async function migrate(sql: Sql, dir = MIGRATIONS_DIR): Promise<number[]> {
  const migrations = await readMigrations(dir);
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(hashtext('fieldwork:migrate'))`;
    await tx`
      create table if not exists schema_migrations (
        version int primary key,
        name text not null,
        checksum text not null,
        applied_at timestamptz not null default now()
      )`;
    const applied = new Map((await tx<{ version: number; checksum: string }[]>`select version, checksum from schema_migrations`).map((r) => [r.version, r.checksum]));
    const done: number[] = [];
    for (const m of migrations) {
      const seen = applied.get(m.version);
      if (seen !== undefined) {
        if (seen !== m.checksum) throw new Error(`Migration ${m.version}_${m.name} was edited after it was applied; add a new migration instead`);
        continue;
      }
      await tx.unsafe(m.sql);
      await tx`insert into schema_migrations ${tx({ version: m.version, name: m.name, checksum: m.checksum })}`;
      done.push(m.version);
    }
    return done;
  });
}
