// The demo seed: the demo still works end to end, so every seeded operator can be paid and take a gig.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { applied, run, uuidv7 } from '../../test/fixtures';
import { createLogger } from '../log';
import { createDemoRail } from '../payments';
import { DEMO_PEOPLE, seedDemo } from './seed';

let db: TestDb;
const log = createLogger('silent');

beforeAll(async () => {
  db = await createTestDb();
});
afterAll(() => db.drop());

describe('seedDemo on the demo rail', () => {
  it('sets up payouts for every seeded operator, at the rail and in our records, once', async () => {
    const rail = createDemoRail({ sql: db.sql, publicBaseUrl: 'http://localhost:8787' });
    expect(await seedDemo(db.sql, log, rail)).toBe(true);
    expect(await seedDemo(db.sql, log, rail)).toBe(false);
    const rows = await db.sql<{ phone: string; accountId: string; provider: string; transfersActive: boolean }[]>`
      select u.phone, a.account_id, a.provider, a.transfers_active from users u join payout_accounts a on a.user_id = u.id order by u.phone`;
    expect(rows.map((r) => r.phone)).toEqual(DEMO_PEOPLE.filter((p) => p.operator).map((p) => p.phone).sort());
    for (const r of rows) {
      expect(r).toMatchObject({ provider: 'demo', transfersActive: true });
      expect((await rail.retrieveAccount(r.accountId)).transfersActive).toBe(true);
    }

    // Omar (plumbing) takes the seeded leaking tap.
    const [omar] = await db.sql<{ id: string }[]>`select id from users where phone = '+14155550110'`;
    const [tap] = await db.sql<{ id: string }[]>`select id from gigs where title = 'Fix a leaking kitchen tap'`;
    applied(await run(db.sql, omar!.id, 'gig.accept', { gigId: tap!.id, bookingId: uuidv7() }));
  });
});
