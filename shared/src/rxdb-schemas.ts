// RxDB JSON schemas for the replicated collections: how a device stores each document of the contract.
import { BOOKING_STATES } from './booking-machine';
import { COMMAND_STATUSES } from './command-statuses';
import { GIG_STATES } from './gig-machine';
import { LOCALES } from './locales';
import { MILESTONE_STATES } from './milestone-machine';
import { DISPUTE_STATUSES, type CollectionName, type DocTypes } from './replication';
import { ROLES } from './roles';

type NullableKeys<T> = { [K in keyof T]-?: null extends T[K] ? K : never }[keyof T];
type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** Keys a document always has: the only ones a schema may require or index. */
type RequiredKeys<T> = { [K in keyof T]-?: {} extends Pick<T, K> ? never : K }[keyof T] & string;

/**
 * A document as the device stores it. The pull modifier strips GraphQL nulls (RxDB wants an absent field,
 * not null, for an optional one), so every nullable field becomes optional; `deleted` is RxDB's `_deleted`
 * (replication maps it with `deletedField`), so it is not a stored field.
 */
export type Stored<T> = Simplify<Omit<T, NullableKeys<T> | 'deleted'> & { [K in NullableKeys<T>]?: Exclude<T[K], null> }>;
export type StoredDocTypes = { [C in CollectionName]: Stored<DocTypes[C]> };

type JsonType = 'string' | 'number' | 'integer' | 'boolean' | 'object' | 'array' | 'null';

/** The part of JSON Schema these schemas use; shared/ does not import rxdb, web/ casts to RxJsonSchema. */
export interface JsonSchema {
  readonly type?: JsonType | readonly JsonType[];
  readonly description?: string;
  readonly properties?: { readonly [key: string]: JsonSchema };
  readonly required?: readonly string[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly items?: JsonSchema;
  readonly enum?: readonly (string | number)[];
  readonly maxLength?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly multipleOf?: number;
}

export interface CollectionSchema<T> {
  readonly title: string;
  readonly description?: string;
  readonly version: 0;
  readonly primaryKey: 'id';
  readonly type: 'object';
  readonly properties: { readonly [K in keyof T]-?: JsonSchema };
  /** Nullable fields are optional (the pull modifier strips nulls), so only always-present keys qualify. */
  readonly required: readonly RequiredKeys<T>[];
  /** Every indexed field is required; strings in an index carry maxLength (RxDB builds index keys from them). */
  readonly indexes?: readonly (readonly RequiredKeys<T>[])[];
}

// Lengths RxDB needs for primary keys and indexed strings. UUIDs are 36; ISO timestamps at most 35
// ("+275760-09-13T00:00:00.000+00:00"); 40 leaves room for both.
const ID = { type: 'string', maxLength: 40 } as const;
const TIME = { type: 'string', maxLength: 40 } as const;
const text = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const money = {
  type: 'object',
  properties: { amount: { type: 'integer' }, currency: { type: 'string', maxLength: 3 } },
  required: ['amount', 'currency'],
} as const satisfies JsonSchema;
const latLng = {
  type: 'object',
  properties: { lat: { type: 'number', minimum: -90, maximum: 90 }, lng: { type: 'number', minimum: -180, maximum: 180 } },
  required: ['lat', 'lng'],
} as const satisfies JsonSchema;
/** Skill → level (1–5); carried as a JSON value on the wire. */
const skillLevels = { type: 'object', additionalProperties: { type: 'integer', minimum: 1, maximum: 5 } } as const satisfies JsonSchema;
const status = (states: readonly string[]) => ({ type: 'string', maxLength: 24, enum: states }) as const;

/** A step in a booking's or a milestone's history. */
const timelineEntry = {
  type: 'object',
  properties: {
    at: text,
    event: text,
    status: text,
    by: text,
    // Inside a JSON value the server's null is kept as is; only top-level nulls are stripped.
    actorId: { type: ['string', 'null'] },
    note: text,
  },
  required: ['at', 'event', 'status', 'by'],
} as const satisfies JsonSchema;

export const gigSchema = {
  title: 'gigs',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: ID,
    clientId: ID,
    clientName: text,
    title: text,
    description: text,
    skills: skillLevels,
    budget: money,
    location: latLng,
    exactLocation: { type: 'boolean' },
    address: text,
    areaLabel: text,
    startsAt: text,
    expiresAt: text,
    status: status(GIG_STATES),
    bookingId: ID,
    workerId: ID,
    cancelReason: text,
    createdAt: TIME,
    updatedAt: TIME,
    version: int,
  },
  required: [
    'id', 'clientId', 'clientName', 'title', 'description', 'skills', 'budget', 'location', 'exactLocation',
    'address', 'areaLabel', 'status', 'createdAt', 'updatedAt', 'version',
  ],
  // Operators browse open gigs; a client lists their own.
  indexes: [['status', 'updatedAt'], ['clientId', 'updatedAt']],
} as const satisfies CollectionSchema<StoredDocTypes['gigs']>;

export const bookingSchema = {
  title: 'bookings',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: ID,
    gigId: ID,
    title: text,
    clientId: ID,
    clientName: text,
    clientPhone: text,
    workerId: ID,
    workerName: text,
    workerPhone: text,
    price: money,
    status: status(BOOKING_STATES),
    changeRounds: { type: 'integer', minimum: 0 },
    timeline: { type: 'array', items: timelineEntry },
    createdAt: TIME,
    updatedAt: TIME,
    version: int,
  },
  required: [
    'id', 'title', 'clientId', 'clientName', 'clientPhone', 'workerId', 'workerName', 'workerPhone', 'price',
    'status', 'changeRounds', 'timeline', 'createdAt', 'updatedAt', 'version',
  ],
  indexes: [['status', 'updatedAt']],
} as const satisfies CollectionSchema<StoredDocTypes['bookings']>;

export const messageSchema = {
  title: 'messages',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: ID,
    bookingId: ID,
    senderId: ID,
    body: text,
    createdAt: TIME,
    updatedAt: TIME,
  },
  required: ['id', 'bookingId', 'senderId', 'body', 'createdAt', 'updatedAt'],
  // A chat reads one booking's messages in order.
  indexes: [['bookingId', 'createdAt']],
} as const satisfies CollectionSchema<StoredDocTypes['messages']>;

export const profileSchema = {
  title: 'profiles',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: ID,
    phone: text,
    displayName: text,
    roles: { type: 'array', items: { type: 'string', enum: ROLES } },
    locale: { type: 'string', enum: LOCALES },
    bio: text,
    skills: skillLevels,
    home: latLng,
    serviceRadiusKm: { type: 'number', minimum: 0 },
    available: { type: 'boolean' },
    hourlyRate: money,
    updatedAt: TIME,
  },
  required: ['id', 'phone', 'displayName', 'roles', 'locale', 'bio', 'skills', 'available', 'updatedAt'],
} as const satisfies CollectionSchema<StoredDocTypes['profiles']>;

export const commandSchema = {
  title: 'commands',
  description: 'Written by the device as pending; the server answers with the decided document.',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: ID,
    type: { type: 'string', maxLength: 64 },
    payload: text,
    issuedAt: TIME,
    status: status(COMMAND_STATUSES),
    result: text,
    // No enum: a code added on the server must not make an older device refuse the document.
    rejectionCode: { type: 'string', maxLength: 40 },
    rejectionMessage: text,
    decidedAt: TIME,
    updatedAt: TIME,
  },
  required: ['id', 'type', 'payload', 'issuedAt', 'status', 'updatedAt'],
  // The outbox: pending commands in the order they were issued.
  indexes: [['status', 'issuedAt']],
} as const satisfies CollectionSchema<StoredDocTypes['commands']>;

export const milestoneSchema = {
  title: 'milestones',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: ID,
    bookingId: ID,
    clientId: ID,
    workerId: ID,
    // Bounded and stepped so that RxDB can build index keys from it.
    position: { type: 'integer', minimum: 0, maximum: 1_000_000_000, multipleOf: 1 },
    description: text,
    amount: money,
    feeBps: { type: 'integer', minimum: 0, maximum: 10_000 },
    fee: money,
    net: money,
    dueAt: TIME,
    status: status(MILESTONE_STATES),
    changeRounds: { type: 'integer', minimum: 0 },
    paymentExpiresAt: TIME,
    checkoutUrl: text,
    fundedAt: TIME,
    submittedAt: TIME,
    autoApproveAt: TIME,
    settledAt: TIME,
    releasedAmount: money,
    refundedAmount: money,
    feeAmount: money,
    transferredAt: TIME,
    timeline: { type: 'array', items: timelineEntry },
    createdAt: TIME,
    updatedAt: TIME,
    version: int,
  },
  required: [
    'id', 'bookingId', 'clientId', 'workerId', 'position', 'description', 'amount', 'feeBps', 'fee', 'net', 'status',
    'changeRounds', 'releasedAmount', 'refundedAmount', 'feeAmount', 'timeline', 'createdAt', 'updatedAt', 'version',
  ],
  // The booking page lists a booking's milestones in plan order.
  indexes: [['bookingId', 'position']],
} as const satisfies CollectionSchema<StoredDocTypes['milestones']>;

export const disputeSchema = {
  title: 'disputes',
  version: 0,
  primaryKey: 'id',
  type: 'object',
  properties: {
    id: ID,
    bookingId: ID,
    milestoneId: ID,
    clientId: ID,
    workerId: ID,
    openedBy: { type: 'string', enum: ['client', 'worker'] },
    openedById: ID,
    reason: text,
    amount: money,
    refundAmount: money,
    status: status(DISPUTE_STATUSES),
    respondBy: TIME,
    respondedAt: TIME,
    evidence: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          id: ID,
          by: text,
          actorId: ID,
          text,
          messageIds: { type: 'array', items: ID },
          attachments: {
            type: 'array',
            items: {
              type: 'object',
              properties: { id: ID, name: text, contentType: text, size: { type: 'integer', minimum: 0 } },
              required: ['id', 'name', 'contentType', 'size'],
            },
          },
          at: TIME,
        },
        required: ['id', 'by', 'actorId', 'text', 'messageIds', 'attachments', 'at'],
      },
    },
    // No enums: an outcome added on the server must not make an older device refuse the document.
    outcome: { type: 'string', maxLength: 24 },
    resolvedHow: { type: 'string', maxLength: 24 },
    releasedAmount: money,
    refundedAmount: money,
    resolutionReason: text,
    openedAt: TIME,
    resolvedAt: TIME,
    createdAt: TIME,
    updatedAt: TIME,
    version: int,
  },
  required: [
    'id', 'bookingId', 'milestoneId', 'clientId', 'workerId', 'openedBy', 'openedById', 'reason', 'amount', 'refundAmount',
    'status', 'respondBy', 'evidence', 'openedAt', 'createdAt', 'updatedAt', 'version',
  ],
  // The booking page shows a booking's disputes, oldest first.
  indexes: [['bookingId', 'openedAt']],
} as const satisfies CollectionSchema<StoredDocTypes['disputes']>;

export const RXDB_SCHEMAS = {
  gigs: gigSchema,
  bookings: bookingSchema,
  messages: messageSchema,
  profiles: profileSchema,
  commands: commandSchema,
  milestones: milestoneSchema,
  disputes: disputeSchema,
} as const satisfies { [C in CollectionName]: CollectionSchema<StoredDocTypes[C]> };
