// The replication contract between devices and the sync server: the replicated collections, the shape
// of each document as a device stores it, the checkpoint, and the GraphQL schema both sides speak.
import type { BookingState } from './booking-machine';
import type { GigState } from './gig-machine';
import type { LatLng } from './geo';
import type { Locale } from './locales';
import type { DisputeOutcome, MilestoneState, ResolvedHow } from './milestone-machine';
import type { Money } from './money';
import type { RejectionCode } from './rejections';
import type { Role } from './roles';
import type { SkillLevels } from './skills';

/** Collections a device replicates (RxDB's free tier allows at most 13 open collections). */
export const COLLECTIONS = ['gigs', 'bookings', 'messages', 'profiles', 'commands', 'milestones', 'disputes'] as const;
export type CollectionName = (typeof COLLECTIONS)[number];

/** Devices push only commands; every other collection is authoritative and pull-only. */
export const PUSHABLE: readonly CollectionName[] = ['commands'];

/**
 * Where a device is in a collection's change stream. `xid` is the Postgres transaction id that last wrote
 * a document (as text) and `id` breaks ties, so `(xid, id)` orders every change. `scope` is the server's
 * fingerprint of what this user may see; when it no longer matches, the server starts the collection over
 * and tells the device to drop what left its scope. Devices treat the checkpoint as opaque.
 */
export interface Checkpoint {
  xid: string;
  id: string;
  scope?: string | null;
}

interface Replicated {
  id: string;
  updatedAt: string;
  deleted: boolean;
}

export interface GigDoc extends Replicated {
  clientId: string;
  clientName: string;
  title: string;
  description: string;
  skills: SkillLevels;
  budget: Money;
  /** Exact for the client, the booked worker and admins; rounded to about a kilometre for anyone else. */
  location: LatLng;
  exactLocation: boolean;
  /** Empty unless the reader is the client, the booked worker or an admin. */
  address: string;
  areaLabel: string;
  startsAt: string | null;
  expiresAt: string | null;
  status: GigState;
  bookingId: string | null;
  workerId: string | null;
  cancelReason: string | null;
  createdAt: string;
  version: number;
}

export interface TimelineEntryDoc {
  at: string;
  event: string;
  status: BookingState;
  by: string;
  actorId: string | null;
  note?: string;
}

export interface BookingDoc extends Replicated {
  gigId: string | null;
  title: string;
  clientId: string;
  clientName: string;
  clientPhone: string;
  workerId: string;
  workerName: string;
  workerPhone: string;
  price: Money;
  status: BookingState;
  changeRounds: number;
  timeline: TimelineEntryDoc[];
  createdAt: string;
  version: number;
}

export interface MilestoneTimelineEntryDoc {
  at: string;
  event: string;
  status: MilestoneState;
  by: string;
  actorId: string | null;
  note?: string;
}

/**
 * One part of a booking's price and where its money is (escrow). Amounts are the ledger's, kept beside the
 * state: released (gross, fee included) + refunded = amount once settled.
 */
export interface MilestoneDoc extends Replicated {
  bookingId: string;
  clientId: string;
  workerId: string;
  position: number;
  description: string;
  amount: Money;
  /** The fee rate agreed with the milestone (basis points): the fee shown before paying is the fee taken. */
  feeBps: number;
  /** What the platform keeps and the worker receives if the whole amount is released (splitFee in shared/src/money.ts). */
  fee: Money;
  net: Money;
  dueAt: string | null;
  status: MilestoneState;
  changeRounds: number;
  paymentExpiresAt: string | null;
  /** The checkout the client was sent to while payment is pending; null for anyone else. */
  checkoutUrl: string | null;
  fundedAt: string | null;
  submittedAt: string | null;
  autoApproveAt: string | null;
  settledAt: string | null;
  releasedAmount: Money;
  refundedAmount: Money;
  /** The fee taken on what was released. */
  feeAmount: Money;
  /** When the worker's share left for their payout account; null for the client. */
  transferredAt: string | null;
  timeline: MilestoneTimelineEntryDoc[];
  createdAt: string;
  version: number;
}

export const DISPUTE_STATUSES = ['open', 'resolved'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];

/** A file cited as evidence: its description only (the bytes are at GET /disputes/attachments/:id). */
export interface DisputeAttachmentDoc {
  id: string;
  name: string;
  contentType: string;
  size: number;
}

export interface DisputeEvidenceDoc {
  id: string;
  by: 'client' | 'worker' | 'admin';
  actorId: string;
  text: string;
  /** Messages of the booking's chat the evidence points to. */
  messageIds: string[];
  attachments: DisputeAttachmentDoc[];
  at: string;
}

/** Who opened a dispute, over what and why: the same on the replicated document and the server's reports. */
export interface DisputeOpening {
  bookingId: string;
  milestoneId: string;
  clientId: string;
  workerId: string;
  openedBy: 'client' | 'worker';
  openedById: string;
  reason: string;
}

/** A dispute over one milestone's held money, as its parties (and mediators) see it. */
export interface DisputeDoc extends Replicated, DisputeOpening {
  /** The milestone's amount when the dispute was opened. */
  amount: Money;
  /** The claim: how much of it should go back to the client. */
  refundAmount: Money;
  status: DisputeStatus;
  /** The other side's time to answer; silence until then lets the claim apply. */
  respondBy: string;
  respondedAt: string | null;
  evidence: DisputeEvidenceDoc[];
  outcome: DisputeOutcome | null;
  resolvedHow: ResolvedHow | null;
  releasedAmount: Money | null;
  refundedAmount: Money | null;
  /** A mediator's written reason for the decision. */
  resolutionReason: string | null;
  openedAt: string;
  resolvedAt: string | null;
  createdAt: string;
  version: number;
}

export interface MessageDoc extends Replicated {
  bookingId: string;
  senderId: string;
  body: string;
  createdAt: string;
}

export interface ProfileDoc extends Replicated {
  phone: string;
  displayName: string;
  roles: Role[];
  locale: Locale;
  bio: string;
  skills: SkillLevels;
  home: LatLng | null;
  serviceRadiusKm: number | null;
  available: boolean;
  hourlyRate: Money | null;
}

export type CommandDocStatus = 'pending' | 'applied' | 'rejected';

export interface CommandDoc extends Replicated {
  type: string;
  /** The command's payload as JSON text, exactly as issued. */
  payload: string;
  issuedAt: string;
  status: CommandDocStatus;
  /** JSON text of the result when applied. */
  result: string | null;
  rejectionCode: RejectionCode | null;
  rejectionMessage: string | null;
  decidedAt: string | null;
}

export interface DocTypes {
  gigs: GigDoc;
  bookings: BookingDoc;
  messages: MessageDoc;
  profiles: ProfileDoc;
  commands: CommandDoc;
  milestones: MilestoneDoc;
  disputes: DisputeDoc;
}

export interface PullBulk<T> {
  documents: T[];
  checkpoint: Checkpoint | null;
}

/** GraphQL field selections per collection: what a pull or stream asks for, and what the server sends. */
export const FIELDS: { readonly [C in CollectionName]: string } = {
  gigs: `id clientId clientName title description skills budget { amount currency } location { lat lng } exactLocation
    address areaLabel startsAt expiresAt status bookingId workerId cancelReason createdAt updatedAt version deleted`,
  bookings: `id gigId title clientId clientName clientPhone workerId workerName workerPhone price { amount currency }
    status changeRounds timeline createdAt updatedAt version deleted`,
  messages: `id bookingId senderId body createdAt updatedAt deleted`,
  profiles: `id phone displayName roles locale bio skills home { lat lng } serviceRadiusKm available
    hourlyRate { amount currency } updatedAt deleted`,
  commands: `id type payload issuedAt status result rejectionCode rejectionMessage decidedAt updatedAt deleted`,
  milestones: `id bookingId clientId workerId position description amount { amount currency } feeBps fee { amount currency }
    net { amount currency } dueAt status changeRounds paymentExpiresAt checkoutUrl fundedAt submittedAt autoApproveAt settledAt
    releasedAmount { amount currency } refundedAmount { amount currency } feeAmount { amount currency } transferredAt timeline
    createdAt updatedAt version deleted`,
  disputes: `id bookingId milestoneId clientId workerId openedBy openedById reason amount { amount currency }
    refundAmount { amount currency } status respondBy respondedAt evidence outcome resolvedHow releasedAmount { amount currency }
    refundedAmount { amount currency } resolutionReason openedAt resolvedAt createdAt updatedAt version deleted`,
};

const typeName = (c: CollectionName) =>
  ({ gigs: 'Gig', bookings: 'Booking', messages: 'Message', profiles: 'Profile', commands: 'Command', milestones: 'Milestone', disputes: 'Dispute' })[c];
export const pullField = (c: CollectionName) => `pull${typeName(c)}s`;
export const streamField = (c: CollectionName) => `stream${typeName(c)}s`;
export const pushField = (c: CollectionName) => `push${typeName(c)}s`;

/**
 * The schema, published at GET /graphql/schema.graphql. Amounts are `SafeInt` (integers up to 2^53, as
 * JSON numbers); `JSON` carries small structured values (skills, timelines). A refusal is never a GraphQL
 * error: a rejected command comes back as a Command document with status "rejected".
 */
export const SCHEMA_SDL = /* GraphQL */ `
"An integer in the JavaScript safe range (|n| < 2^53); money amounts are minor units."
scalar SafeInt
"Any JSON value."
scalar JSON

type Money { amount: SafeInt! currency: String! }
type LatLng { lat: Float! lng: Float! }

input CheckpointInput { xid: String! id: String! scope: String }
type Checkpoint { xid: String! id: String! scope: String }

"Headers for the stream: the access token, as the HTTP API takes it."
input Headers { Authorization: String }

type Gig {
  id: ID! clientId: ID! clientName: String! title: String! description: String! skills: JSON! budget: Money!
  location: LatLng! exactLocation: Boolean! address: String! areaLabel: String! startsAt: String expiresAt: String
  status: String! bookingId: ID workerId: ID cancelReason: String createdAt: String! updatedAt: String! version: Int!
  deleted: Boolean!
}
type Booking {
  id: ID! gigId: ID title: String! clientId: ID! clientName: String! clientPhone: String! workerId: ID!
  workerName: String! workerPhone: String! price: Money! status: String! changeRounds: Int! timeline: JSON!
  createdAt: String! updatedAt: String! version: Int! deleted: Boolean!
}
type Message { id: ID! bookingId: ID! senderId: ID! body: String! createdAt: String! updatedAt: String! deleted: Boolean! }
type Profile {
  id: ID! phone: String! displayName: String! roles: [String!]! locale: String! bio: String! skills: JSON!
  home: LatLng serviceRadiusKm: Float available: Boolean! hourlyRate: Money updatedAt: String! deleted: Boolean!
}
type Command {
  id: ID! type: String! payload: String! issuedAt: String! status: String! result: String rejectionCode: String
  rejectionMessage: String decidedAt: String updatedAt: String! deleted: Boolean!
}
type Milestone {
  id: ID! bookingId: ID! clientId: ID! workerId: ID! position: Int! description: String! amount: Money! feeBps: Int!
  fee: Money! net: Money! dueAt: String status: String! changeRounds: Int! paymentExpiresAt: String checkoutUrl: String
  fundedAt: String submittedAt: String autoApproveAt: String settledAt: String releasedAmount: Money! refundedAmount: Money!
  feeAmount: Money! transferredAt: String timeline: JSON! createdAt: String! updatedAt: String! version: Int! deleted: Boolean!
}
type Dispute {
  id: ID! bookingId: ID! milestoneId: ID! clientId: ID! workerId: ID! openedBy: String! openedById: ID! reason: String!
  amount: Money! refundAmount: Money! status: String! respondBy: String! respondedAt: String evidence: JSON! outcome: String
  resolvedHow: String releasedAmount: Money refundedAmount: Money resolutionReason: String openedAt: String! resolvedAt: String
  createdAt: String! updatedAt: String! version: Int! deleted: Boolean!
}

type GigPullBulk { documents: [Gig!]! checkpoint: Checkpoint }
type BookingPullBulk { documents: [Booking!]! checkpoint: Checkpoint }
type MessagePullBulk { documents: [Message!]! checkpoint: Checkpoint }
type ProfilePullBulk { documents: [Profile!]! checkpoint: Checkpoint }
type CommandPullBulk { documents: [Command!]! checkpoint: Checkpoint }
type MilestonePullBulk { documents: [Milestone!]! checkpoint: Checkpoint }
type DisputePullBulk { documents: [Dispute!]! checkpoint: Checkpoint }

"A command as the device holds it; only id, type, payload and issuedAt are read."
input CommandInput {
  id: ID! type: String! payload: String! issuedAt: String! status: String result: String rejectionCode: String
  rejectionMessage: String decidedAt: String updatedAt: String deleted: Boolean
}
input CommandPushRow { assumedMasterState: CommandInput newDocumentState: CommandInput! }
"Authoritative collections take no writes; a push is answered with the master copies as conflicts."
input DocumentPushRow { assumedMasterState: JSON newDocumentState: JSON! }

type Query {
  pullGigs(checkpoint: CheckpointInput, limit: Int!): GigPullBulk!
  pullBookings(checkpoint: CheckpointInput, limit: Int!): BookingPullBulk!
  pullMessages(checkpoint: CheckpointInput, limit: Int!): MessagePullBulk!
  pullProfiles(checkpoint: CheckpointInput, limit: Int!): ProfilePullBulk!
  pullCommands(checkpoint: CheckpointInput, limit: Int!): CommandPullBulk!
  pullMilestones(checkpoint: CheckpointInput, limit: Int!): MilestonePullBulk!
  pullDisputes(checkpoint: CheckpointInput, limit: Int!): DisputePullBulk!
}

type Mutation {
  "Applies each command exactly once and returns its decided document (applied or rejected) as the master state."
  pushCommands(rows: [CommandPushRow!]!): [Command!]!
  pushGigs(rows: [DocumentPushRow!]!): [Gig!]!
  pushBookings(rows: [DocumentPushRow!]!): [Booking!]!
  pushMessages(rows: [DocumentPushRow!]!): [Message!]!
  pushProfiles(rows: [DocumentPushRow!]!): [Profile!]!
  pushMilestones(rows: [DocumentPushRow!]!): [Milestone!]!
  pushDisputes(rows: [DocumentPushRow!]!): [Dispute!]!
}

type Subscription {
  streamGigs(headers: Headers): GigPullBulk!
  streamBookings(headers: Headers): BookingPullBulk!
  streamMessages(headers: Headers): MessagePullBulk!
  streamProfiles(headers: Headers): ProfilePullBulk!
  streamCommands(headers: Headers): CommandPullBulk!
  streamMilestones(headers: Headers): MilestonePullBulk!
  streamDisputes(headers: Headers): DisputePullBulk!
}
`;

/** Largest page a pull may ask for; devices must set pull.batchSize at or below it. */
export const MAX_PULL_LIMIT = 500;
/** Largest number of commands one push may carry. */
export const MAX_PUSH_ROWS = 100;

/**
 * A stream event that asks the device to pull instead of carrying documents: sent when the user's scope
 * changed (new role, new service area) so that what left the scope can be dropped.
 */
export const RESYNC_CHECKPOINT_ID = '__resync__';

/**
 * The device's clock (milliseconds since the epoch) when it sent a request, on every sync request: the server
 * corrects the commands' issuedAt by the difference to its own clock before dating what they record (a chat
 * message, starting work), so that a phone whose clock is wrong still dates them right. See actedAt.
 */
export const DEVICE_TIME_HEADER = 'x-device-time';
