// The benchmark's people and what they do: pairs of a client and an operator walking gigs from post to approval.
import { v7 as uuidv7 } from 'uuid';
import type { CommandInput, CommandType } from '@shared/commands';
import type { LatLng } from '@shared/geo';
import type { SkillLevels } from '@shared/skills';
import { applyCommand, type CommandOutcome } from '../src/commands/apply';
import { confirmPayment as confirmMilestonePayment } from '../src/escrow/events';
import type { Sql } from '../src/db/sql';

/** Everyone works in San Francisco, so every operator is within reach of every gig. */
const SF: LatLng = { lat: 37.7749, lng: -122.4194 };
const OPERATOR_SKILLS: SkillLevels = { plumbing: 4, electrical: 3, cleaning: 3, handyman: 4, painting: 2 };

/** What clients post, in turn; every one fits OPERATOR_SKILLS. */
const GIGS: readonly Pick<CommandInput<'gig.post'>, 'title' | 'description' | 'skills' | 'areaLabel'>[] = [
  { title: 'Fix a leaking tap', description: 'Kitchen tap drips, cartridge probably worn.', skills: { plumbing: 2 }, areaLabel: 'SoMa' },
  { title: 'Replace two light switches', description: 'Hallway and landing, switches supplied.', skills: { electrical: 2 }, areaLabel: 'Mission' },
  { title: 'Deep clean after moving out', description: 'Two-bedroom flat, oven included.', skills: { cleaning: 3 }, areaLabel: 'Noe Valley' },
  { title: 'Hang shelves and paint a wall', description: 'Three shelves; one accent wall, paint supplied.', skills: { handyman: 2, painting: 2 }, areaLabel: 'Haight' },
];

/** Each lifecycle, in order: the mix the benchmark reports. payment_confirmed is a server event, not a command. */
export const LIFECYCLE: readonly CommandType[] = ['gig.post', 'gig.accept', 'booking.start', 'message.send', 'message.send', 'booking.deliver', 'booking.approve'];

export interface Pair {
  clientId: string;
  operatorId: string;
}

/** n clients and n operators, inserted directly as the test fixtures do; phones are unique by index. */
export async function createPairs(sql: Sql, n: number): Promise<Pair[]> {
  const phone = (i: number) => `+1555${String(i).padStart(7, '0')}`;
  const pairs: Pair[] = Array.from({ length: n }, () => ({ clientId: uuidv7(), operatorId: uuidv7() }));
  await sql.begin(async (tx) => {
    for (const [i, p] of pairs.entries()) {
      await tx`insert into users (id, phone, display_name, roles) values (${p.clientId}, ${phone(2 * i)}, ${`Bench Client ${i}`}, ${['consumer']})`;
      await tx`insert into users (id, phone, display_name, roles) values (${p.operatorId}, ${phone(2 * i + 1)}, ${`Bench Operator ${i}`}, ${['consumer', 'operator']})`;
      await tx`
        insert into operator_profiles (user_id, skills, home_lat, home_lng, service_radius_km, available)
        values (${p.operatorId}, ${tx.json(OPERATOR_SKILLS as never)}, ${SF.lat}, ${SF.lng}, ${25}, ${true})`;
      // Payouts set up, as gig.accept requires; the benchmark never transfers, so the account is only a name.
      await tx`
        insert into payout_accounts (user_id, provider, account_id, transfers_active, details_submitted)
        values (${p.operatorId}, 'demo', ${`acct_bench_${p.operatorId}`}, true, true)`;
    }
  });
  return pairs;
}

export interface Recorder {
  /** Waits until the lane may send its next step (the bench pauses the lanes while pgbench runs). */
  enter(): Promise<void>;
  /** The step that `enter` let through is done. */
  leave(): void;
  command(type: CommandType, finishedAt: number, ms: number, outcome: CommandOutcome): void;
  event(finishedAt: number, ms: number): void;
}

function envelope<T extends CommandType>(type: T, payload: CommandInput<T>) {
  return { id: uuidv7(), type, payload, issuedAt: new Date().toISOString() };
}

/**
 * One lane: a client and an operator taking turns with one command in flight at a time, like two devices
 * flushing their queues. A refused step abandons the lifecycle (the next commands would be refused too).
 */
export async function runLane(sql: Sql, pair: Pair, lane: number, stop: () => boolean, rec: Recorder): Promise<void> {
  const issue = <T extends CommandType>(actorId: string, type: T, payload: CommandInput<T>): Promise<boolean> =>
    gated(rec, stop, async () => {
      const t0 = performance.now();
      const outcome = await applyCommand(sql, actorId, envelope(type, payload));
      const t1 = performance.now();
      rec.command(type, t1, t1 - t0, outcome);
      return outcome.status === 'applied';
    });

  for (let round = 0; !stop(); round++) {
    const gigId = uuidv7();
    const bookingId = uuidv7();
    const gig = GIGS[(lane + round) % GIGS.length]!;
    const steps: (() => Promise<boolean>)[] = [
      () =>
        issue(pair.clientId, 'gig.post', {
          gigId,
          ...gig,
          budget: { amount: 5000 + 500 * ((lane + round) % 20), currency: 'USD' },
          location: { lat: SF.lat + 0.001 * (lane % 10), lng: SF.lng - 0.001 * (round % 10) },
          address: `${100 + lane} Market St`,
        }),
      () => issue(pair.operatorId, 'gig.accept', { gigId, bookingId }),
      () => confirmPayment(sql, bookingId, stop, rec),
      () => issue(pair.operatorId, 'booking.start', { bookingId }),
      () => issue(pair.clientId, 'message.send', { messageId: uuidv7(), bookingId, body: 'The buzzer is broken, please call when you arrive.' }),
      () => issue(pair.operatorId, 'message.send', { messageId: uuidv7(), bookingId, body: 'On my way, about fifteen minutes.' }),
      () => issue(pair.operatorId, 'booking.deliver', { bookingId, note: 'Done; photos in the chat.' }),
      () => issue(pair.clientId, 'booking.approve', { bookingId }),
    ];
    for (const step of steps) if (!(await step())) break;
  }
}

/**
 * The payment provider's confirmation of the booking's milestone, as the webhook handler fires it once it
 * has verified the event (funding posted to the ledger); timed, but not a command.
 */
function confirmPayment(sql: Sql, bookingId: string, stop: () => boolean, rec: Recorder): Promise<boolean> {
  return gated(rec, stop, async () => {
    const t0 = performance.now();
    const [m] = await sql<{ id: string; amount: number; currency: string }[]>`select id, amount, currency from milestones where booking_id = ${bookingId} and status = 'agreed'`;
    if (!m) throw new Error(`booking ${bookingId} has no agreed milestone`);
    const outcome = await confirmMilestonePayment(sql, { milestoneId: m.id, paymentIntentId: `pi_bench_${m.id}`, chargeId: null, amount: m.amount, currency: m.currency }, `bench-payment:${m.id}`);
    if (outcome !== 'funded') throw new Error(`payment for ${m.id}: ${outcome}`);
    const t1 = performance.now();
    rec.event(t1, t1 - t0);
    return true;
  });
}

/** One step of a lane, once the recorder lets it through; false without running it when the lane should stop. */
async function gated(rec: Recorder, stop: () => boolean, step: () => Promise<boolean>): Promise<boolean> {
  if (stop()) return false;
  await rec.enter();
  try {
    return stop() ? false : await step();
  } finally {
    rec.leave();
  }
}
