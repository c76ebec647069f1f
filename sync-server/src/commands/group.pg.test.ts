// Commands decided together (group.ts, decideTogether in apply.ts): what a group shares, and what sends it
// back to deciding each member alone. Four lanes: the first four of a burst go alone at once, and the rest
// of the burst waits for a lane and is decided as one group.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { acceptedBooking, applied, createOperator, createUser, run, uuidv7 } from '../../test/fixtures';

/** Polls until `check` holds. */
async function until(check: () => Promise<boolean>): Promise<true> {
  while (!(await check())) await new Promise((r) => setTimeout(r, 20));
  return true;
}
import { commandGroupsTotal } from '../ops/metrics';
import { createSql } from '../db/sql';
import { applyCommand } from './apply';

let db: TestDb;
beforeAll(async () => {
  db = await createTestDb({ max: 20 });
});
afterAll(async () => {
  await db.drop();
});

interface Pair {
  client: string;
  worker: string;
  gigId: string;
  bookingId: string;
}

async function pairs(n: number): Promise<Pair[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const client = await createUser(db.sql);
      const worker = await createOperator(db.sql);
      return { client, worker, ...(await acceptedBooking(db.sql, client, worker)) };
    }),
  );
}

const groups = async (outcome: 'committed' | 'member_alone' | 'redone_alone') =>
  (await commandGroupsTotal.get()).values.find((v) => v.labels.outcome === outcome)?.value ?? 0;

/** The transactions the commands committed in: fewer than the commands when some were decided together. */
const transactions = async (ids: string[]) =>
  (await db.sql<{ n: number }[]>`select count(distinct change_xid::text)::int8 as n from commands where id = any(${ids}::uuid[])`)[0]!.n;

/** A burst of messages, one per pair, sent at once; `tweak` changes one message's sender or id. */
async function burst(ps: Pair[], tweak: (i: number) => { actor?: string; messageId?: string } = () => ({})) {
  const ids = ps.map(() => uuidv7());
  const sent = ps.map((p, i) => {
    const t = tweak(i);
    return { actor: t.actor ?? p.worker, payload: { messageId: t.messageId ?? uuidv7(), bookingId: p.bookingId, body: `Message ${i}` } };
  });
  const send = () => Promise.all(sent.map((s, i) => run(db.sql, s.actor, 'message.send', s.payload, { id: ids[i] })));
  return { ids, outcomes: await send(), send };
}

describe('commands decided together', () => {
  it('decides a burst in fewer transactions than commands, each applied once with its own result', async () => {
    const ps = await pairs(12);
    const committed = await groups('committed');
    const { ids, outcomes, send } = await burst(ps);
    for (const [i, o] of outcomes.entries()) expect(applied(o)).toMatchObject({ bookingId: ps[i]!.bookingId });
    expect(await groups('committed')).toBeGreaterThan(committed);
    expect(await transactions(ids)).toBeLessThan(12);
    const [m] = await db.sql`select count(*)::int8 as n from messages where booking_id = any(${ps.map((p) => p.bookingId)}::uuid[])`;
    expect(m!.n).toBe(12);
    // Replays, together again: the stored outcomes, nothing written twice.
    const replays = await send();
    expect(replays.every((r) => r.replayed && r.status === 'applied')).toBe(true);
    const [again] = await db.sql`select count(*)::int8 as n from messages where booking_id = any(${ps.map((p) => p.bookingId)}::uuid[])`;
    expect(again!.n).toBe(12);
  });

  it('refuses a member inside its group and keeps the others', async () => {
    const ps = await pairs(12);
    const stranger = await createUser(db.sql);
    const redone = await groups('redone_alone');
    const { ids, outcomes } = await burst(ps, (i) => (i >= 9 ? { actor: stranger } : {}));
    expect(outcomes.slice(0, 9).every((o) => o.status === 'applied')).toBe(true);
    expect(outcomes.slice(9).map((o) => o.rejection?.code)).toEqual(['not_found', 'not_found', 'not_found']);
    const stored = await db.sql`select status, rejection_code from commands where id = any(${ids.slice(9)}::uuid[])`;
    expect(stored.map((r) => r.rejectionCode)).toEqual(['not_found', 'not_found', 'not_found']);
    expect(await groups('redone_alone')).toBe(redone); // a refusal with nothing to undo stays in the group
    expect(await transactions(ids)).toBeLessThan(12);
  });

  it('takes out the member whose statement failed, decides it alone, and the rest together again', async () => {
    const ps = await pairs(12);
    const taken = uuidv7();
    applied(await run(db.sql, ps[0]!.worker, 'message.send', { messageId: taken, bookingId: ps[0]!.bookingId, body: 'First' }));
    const [alone, redone] = [await groups('member_alone'), await groups('redone_alone')];
    // The last one reuses a message id: its insert fails on messages_pkey, inside the group.
    const { ids, outcomes } = await burst(ps, (i) => (i === 11 ? { messageId: taken } : {}));
    expect(outcomes.slice(0, 11).every((o) => o.status === 'applied')).toBe(true);
    expect(outcomes[11]!.rejection?.code).toBe('duplicate_id');
    expect(await groups('member_alone')).toBe(alone + 1);
    expect(await groups('redone_alone')).toBe(redone);
    expect(await transactions(ids.slice(4, 11))).toBe(1); // the seven that waited for a lane: one group still
    const [m] = await db.sql`select count(*)::int8 as n from messages where booking_id = any(${ps.map((p) => p.bookingId)}::uuid[])`;
    expect(m!.n).toBe(12);
  });

  it('keeps inside its group the refusal of a handler that may have written, rolled back to its savepoint', async () => {
    const ps = await pairs(12);
    const [alone, redone] = [await groups('member_alone'), await groups('redone_alone')];
    // Approving work never delivered is refused by a money step, which does not promise to have written nothing.
    const ids = ps.map(() => uuidv7());
    const outcomes = await Promise.all(
      ps.map((p, i) =>
        i % 3 === 2
          ? run(db.sql, p.client, 'booking.approve', { bookingId: p.bookingId }, { id: ids[i] })
          : run(db.sql, p.worker, 'message.send', { messageId: uuidv7(), bookingId: p.bookingId, body: 'Hi' }, { id: ids[i] }),
      ),
    );
    expect(outcomes.map((o) => o.rejection?.code ?? o.status)).toEqual(ps.map((_, i) => (i % 3 === 2 ? 'invalid_state' : 'applied')));
    expect([await groups('member_alone'), await groups('redone_alone')]).toEqual([alone, redone]);
    expect(await transactions(ids.slice(4))).toBe(1);
    const stored = await db.sql`select rejection_code from commands where id = any(${ids.filter((_, i) => i % 3 === 2)}::uuid[])`;
    expect(stored.map((r) => r.rejectionCode)).toEqual(['invalid_state', 'invalid_state', 'invalid_state', 'invalid_state']);
  });

  it('puts everyone dealing with one busy client in one group', async () => {
    const client = await createUser(db.sql);
    const bookings = await Promise.all(
      Array.from({ length: 12 }, async () => {
        const worker = await createOperator(db.sql);
        return { worker, ...(await acceptedBooking(db.sql, client, worker)) };
      }),
    );
    const ids = bookings.map(() => uuidv7());
    const outcomes = await Promise.all(bookings.map((b, i) => run(db.sql, b.worker, 'message.send', { messageId: uuidv7(), bookingId: b.bookingId, body: 'On my way' }, { id: ids[i] })));
    expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
    expect(await transactions(ids.slice(4))).toBe(1);
  });

  it('does not hold a group up behind a row another transaction has locked', async () => {
    const ps = await pairs(12);
    const locked = ps[11]!;
    const holder = await db.sql.reserve();
    try {
      await holder`begin`;
      await holder`select 1 from bookings where id = ${locked.bookingId} for update`;
      const sending = burst(ps);
      // The last message's insert waits for the booking's lock; its group gives up on it after a moment, and
      // the other members are decided while the lock is still held.
      const others = await Promise.race([
        Promise.all(ps.slice(0, 11).map((p) => until(async () => (await db.sql`select 1 from messages where booking_id = ${p.bookingId}`).length > 0))),
        new Promise((_, reject) => setTimeout(() => reject(new Error('the group waited for the lock')), 10_000)),
      ]);
      expect(others).toHaveLength(11);
      expect(await db.sql`select 1 from messages where booking_id = ${locked.bookingId}`).toHaveLength(0);
      await holder`rollback`;
      const { outcomes } = await sending;
      expect(outcomes.every((o) => o.status === 'applied')).toBe(true);
    } finally {
      await holder`rollback`.catch(() => undefined);
      holder.release();
    }
  }, 20_000);

  it('refuses a command with no payload, storing nothing', async () => {
    const user = await createUser(db.sql);
    const id = uuidv7();
    const outcome = await applyCommand(db.sql, user, { id, type: 'message.send', payload: null, issuedAt: new Date().toISOString() });
    expect(outcome.rejection?.code).toBe('invalid_command');
    expect(await db.sql`select 1 from commands where id = ${id}`).toHaveLength(0);
  });

  it('stores a payload as the same text alone and in a group', async () => {
    const ps = await pairs(12);
    const body = 'Ünïcode, "quotes", 1e21 → fine';
    const ids = ps.map(() => uuidv7());
    // The first goes alone (a lane is free), the last waits and goes in a group.
    await Promise.all(ps.map((p, i) => run(db.sql, p.worker, 'message.send', { body, bookingId: p.bookingId, messageId: ids[i]! }, { id: ids[i] })));
    const stored = await db.sql<{ id: string; payload: string; xid: string }[]>`
      select id, payload::text as payload, change_xid::text as xid from commands where id = ${ids[0]!} or id = ${ids[11]!} order by id`;
    expect(stored[0]!.xid).not.toBe(stored[1]!.xid);
    expect(stored[1]!.payload.replace(ids[11]!, ids[0]!).replace(ps[11]!.bookingId, ps[0]!.bookingId)).toBe(stored[0]!.payload);
  });

  it('holds back a member whose loaded rows another member of its group holds, so that it sees what that one wrote', async () => {
    const ps = await pairs(5);
    const busy = ps.slice(0, 4);
    const p = ps[4]!;
    const other = await createOperator(db.sql);
    // The first four take every lane; the last two wait and are taken as one group. Their payloads share no
    // id, but the cancelled booking is the gig's: the accept waits for a group of its own, and finds the gig
    // back on the market. Decided side by side, it would have found the gig still taken.
    const newBooking = uuidv7();
    const outcomes = await Promise.all([
      ...busy.map((b) => run(db.sql, b.worker, 'message.send', { messageId: uuidv7(), bookingId: b.bookingId, body: 'Busy' })),
      run(db.sql, p.worker, 'booking.cancel', { bookingId: p.bookingId, reason: 'Van broke down' }),
      run(db.sql, other, 'gig.accept', { gigId: p.gigId, bookingId: newBooking }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(Array(6).fill('applied'));
    const [g] = await db.sql`select status, booking_id from gigs where id = ${p.gigId}`;
    expect(g).toMatchObject({ status: 'assigned', bookingId: newBooking });
  });

  it('answers a burst of refusals larger than the pool, each on the connection it already holds', async () => {
    // Six connections, 24 refusals at once from a money step: the group fails over to deciding each alone,
    // and every one of those stores its refusal without asking the pool for a second connection.
    const small = createSql(db.url, { max: 6 });
    try {
      const users = await Promise.all(Array.from({ length: 24 }, () => createUser(db.sql)));
      const outcomes = await Promise.all(
        users.map((u) => applyCommand(small, u, { id: uuidv7(), type: 'milestone.fund', payload: { milestoneId: uuidv7() }, issuedAt: new Date().toISOString() })),
      );
      expect(outcomes.map((o) => o.rejection?.code)).toEqual(Array(24).fill('not_found'));
    } finally {
      await small.end();
    }
  }, 30_000);
});

