// A fresh, migrated database for one test file, cloned from the run's template.
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createSql, withDatabase, type Sql } from '../src/db/sql';

export interface TestDb {
  sql: Sql;
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDb(opts: { max?: number } = {}): Promise<TestDb> {
  const adminUrl = inject('pgAdminUrl');
  const template = inject('pgTemplate');
  const name = `fw_test_${randomBytes(6).toString('hex')}`;
  const admin = createSql(adminUrl, { max: 1 });
  await admin.unsafe(`create database "${name}" template "${template}"`);
  await admin.end();
  const url = withDatabase(adminUrl, name);
  const sql = createSql(url, { max: opts.max ?? 10 });
  return {
    sql,
    url,
    name,
    async drop() {
      await sql.end({ timeout: 5 });
      const a = createSql(adminUrl, { max: 1 });
      await a.unsafe(`drop database if exists "${name}" with (force)`);
      await a.end();
    },
  };
}
