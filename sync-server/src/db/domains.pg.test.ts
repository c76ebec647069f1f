// The column domains of migration 015: their lists match the shared machines, they refuse what the table
// checks refused, and queries still find the partial indexes whose predicates name a domain column.
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { BOOKING_STATES } from '@shared/booking-machine';
import { COMMAND_STATUSES } from '@shared/command-statuses';
import { GIG_STATES } from '@shared/gig-machine';
import { LOCALES } from '@shared/locales';
import { MILESTONE_STATES } from '@shared/milestone-machine';
import { ROLES } from '@shared/roles';
import { createSql, withDatabase, type Sql } from './sql';
import { migrate, MIGRATIONS_DIR } from './migrate';

const adminUrl = inject('pgAdminUrl');
const name = `fw_domains_${process.pid}_${Date.now()}`;
let admin: Sql;
let sql: Sql;

beforeAll(async () => {
  admin = createSql(adminUrl, { max: 1 });
  await admin.unsafe(`create database "${name}"`);
  sql = createSql(withDatabase(adminUrl, name), { max: 1 });
  await migrate(sql);
});
afterAll(async () => {
  await sql.end();
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
});

/** The quoted values of a check, in order: its list of states or kinds. A domain's check is `<domain>_check`. */
async function listed(check: string): Promise<string[]> {
  const [row] = await sql<{ def: string }[]>`select pg_get_constraintdef(oid) as def from pg_constraint where conname = ${check}`;
  return [...row!.def.matchAll(/'([^']+)'::text/g)].map((m) => m[1]!);
}

const refusal = (p: Promise<unknown>) => p.then(() => 'accepted', (e: { code?: string }) => e.code);

describe('column domains', () => {
  it.each([
    ['gig_status_check', GIG_STATES],
    ['booking_status_check', BOOKING_STATES],
    ['milestone_status_check', MILESTONE_STATES],
    ['user_locale_check', LOCALES],
    ['users_roles_check', ROLES], // a table check still (migration 015 says why)
    ['command_status_check', COMMAND_STATUSES.filter((s) => s !== 'pending')], // pending lives on the device only
  ])('%s lists exactly what shared/ says', async (check, values) => {
    expect((await listed(check)).sort()).toEqual([...values].sort());
  });

  it('refuses what the table checks refused, with the same SQLSTATE, and writes nothing', async () => {
    const [user] = await sql<{ id: string }[]>`
      insert into users (id, phone, display_name, roles) values (gen_random_uuid(), '+15550001111', 'Ada', '{consumer}') returning id`;
    const bad = [
      sql`update users set locale = 'fr' where id = ${user!.id}`,
      sql`update users set roles = '{consumer,root}' where id = ${user!.id}`,
      sql`update users set roles = '{}' where id = ${user!.id}`,
      sql`update users set phone = '5550001111' where id = ${user!.id}`,
      sql`insert into ledger_accounts (id, kind, currency, owner_id, may_go_negative) values ('x:USD', 'petty_cash', 'USD', null, true)`,
      sql`insert into ledger_postings (id, kind, dedupe_key) values (gen_random_uuid(), 'gift', 'k1')`,
      sql`insert into outbox (dedupe_key, channel, user_id, template, data) values ('k2', 'fax', ${user!.id}, 't', '{}')`,
    ];
    for (const statement of bad) expect(await refusal(statement)).toBe('23514');
    const [after] = await sql<{ locale: string; roles: string[]; phone: string }[]>`select locale, roles, phone from users where id = ${user!.id}`;
    expect(after).toEqual({ locale: 'en', roles: ['consumer'], phone: '+15550001111' });
    const [written] = await sql<{ n: number }[]>`
      select (select count(*) from ledger_accounts) + (select count(*) from ledger_postings) + (select count(*) from outbox) as n`;
    expect(written!.n).toBe(0);
  });

  it('come back as their base types', async () => {
    const [row] = await sql<{ status: unknown; amount: unknown; lat: unknown }[]>`
      select 'funded'::milestone_status as status, 12::positive_minor_units as amount, 51.5::latitude as lat`;
    expect(row).toEqual({ status: 'funded', amount: 12, lat: 51.5 });
  });

  it.each([
    ['milestones_payment_due', `select id from milestones where status = 'payment_pending' and payment_expires_at <= now() order by payment_expires_at, id`],
    ['milestones_approval_due', `select id from milestones where status = 'submitted' and approval_check_at <= now() order by approval_check_at, id`],
    ['milestones_to_transfer', `select id from milestones where released_amount > 0 and transfer_id is null and worker_id = gen_random_uuid()`],
  ])('a query on a domain column still finds the partial index %s', async (index, query) => {
    const plan = await sql.begin(async (tx) => {
      await tx`set local enable_seqscan = off`;
      await tx`set local enable_bitmapscan = off`;
      return tx.unsafe(`explain ${query}`);
    });
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain(index);
  });

  it('leave the planner its statistics on a database that had rows before 015', async () => {
    const before = `${name}_upgrade`;
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'fw-mig-'));
    for (const f of await fs.readdir(MIGRATIONS_DIR)) if (f < '015') await fs.copyFile(path.join(MIGRATIONS_DIR, f), path.join(dir, f));
    await admin.unsafe(`create database "${before}"`);
    const db = createSql(withDatabase(adminUrl, before), { max: 1 });
    try {
      await migrate(db, dir);
      await db`
        insert into users (id, phone, display_name, roles, locale)
        select gen_random_uuid(), '+1555' || lpad(g::text, 7, '0'), 'Person ' || g, '{consumer}', case when g % 10 = 0 then 'es' else 'en' end
        from generate_series(1, 500) g`;
      await db`analyze users`;
      await migrate(db); // 015 and after
      const stats = await db<{ values: string }[]>`select most_common_vals::text as values from pg_stats where tablename = 'users' and attname = 'locale'`;
      expect(stats.map((r) => r.values)).toEqual(['{en,es}']);
    } finally {
      await db.end();
      await admin.unsafe(`drop database if exists "${before}" with (force)`);
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
