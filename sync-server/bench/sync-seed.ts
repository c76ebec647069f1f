// bench:sync's data, written straight into the tables (commands would take minutes): an operator's scope
// for the initial sync, and pairs of signed-in users sharing a booking for the propagation run. Every row
// satisfies the schema's checks and reads as the command handlers would have written it; the milestones'
// money is as settled, without the ledger postings behind it (replication does not read the ledger).
import { v7 as uuidv7 } from 'uuid';
import type { BookingEvent, BookingState } from '@shared/booking-machine';
import { categoryOf, policyOf } from '@shared/categories';
import type { MilestoneState } from '@shared/milestone-machine';
import { money, splitFee } from '@shared/money';
import type { LatLng } from '@shared/geo';
import type { Party } from '@shared/roles';
import type { SkillLevels } from '@shared/skills';
import { signAccessToken } from '../src/auth/tokens';
import type { Db, Sql } from '../src/db/sql';
import { TEST_SECRET } from '../test/app';

const SF: LatLng = { lat: 37.7749, lng: -122.4194 };
const DAY_MS = 86_400_000;

/** A small deterministic generator, so that every run seeds the same shapes (ids excepted). */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rnd: () => number, xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;

/** Phones are unique per table; each seeding step takes its own block of numbers. */
const phone = (block: number, i: number) => `+1628${block}${String(i).padStart(6, '0')}`;

/**
 * Inserts rows given as snake_case objects in one statement per chunk: the JSON array travels as one
 * parameter and json_populate_recordset types it, so columns left out take their defaults.
 */
async function insertRows(db: Db, table: string, columns: readonly string[], rows: readonly Record<string, unknown>[]): Promise<void> {
  const cols = columns.join(', ');
  for (let i = 0; i < rows.length; i += 2000)
    await db.unsafe(`insert into ${table} (${cols}) select ${cols} from json_populate_recordset(null::${table}, $1::text::json)`, [JSON.stringify(rows.slice(i, i + 2000))]);
}

const USER_COLS = ['id', 'phone', 'display_name', 'roles', 'bio', 'created_at', 'updated_at'];
const PROFILE_COLS = ['user_id', 'skills', 'home_lat', 'home_lng', 'service_radius_km', 'available', 'hourly_rate_amount', 'hourly_rate_currency'];
const GIG_COLS = [
  'id', 'client_id', 'title', 'description', 'skills', 'budget_amount', 'currency', 'lat', 'lng', 'address', 'area_label',
  'starts_at', 'expires_at', 'status', 'booking_id', 'created_at', 'updated_at',
];
const BOOKING_COLS = ['id', 'gig_id', 'client_id', 'worker_id', 'amount', 'currency', 'category', 'status', 'change_rounds', 'timeline', 'created_at', 'updated_at'];
const MESSAGE_COLS = ['id', 'booking_id', 'sender_id', 'body', 'created_at', 'updated_at'];
const MILESTONE_COLS = [
  'id', 'booking_id', 'client_id', 'worker_id', 'position', 'description', 'amount', 'currency', 'fee_bps', 'status', 'payment_intent_id', 'charge_id',
  'funded_at', 'submitted_at', 'auto_approve_at', 'approval_check_at', 'settled_at', 'released_amount', 'fee_amount', 'timeline', 'created_at', 'updated_at',
];

const FIRST = ['Ana', 'Ben', 'Chloé', 'Dmitri', 'Esther', 'Farid', 'Grace', 'Hiro', 'Inés', 'Jamal', 'Kofi', 'Lena', 'Mateo', 'Nia', 'Olu', 'Priya'];
const LAST = ['Alvarez', 'Brooks', 'Chen', 'Diaz', 'Evans', 'Fischer', 'Garcia', 'Hughes', 'Ito', 'Jones', 'Khan', 'Lopez', 'Moreau', 'Nguyen', 'Okafor', 'Patel'];
const AREAS = ['SoMa', 'Mission', 'Noe Valley', 'Haight', 'Sunset', 'Richmond', 'Bernal Heights', 'Potrero Hill', 'Castro', 'Marina', 'Dogpatch', 'Excelsior'];
const STREETS = ['Valencia St', 'Market St', 'Mission St', 'Guerrero St', 'Irving St', 'Clement St', 'Cortland Ave', '18th St', 'Church St', 'Chestnut St'];

/** Work the operator below can take: every entry fits OPERATOR_SKILLS. */
const WORK: readonly { title: string; skills: SkillLevels; lines: readonly string[] }[] = [
  { title: 'Fix a leaking kitchen tap', skills: { plumbing: 2 }, lines: ['The kitchen tap drips constantly, probably a worn cartridge.', 'Shut-off valve under the sink works.', 'Single-lever mixer, about ten years old.'] },
  { title: 'Unblock a bathroom sink', skills: { plumbing: 1 }, lines: ['Water drains very slowly since last week.', 'I tried a plunger without luck.', 'Please bring a drain snake.'] },
  { title: 'Replace a toilet fill valve', skills: { plumbing: 3 }, lines: ['The cistern keeps running after each flush.', 'Part can be bought on the way; I will pay it back.', 'Ground-floor bathroom, easy access.'] },
  { title: 'Assemble a wardrobe and two shelves', skills: { handyman: 2 }, lines: ['Flat-pack wardrobe, instructions included.', 'Shelves go on a plaster wall.', 'Tools available if you need them.'] },
  { title: 'Hang curtain rails in three rooms', skills: { handyman: 1 }, lines: ['Rails and fixings are already here.', 'Ceilings are about 2.7 m high.', 'A ladder is in the hallway.'] },
  { title: 'Paint a bedroom accent wall', skills: { painting: 2, handyman: 1 }, lines: ['One wall, roughly 4 by 2.6 metres.', 'Paint and rollers supplied.', 'Please protect the wooden floor.'] },
  { title: 'Patch and paint hallway scuffs', skills: { painting: 1 }, lines: ['A few dents from moving furniture.', 'Matching paint is in the cupboard.', 'Weekend mornings suit me best.'] },
  { title: 'Fit a new shower head and hose', skills: { plumbing: 1, handyman: 1 }, lines: ['Shower head bought already.', 'The old hose leaks at the joint.', 'Parking is free on our street.'] },
];

const CHAT = [
  'Hi! Is the time we agreed still fine for you?',
  'Yes, see you then. I will bring the parts.',
  'The buzzer is broken, please call when you arrive.',
  'On my way, about fifteen minutes out.',
  'Traffic on 101, running ten minutes late, sorry.',
  'No problem, take your time.',
  'Could you send a photo of the valve under the sink?',
  'Sent. It is the older chrome one on the left.',
  'Done for today; I will finish the last coat tomorrow morning.',
  'Great work, thank you! It looks much better.',
  'Do you want me to take the old parts away?',
  'Yes please, that would be very helpful.',
];

/** What the benchmark operator can do and where: every WORK entry fits, every seeded gig lies well inside. */
const OPERATOR_SKILLS: SkillLevels = { plumbing: 3, handyman: 3, painting: 2 };
const OPERATOR_RADIUS_KM = 25;

/** A point within about 14 km of San Francisco's centre (≤ 0.1° each way). */
const near = (rnd: () => number): LatLng => ({ lat: SF.lat + (rnd() - 0.5) * 0.2, lng: SF.lng + (rnd() - 0.5) * 0.2 });

const iso = (ms: number) => new Date(ms).toISOString();

export interface OperatorScope {
  operatorId: string;
  openGigs: number;
  bookings: number;
  milestones: number;
  messages: number;
}

/** The booking statuses seeded, with how far each got: funded → in_progress → delivered → completed. */
/** Each booking path with where its single milestone stands at the end of it. */
const BOOKING_PATHS: readonly { status: BookingState; milestone: MilestoneState; steps: readonly [BookingEvent, BookingState, Party][] }[] = [
  { status: 'funded', milestone: 'funded', steps: [['payment_confirmed', 'funded', 'system']] },
  { status: 'in_progress', milestone: 'funded', steps: [['payment_confirmed', 'funded', 'system'], ['start', 'in_progress', 'worker']] },
  {
    status: 'delivered',
    milestone: 'submitted',
    steps: [['payment_confirmed', 'funded', 'system'], ['start', 'in_progress', 'worker'], ['deliver', 'delivered', 'worker']],
  },
  {
    status: 'completed',
    milestone: 'released',
    steps: [['payment_confirmed', 'funded', 'system'], ['start', 'in_progress', 'worker'], ['deliver', 'delivered', 'worker'], ['approve', 'completed', 'client']],
  },
];

/**
 * A single-price booking's one milestone as its steps left it: the gig's price, the category's fee, funded
 * by the payment confirmation, submitted with the delivery, released (net of the fee) with the approval.
 * `times` are the booking timeline's: created, payment confirmed, started, delivered, approved.
 */
function singleMilestone(b: Record<string, unknown>, state: MilestoneState, times: readonly string[]): Record<string, unknown> {
  const id = uuidv7();
  const amount = b.amount as number;
  const feeBps = policyOf(b.category as string).feeBps;
  const [created, funded, , submitted, settled] = times;
  const submittedAt = state === 'submitted' || state === 'released' ? submitted! : null;
  const settledAt = state === 'released' ? settled! : null;
  const autoApproveAt = state === 'submitted' ? iso(Date.parse(submittedAt!) + policyOf(b.category as string).autoApproveHours * 3_600_000) : null;
  const timeline = [
    { at: created, event: 'created', status: 'agreed', by: 'worker', actorId: b.worker_id },
    { at: funded, event: 'payment_confirmed', status: 'funded', by: 'system', actorId: null },
    ...(submittedAt ? [{ at: submittedAt, event: 'submit', status: 'submitted', by: 'worker', actorId: b.worker_id }] : []),
    ...(settledAt ? [{ at: settledAt, event: 'approve', status: 'released', by: 'client', actorId: b.client_id }] : []),
  ];
  return {
    id, booking_id: b.id, client_id: b.client_id, worker_id: b.worker_id, position: 0, description: 'The whole job', amount, currency: b.currency,
    fee_bps: feeBps, status: state, payment_intent_id: `pi_seed_${id}`, charge_id: `ch_seed_${id}`, funded_at: funded,
    submitted_at: submittedAt, auto_approve_at: autoApproveAt, approval_check_at: autoApproveAt && iso(Date.parse(autoApproveAt) - 24 * 3_600_000),
    settled_at: settledAt, released_amount: settledAt ? amount : 0,
    fee_amount: settledAt ? splitFee(money(amount, 'USD'), feeBps).fee.amount : 0,
    timeline, created_at: created, updated_at: timeline.at(-1)!.at,
  };
}

/**
 * One operator (skills, home in San Francisco, 25 km radius) and, in their scope: `openGigs` open gigs
 * that fit their skills within their area, posted by `clients` clients; `bookings` bookings where they are
 * the worker, each on its own gig (assigned, or closed once completed); `messagesPerBooking` messages in
 * each, from both sides.
 */
export async function seedOperatorScope(
  sql: Sql,
  opts: { openGigs: number; bookings: number; messagesPerBooking: number; clients: number },
): Promise<OperatorScope> {
  const rnd = random(20240611);
  const now = Date.now();
  const operatorId = uuidv7();
  const clients = Array.from({ length: opts.clients }, () => uuidv7());
  const name = (i: number) => `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]}`;

  const users = [
    { id: operatorId, phone: phone(1, 0), display_name: 'Sam Rivera', roles: ['consumer', 'operator'], bio: 'Plumber and handyman, 12 years in the Bay Area.' },
    ...clients.map((id, i) => ({ id, phone: phone(1, i + 1), display_name: name(i), roles: ['consumer'], bio: '' })),
  ].map((u) => ({ ...u, created_at: iso(now - 90 * DAY_MS), updated_at: iso(now - 90 * DAY_MS) }));

  const gig = (i: number, status: 'open' | 'assigned' | 'closed', bookingId: string | null) => {
    const work = WORK[i % WORK.length]!;
    const at = near(rnd);
    const created = now - Math.floor(rnd() * 30 * DAY_MS);
    const lines = work.lines.filter(() => rnd() < 0.7);
    return {
      id: uuidv7(),
      client_id: clients[i % clients.length]!,
      title: work.title,
      description: (lines.length ? lines : work.lines.slice(0, 1)).join(' '),
      skills: work.skills,
      budget_amount: 2500 + 500 * Math.floor(rnd() * 50),
      currency: 'USD',
      lat: Math.round(at.lat * 1e5) / 1e5,
      lng: Math.round(at.lng * 1e5) / 1e5,
      address: `${1 + Math.floor(rnd() * 2400)} ${pick(rnd, STREETS)}`,
      area_label: pick(rnd, AREAS),
      starts_at: rnd() < 0.6 ? iso(now + Math.floor(rnd() * 14) * DAY_MS) : null,
      // Open gigs must not expire during the run: the feed hides expired ones.
      expires_at: status === 'open' && rnd() < 0.5 ? iso(now + 14 * DAY_MS) : null,
      status,
      booking_id: bookingId,
      created_at: iso(created),
      updated_at: iso(created),
    };
  };

  const openGigs = Array.from({ length: opts.openGigs }, (_, i) => gig(i, 'open', null));

  const bookedGigs: ReturnType<typeof gig>[] = [];
  const bookings: Record<string, unknown>[] = [];
  const messages: Record<string, unknown>[] = [];
  const milestones: Record<string, unknown>[] = [];
  for (let i = 0; i < opts.bookings; i++) {
    const path = BOOKING_PATHS[i % BOOKING_PATHS.length]!;
    const bookingId = uuidv7();
    const g = gig(i, path.status === 'completed' ? 'closed' : 'assigned', bookingId);
    bookedGigs.push(g);
    const created = Date.parse(g.created_at) + DAY_MS;
    const timeline = [
      { at: iso(created), event: 'created', status: 'awaiting_payment', by: 'worker', actorId: operatorId },
      ...path.steps.map(([event, status, by], k) => ({
        at: iso(created + (k + 1) * 3_600_000),
        event,
        status,
        by,
        actorId: by === 'system' ? null : by === 'worker' ? operatorId : g.client_id,
        ...(event === 'deliver' ? { note: 'Done; photos in the chat.' } : {}),
      })),
    ];
    const updated = Date.parse(timeline.at(-1)!.at);
    bookings.push({
      id: bookingId, gig_id: g.id, client_id: g.client_id, worker_id: operatorId, amount: g.budget_amount, currency: 'USD', category: categoryOf(g.skills),
      status: path.status, change_rounds: 0, timeline, created_at: iso(created), updated_at: iso(updated),
    });
    milestones.push(singleMilestone(bookings.at(-1)!, path.milestone, timeline.map((t) => t.at)));
    for (let m = 0; m < opts.messagesPerBooking; m++) {
      const at = iso(created + m * 600_000);
      messages.push({ id: uuidv7(), booking_id: bookingId, sender_id: m % 2 === 0 ? g.client_id : operatorId, body: CHAT[(i + m) % CHAT.length], created_at: at, updated_at: at });
    }
  }

  await insertRows(sql, 'users', USER_COLS, users);
  await insertRows(sql, 'operator_profiles', PROFILE_COLS, [
    {
      user_id: operatorId, skills: OPERATOR_SKILLS, home_lat: SF.lat, home_lng: SF.lng, service_radius_km: OPERATOR_RADIUS_KM,
      available: true, hourly_rate_amount: 6500, hourly_rate_currency: 'USD',
    },
  ]);
  await insertRows(sql, 'gigs', GIG_COLS, openGigs);
  // gigs.booking_id is checked at commit: the gigs and their bookings go in together.
  await sql.begin(async (tx) => {
    await insertRows(tx, 'gigs', GIG_COLS, bookedGigs);
    await insertRows(tx, 'bookings', BOOKING_COLS, bookings);
  });
  await insertRows(sql, 'milestones', MILESTONE_COLS, milestones);
  await insertRows(sql, 'messages', MESSAGE_COLS, messages);
  await sql`analyze`;
  return { operatorId, openGigs: openGigs.length, bookings: bookings.length, milestones: milestones.length, messages: messages.length };
}

export interface Subscriber {
  userId: string;
  token: string;
  /** Index of the pair (and booking) this user belongs to. */
  pair: number;
}

export interface Pairs {
  /** subscribers[i] and subscribers[i + pairs] share booking bookingIds[i]: i is the client, i + pairs the worker. */
  subscribers: Subscriber[];
  bookingIds: string[];
  clientOf(pair: number): Subscriber;
  workerOf(pair: number): Subscriber;
}

/**
 * `2 × pairs` users, each with a session and an access token signed with the test secret (what the
 * bench's servers verify against); user i and user i + pairs share an in-progress booking.
 */
export async function seedPairs(sql: Sql, pairs: number): Promise<Pairs> {
  const now = Date.now();
  const users = Array.from({ length: 2 * pairs }, (_, i) => ({
    id: uuidv7(),
    phone: phone(2, i),
    display_name: `${FIRST[i % FIRST.length]} ${LAST[(i >> 4) % LAST.length]}`,
    roles: i < pairs ? ['consumer'] : ['consumer', 'operator'],
    bio: '',
    created_at: iso(now - DAY_MS),
    updated_at: iso(now - DAY_MS),
  }));
  const sessions = users.map((u) => ({ id: uuidv7(), user_id: u.id, expires_at: iso(now + DAY_MS) }));
  const bookingIds = Array.from({ length: pairs }, () => uuidv7());
  const created = iso(now - 3_600_000);
  await insertRows(sql, 'users', USER_COLS, users);
  await insertRows(sql, 'sessions', ['id', 'user_id', 'expires_at'], sessions);
  await insertRows(
    sql,
    'bookings',
    BOOKING_COLS,
    bookingIds.map((id, i) => ({
      id, gig_id: null, client_id: users[i]!.id, worker_id: users[i + pairs]!.id, amount: 9000, currency: 'USD', category: 'handyman', status: 'in_progress', change_rounds: 0,
      timeline: [
        { at: created, event: 'created', status: 'awaiting_payment', by: 'worker', actorId: users[i + pairs]!.id },
        { at: created, event: 'payment_confirmed', status: 'funded', by: 'system', actorId: null },
        { at: created, event: 'start', status: 'in_progress', by: 'worker', actorId: users[i + pairs]!.id },
      ],
      created_at: created, updated_at: created,
    })),
  );
  await sql`analyze`;
  const subscribers = await Promise.all(
    users.map(async (u, i) => ({
      userId: u.id,
      pair: i % pairs,
      token: await signAccessToken(TEST_SECRET, { id: u.id, roles: u.roles, sessionId: sessions[i]!.id }, 3600),
    })),
  );
  return { subscribers, bookingIds, clientOf: (p) => subscribers[p]!, workerOf: (p) => subscribers[p + pairs]! };
}
