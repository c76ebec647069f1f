// The command contract: the closed list of command types, the envelope, and a zod schema per payload.
import { z } from 'zod';
import { MAX_AMOUNT, isCurrency, money, offStep } from './money';
import { DISPUTE_OUTCOMES } from './milestone-machine';
import { SKILLS, SKILL_LEVELS } from './skills';
import { LOCALES } from './locales';
import { ROLES } from './roles';

/** UUID version 7: time-ordered, generated on the device, and the command's idempotency key. */
export const uuidV7 = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i, 'must be a UUID v7')
  .transform((s) => s.toLowerCase());
export const uuid = z.uuid().transform((s) => s.toLowerCase());

/** An unpaired UTF-16 surrogate: half of a character, which UTF-8 (and so Postgres) cannot hold. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * A character that shows: anything but controls, separators, format characters (zero-width spaces and joiners,
 * direction marks and overrides, soft hyphens) and the other code points Unicode says to draw as nothing
 * (variation selectors, Hangul fillers), and the blank braille pattern that is used as a blank.
 */
const VISIBLE = /[^\p{Cc}\p{Cf}\p{Z}\p{Default_Ignorable_Code_Point}\u2800]/u;

/** Free text a person typed. Postgres text cannot hold a NUL character, and the driver would silently turn
 *  half a character into U+FFFD, so both are refused here, with the field named, rather than failing the
 *  write or storing something other than what was sent. Text with nothing visible in it (only zero-width
 *  or direction marks, say) counts as empty: a title, name, message or reason that shows as blank is no
 *  more one than whitespace is. */
export const text = (min: number, max: number) =>
  z
    .string()
    .trim()
    .refine((s) => !s.includes('\0'), 'must not contain a NUL character')
    .refine((s) => !LONE_SURROGATE.test(s), 'must not contain a broken character (an unpaired surrogate)')
    .overwrite((s) => (VISIBLE.test(s) ? s : ''))
    .min(min)
    .max(max);
/** An RFC 3339 time with its offset, within the years Postgres accepts once converted to UTC (1 to 9999). */
const isoDate = z.iso.datetime({ offset: true }).refine((s) => {
  const year = new Date(s).getUTCFullYear();
  return year >= 1 && year <= 9999;
}, 'must be a time between the years 1 and 9999');

export const moneySchema = z
  .strictObject({
    amount: z.int().positive().max(MAX_AMOUNT),
    currency: z.string().refine(isCurrency, 'unknown currency'),
  })
  .superRefine((m, ctx) => {
    // Refinements run on a value whose fields failed too: money() throws beyond the safe integers, so the
    // step is judged only for an amount the checks above let through.
    const counted = Number.isSafeInteger(m.amount) && m.amount > 0 && m.amount <= MAX_AMOUNT;
    const why = counted && isCurrency(m.currency) ? offStep(money(m.amount, m.currency)) : null;
    if (why) ctx.addIssue({ code: 'custom', path: ['amount'], message: why });
  });

export const latLngSchema = z.strictObject({
  lat: z.number().min(-90).max(90),
  lng: z.number().min(-180).max(180),
});

export const skillLevelsSchema = z
  .partialRecord(z.enum(SKILLS), z.literal(SKILL_LEVELS))
  .refine((s) => Object.keys(s).length <= SKILLS.length, 'too many skills');

const gigFields = {
  title: text(3, 120),
  description: text(0, 4000),
  skills: skillLevelsSchema.refine((s) => Object.keys(s).length >= 1 && Object.keys(s).length <= 5, 'name 1 to 5 skills'),
  budget: moneySchema,
  location: latLngSchema,
  /** The exact address; only the booked worker sees it. */
  address: text(0, 300),
  /** A coarse public label such as a neighbourhood; what operators see before booking. */
  areaLabel: text(0, 80),
  startsAt: isoDate.nullable(),
  expiresAt: isoDate.nullable(),
};

const bookingRef = { bookingId: uuid };

export const commandPayloads = {
  'gig.post': z.strictObject({
    gigId: uuidV7,
    ...gigFields,
    startsAt: gigFields.startsAt.default(null),
    expiresAt: gigFields.expiresAt.default(null),
    /** false keeps the gig as a draft that only its client sees. */
    publish: z.boolean().default(true),
  }),
  'gig.publish': z.strictObject({ gigId: uuid }),
  'gig.update': z
    .strictObject({ gigId: uuid, ...z.object(gigFields).partial().shape })
    .refine((p) => Object.keys(p).length > 1, 'nothing to update'),
  'gig.cancel': z.strictObject({ gigId: uuid, reason: text(0, 500).optional() }),
  'gig.accept': z.strictObject({
    gigId: uuid,
    bookingId: uuidV7,
    /** The digest of the gig's terms the operator decided on (gig-terms.ts): changed since, the accept is refused. */
    seenTerms: z.string().regex(/^[0-9a-f]{16}$/, 'must be the 16-hex-digit digest of the gig’s terms').optional(),
  }),
  'booking.start': z.strictObject({ ...bookingRef }),
  'booking.deliver': z.strictObject({ ...bookingRef, note: text(0, 2000).optional() }),
  'booking.approve': z.strictObject({ ...bookingRef }),
  'booking.request_changes': z.strictObject({ ...bookingRef, reason: text(1, 2000) }),
  'booking.cancel': z.strictObject({ ...bookingRef, reason: text(0, 500).optional() }),
  // The worker stops work under way and gives back all the money still held for it; the client hears why.
  // `held`: what the worker saw as still held for it, in minor units (0 for nothing), when they confirmed; a booking whose
  // held money has changed since (a part paid, approved or refunded meanwhile) is refused (held_changed), not given back.
  'booking.give_back': z.strictObject({ ...bookingRef, reason: text(1, 500), held: z.int().nonnegative().max(MAX_AMOUNT) }),
  'milestone.propose': z.strictObject({
    ...bookingRef,
    /** The proposal's id; the other side accepts it by this id. */
    planId: uuidV7,
    /** The plan for everything not yet paid for: accepted, it replaces the unfunded milestones. */
    milestones: z
      .array(z.strictObject({ milestoneId: uuidV7, description: text(1, 300), amount: moneySchema, dueAt: isoDate.nullable().default(null) }))
      .min(1)
      .max(20)
      .refine((ms) => new Set(ms.map((m) => m.amount.currency)).size === 1, 'all milestones in one currency')
      .refine((ms) => new Set(ms.map((m) => m.milestoneId.toLowerCase())).size === ms.length, 'milestone ids must not repeat'),
  }),
  /**
   * The other side agrees a plan, named by its id or by any of its parts: a device sees the parts of the plan
   * waiting on a booking (there is one at most) but not the id its proposer chose.
   */
  'milestone.accept': z.union([z.strictObject({ ...bookingRef, planId: uuid }), z.strictObject({ ...bookingRef, milestoneId: uuid })]),
  'milestone.fund': z.strictObject({ milestoneId: uuid }),
  'milestone.submit': z.strictObject({ milestoneId: uuid, note: text(0, 2000).optional() }),
  /**
   * A review names the hand-in it is about: the part's `submittedAt` as the reviewer's device showed it. Work
   * handed in again since (after changes asked for on another device, say) is refused, not approved unseen.
   * Without it, the review applies to whatever is handed in when it arrives.
   */
  'milestone.approve': z.strictObject({ milestoneId: uuid, submittedAt: isoDate.optional() }),
  'milestone.request_changes': z.strictObject({ milestoneId: uuid, reason: text(1, 2000), submittedAt: isoDate.optional() }),
  /** Either party drops a part not yet paid for once work has started (a client who will not pay the rest, say). */
  'milestone.withdraw': z.strictObject({ milestoneId: uuid, reason: text(0, 500).optional() }),
  'dispute.open': z.strictObject({
    disputeId: uuidV7,
    milestoneId: uuid,
    reason: text(1, 2000),
    /** The claim: how much of the milestone should go back to the client (0: pay the worker in full). */
    refundAmount: z.int().min(0).max(MAX_AMOUNT),
  }),
  'dispute.add_evidence': z
    .strictObject({
      evidenceId: uuidV7,
      disputeId: uuid,
      text: text(0, 4000),
      /** Messages of the booking's chat the evidence points to. */
      messageIds: z.array(uuid).max(20).default([]),
      /** Files uploaded beforehand with POST /disputes/:id/attachments. */
      attachmentIds: z.array(uuid).max(10).default([]),
    })
    .refine((p) => p.text.length > 0 || p.messageIds.length > 0 || p.attachmentIds.length > 0, 'evidence needs text, a message or an attachment'),
  /** The other side agrees to the claim as it stands; the money moves as claimed. */
  'dispute.accept': z.strictObject({ disputeId: uuid }),
  /** An admin's decision. Always with a written reason, kept in the audit log. */
  'dispute.resolve': z
    .strictObject({
      disputeId: uuid,
      outcome: z.enum(DISPUTE_OUTCOMES),
      /** split only: what goes back to the client; the rest, less the fee, to the worker. */
      refundAmount: z.int().positive().max(MAX_AMOUNT).optional(),
      reason: text(1, 2000),
    })
    .refine((p) => (p.outcome === 'split') === (p.refundAmount !== undefined), 'a split names the refund amount, and only a split does'),
  /** A worker asks for what is available to be paid out now rather than at the next scheduled run. */
  'payout.request': z.strictObject({ currency: z.string().refine(isCurrency, 'unknown currency').optional() }),
  'message.send': z.strictObject({ messageId: uuidV7, ...bookingRef, body: text(1, 2000) }),
  'profile.update': z
    .strictObject({
      displayName: text(1, 80),
      locale: z.enum(LOCALES),
      bio: text(0, 1000),
      skills: skillLevelsSchema,
      home: latLngSchema.nullable(),
      serviceRadiusKm: z.number().min(1).max(200),
      hourlyRate: moneySchema.nullable(),
    })
    .partial()
    .refine((p) => Object.keys(p).length > 0, 'nothing to update'),
  'availability.set': z.strictObject({ available: z.boolean() }),
  'user.set_roles': z.strictObject({
    userId: uuid,
    roles: z
      .array(z.enum(ROLES))
      .min(1)
      .max(ROLES.length)
      .refine((r) => new Set(r).size === r.length, 'roles must not repeat'),
    /** Why, for the admins' audit log, where every change of roles goes. */
    reason: text(0, 500).optional(),
  }),
} as const;

export type CommandType = keyof typeof commandPayloads;
export const COMMAND_TYPES = Object.keys(commandPayloads) as CommandType[];
export type CommandPayload<T extends CommandType> = z.output<(typeof commandPayloads)[T]>;
export type CommandInput<T extends CommandType> = z.input<(typeof commandPayloads)[T]>;

export function isCommandType(x: unknown): x is CommandType {
  return typeof x === 'string' && Object.hasOwn(commandPayloads, x);
}

/** What a device sends. The payload is checked against its type's schema separately, so that a bad payload
 *  with a good id can still be answered (and remembered) as a rejection. */
export const commandEnvelope = z.strictObject({
  id: uuidV7,
  type: z.string().min(1).max(64),
  payload: z.unknown(),
  /** Device time: recorded for support, never used to decide anything. */
  issuedAt: isoDate,
});
export type CommandEnvelope = z.output<typeof commandEnvelope>;

export { COMMAND_STATUSES, type CommandStatus } from './command-statuses';
