import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { acceptedBooking, createOperator, createUser, run, uuidv7 } from '../../test/fixtures';
import { applyCommand } from './apply';
import { commandGroupsTotal } from '../ops/metrics';

let db: TestDb;
beforeAll(async () => { db = await createTestDb({ max: 20 }); });
afterAll(async () => { await db.drop(); });

const groups = async (outcome: string) =>
  (await commandGroupsTotal.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

describe('review', () => {
  it('null payload in a group', async () => {
    const users = await Promise.all(Array.from({ length: 12 }, () => createUser(db.sql)));
    const redone = await groups('redone_alone');
    const ids = users.map(() => uuidv7());
    const outs = await Promise.all(users.map((u, i) => applyCommand(db.sql, u, { id: ids[i]!, type: 'gig.publish', payload: i === 11 ? null : { gigId: uuidv7() }, issuedAt: new Date().toISOString() })));
    console.log('null-payload outcomes', outs.map((o) => o.rejection?.code));
    console.log('redone_alone delta', (await groups('redone_alone')) - redone);
    const rows = await db.sql`select payload::text as p from commands where id = ${ids[11]!}`;
    console.log('stored payload', rows);
  });
});
