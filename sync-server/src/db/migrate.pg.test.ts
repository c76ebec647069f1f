import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { createSql, parseInt8, UnsafeIntegerError, withDatabase, type Sql } from './sql';
import { migrate, readMigrations, MIGRATIONS_DIR } from './migrate';

const adminUrl = inject('pgAdminUrl');
let admin: Sql;
const name = `fw_migrate_${process.pid}_${Date.now()}`;

beforeAll(async () => {
  admin = createSql(adminUrl, { max: 1 });
  await admin.unsafe(`create database "${name}"`);
});
afterAll(async () => {
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
});

describe('migrations', () => {
  it('migrate once when several servers start together', async () => {
    const pools = Array.from({ length: 4 }, () => createSql(withDatabase(adminUrl, name), { max: 1 }));
    const results = await Promise.all(pools.map((p) => migrate(p)));
    const all = (await readMigrations()).map((m) => m.version);
    expect(results.filter((r) => r.length > 0)).toEqual([all]);
    expect(results.filter((r) => r.length === 0)).toHaveLength(3);
    const [{ n }] = (await pools[0]!`select count(*)::int8 as n from schema_migrations`) as unknown as [{ n: number }];
    expect(n).toBe(all.length);
    await Promise.all(pools.map((p) => p.end()));
  });

  it('refuses to run when a landed migration was edited', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-mig-'));
    for (const f of await fs.readdir(MIGRATIONS_DIR)) await fs.copyFile(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    const first = (await fs.readdir(dir)).sort()[0]!;
    await fs.appendFile(path.join(dir, first), '\n-- edited\n');
    const sql = createSql(withDatabase(adminUrl, name), { max: 1 });
    await expect(migrate(sql, dir)).rejects.toThrow(/was edited after it was applied/);
    await sql.end();
    await fs.rm(dir, { recursive: true });
  });

  it('rolls back a failing migration whole', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-mig-'));
    for (const f of await fs.readdir(MIGRATIONS_DIR)) await fs.copyFile(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    const n = (await readMigrations()).length + 1;
    await fs.writeFile(path.join(dir, `${String(n).padStart(3, '0')}_broken.sql`), 'create table half_done (x int);\nselect 1/0;');
    const sql = createSql(withDatabase(adminUrl, name), { max: 1 });
    await expect(migrate(sql, dir)).rejects.toThrow(/division by zero/);
    const [t] = await sql`select to_regclass('half_done') as t`;
    expect(t!.t).toBeNull();
    await sql.end();
    await fs.rm(dir, { recursive: true });
  });
});

describe('postgres.js configuration', () => {
  it('returns int8 as a number, refuses values beyond 2^53, and camel-cases columns', async () => {
    const sql = createSql(withDatabase(adminUrl, name), { max: 1 });
    const [row] = await sql`select 9007199254740991::int8 as max_safe, 42::int8 as some_count`;
    expect(row).toEqual({ maxSafe: 9007199254740991, someCount: 42 });
    await expect(sql`select 9007199254740993::int8 as too_big`).rejects.toThrow(UnsafeIntegerError);
    expect(() => parseInt8('-9007199254740992')).toThrow(UnsafeIntegerError);
    await sql.end();
  });
});
