// Disputes, their evidence and attachments, and the admins' audit log (migration 007).
import type { DisputeOutcome, ResolvedHow } from '@shared/milestone-machine';
import type { AttachmentMeta, AuditEntry, DisputeContext, DisputeRow, Evidence, QueueEntry } from '@shared/money-api';
import type { Db } from '../db/sql';

const COLUMNS = `id, booking_id, milestone_id, client_id, worker_id, opened_by, opened_by_id, reason, refund_amount, amount, currency,
  status, respond_by, responded_at, evidence, outcome, resolved_how, resolved_by_id, released_amount, refunded_amount,
  resolution_reason, opened_at, resolved_at, version`;

export async function getDispute(db: Db, id: string): Promise<DisputeRow | undefined> {
  const [row] = await db.unsafe<DisputeRow[]>(`select ${COLUMNS} from disputes where id = $1 and not deleted`, [id], { prepare: true });
  return row;
}

/** The milestone's dispute still open, if any (a milestone has at most one at a time), locked as lockDispute does. */
export async function lockOpenDisputeOf(db: Db, milestoneId: string): Promise<DisputeRow | undefined> {
  const [row] = await db.unsafe<DisputeRow[]>(
    `select ${COLUMNS} from disputes where milestone_id = $1 and status = 'open' and not deleted for update`, [milestoneId], { prepare: true },
  );
  return row;
}

/** Locks the dispute. Settlement takes it after the booking and its milestones, as every money step does. */
export async function lockDispute(db: Db, id: string): Promise<DisputeRow | undefined> {
  const [row] = await db.unsafe<DisputeRow[]>(`select ${COLUMNS} from disputes where id = $1 and not deleted for update`, [id], { prepare: true });
  return row;
}

/** The milestone a dispute is about (it never changes), to lock the booking and milestones before the dispute. */
export async function milestoneOfDispute(db: Db, id: string): Promise<string | undefined> {
  const [row] = await db<{ milestoneId: string }[]>`select milestone_id from disputes where id = ${id} and not deleted`;
  return row?.milestoneId;
}

export async function disputeExists(db: Db, id: string): Promise<boolean> {
  const [row] = await db`select 1 from disputes where id = ${id}`;
  return row !== undefined;
}

export type NewDispute = Pick<
  DisputeRow,
  'id' | 'bookingId' | 'milestoneId' | 'clientId' | 'workerId' | 'openedBy' | 'openedById' | 'reason' | 'refundAmount' | 'amount' | 'currency' | 'respondBy' | 'openedAt'
>;

/** A second open dispute on the milestone fails on disputes_one_open; callers check the milestone's state first. */
export function insertDispute(db: Db, d: NewDispute) {
  return db`insert into disputes ${db({ ...d, status: 'open' })}`;
}

/** Appends evidence; `responded` marks the other side's first answer, which ends the silence the default needs. */
export function appendEvidence(db: Db, id: string, evidence: Evidence, responded: Date | null) {
  return db`
    update disputes
    set evidence = evidence || ${db.json([evidence] as never)},
        responded_at = coalesce(responded_at, ${responded}::timestamptz)
    where id = ${id}`;
}

export interface Resolution {
  outcome: DisputeOutcome;
  resolvedHow: ResolvedHow;
  resolvedById: string | null;
  releasedAmount: number;
  refundedAmount: number;
  resolutionReason: string | null;
  resolvedAt: Date;
}

export function resolveDispute(db: Db, id: string, r: Resolution) {
  return db`update disputes set ${db({ ...r, status: 'resolved' } as Record<string, unknown>)} where id = ${id} and status = 'open'`;
}

/** Of `ids`, the messages in the chat of the dispute's booking. */
export async function messagesOfDispute(db: Db, disputeId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db<{ id: string }[]>`
    select m.id from messages m join disputes d on d.booking_id = m.booking_id
    where d.id = ${disputeId} and m.id = any(${ids as string[]}::uuid[]) and not m.deleted`;
  return rows.map((r) => r.id);
}

/** Of `ids`, the attachments of the dispute that `uploadedBy` uploaded. */
export async function attachmentsBy(db: Db, disputeId: string, uploadedBy: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db<{ id: string }[]>`
    select id from dispute_attachments where id = any(${ids as string[]}::uuid[]) and dispute_id = ${disputeId} and uploaded_by = ${uploadedBy}`;
  return rows.map((r) => r.id);
}

export interface NewAttachment extends Omit<AttachmentMeta, 'createdAt'> {
  bytes: Uint8Array;
}

export function insertAttachment(db: Db, a: NewAttachment) {
  return db`insert into dispute_attachments ${db(a as unknown as Record<string, unknown>)}`;
}

export async function countAttachments(db: Db, disputeId: string, uploadedBy: string): Promise<number> {
  const [row] = await db<{ n: number }[]>`select count(*)::int8 as n from dispute_attachments where dispute_id = ${disputeId} and uploaded_by = ${uploadedBy}`;
  return row!.n;
}

export async function listAttachments(db: Db, disputeId: string): Promise<AttachmentMeta[]> {
  return db<AttachmentMeta[]>`
    select id, dispute_id, uploaded_by, name, content_type, size, sha256, created_at
    from dispute_attachments where dispute_id = ${disputeId} order by created_at, id`;
}

/** An attachment with its bytes and the parties of its dispute, who with admins may read it. */
export async function getAttachment(db: Db, id: string): Promise<(AttachmentMeta & { bytes: Uint8Array; clientId: string; workerId: string }) | undefined> {
  const [row] = await db<(AttachmentMeta & { bytes: Uint8Array; clientId: string; workerId: string })[]>`
    select a.id, a.dispute_id, a.uploaded_by, a.name, a.content_type, a.size, a.sha256, a.created_at, a.bytes, d.client_id, d.worker_id
    from dispute_attachments a join disputes d on d.id = a.dispute_id
    where a.id = ${id} and not d.deleted`;
  return row;
}

/** Open disputes, oldest first; `after` continues from a dispute of the previous page. */
export async function disputeQueue(db: Db, limit: number, after?: string): Promise<QueueEntry[]> {
  return db<QueueEntry[]>`
    select d.id, d.booking_id, coalesce(g.title, '') as booking_title, d.client_id, cu.display_name as client_name,
           d.worker_id, wu.display_name as worker_name, d.opened_by, d.reason, d.milestone_id, m.description as milestone_description,
           d.amount, d.currency, d.refund_amount, d.opened_at, d.respond_by, d.responded_at,
           jsonb_array_length(d.evidence) as evidence_count
    from disputes d
    join bookings b on b.id = d.booking_id
    left join gigs g on g.id = b.gig_id
    join milestones m on m.id = d.milestone_id
    join users cu on cu.id = d.client_id
    join users wu on wu.id = d.worker_id
    where d.status = 'open' and not d.deleted
      ${after ? db`and (d.opened_at, d.id) > (select opened_at, id from disputes where id = ${after})` : db``}
    order by d.opened_at, d.id
    limit ${limit}`;
}

/** Chats are short, but a page has a bound: the most recent messages, oldest first. */
const CONTEXT_MESSAGES = 500;

export async function disputeContext(db: Db, d: Pick<DisputeRow, 'bookingId' | 'milestoneId'>): Promise<DisputeContext> {
  const [[booking], [milestone], messages] = await Promise.all([
    db<DisputeContext['booking'][]>`
      select b.id, coalesce(g.title, '') as title, b.status, cu.display_name as client_name, wu.display_name as worker_name
      from bookings b left join gigs g on g.id = b.gig_id
      join users cu on cu.id = b.client_id join users wu on wu.id = b.worker_id
      where b.id = ${d.bookingId}`,
    db<DisputeContext['milestone'][]>`select id, description, amount, currency, fee_bps, status, timeline from milestones where id = ${d.milestoneId}`,
    db<DisputeContext['messages']>`
      select * from (
        select id, sender_id, body, created_at from messages where booking_id = ${d.bookingId} and not deleted
        order by created_at desc, id desc limit ${CONTEXT_MESSAGES}
      ) recent order by created_at, id`,
  ]);
  return { booking: booking!, milestone: milestone!, messages };
}

/** Appends to the audit log (append-only: the table refuses updates and deletes). */
export function insertAudit(db: Db, e: Pick<AuditEntry, 'adminId' | 'action' | 'subjectType' | 'subjectId' | 'reason' | 'details'>) {
  return db`
    insert into admin_audit (admin_id, action, subject_type, subject_id, reason, details)
    values (${e.adminId}, ${e.action}, ${e.subjectType}, ${e.subjectId}, ${e.reason}, ${db.json(e.details as never)})`;
}

/**
 * Newest first; `before` continues below an entry of the previous page. Each entry names what it is about as
 * people know it: a person by their name (and phone number, which tells two of one name apart), a booking or a
 * dispute by the gig's title; null when it has none (a kind of subject this list does not know).
 */
export async function auditLog(db: Db, limit: number, before?: number): Promise<AuditEntry[]> {
  return db<AuditEntry[]>`
    select a.id, a.at, a.admin_id, u.display_name as admin_name, a.action, a.subject_type, a.subject_id, a.reason, a.details,
           case a.subject_type
             when 'user' then (select coalesce(nullif(s.display_name, ''), s.phone) || ' (' || s.phone || ')' from users s where s.id = x.id)
             when 'booking' then (select g.title from bookings b join gigs g on g.id = b.gig_id where b.id = x.id)
             when 'dispute' then (select g.title from disputes d join bookings b on b.id = d.booking_id join gigs g on g.id = b.gig_id where d.id = x.id)
           end as subject_name
    from admin_audit a join users u on u.id = a.admin_id
    -- The subject's id as a uuid, so that each lookup is by primary key (subject_id is text: other kinds may not be uuids).
    cross join lateral (select case when a.subject_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then a.subject_id::uuid end as id) x
    ${before !== undefined ? db`where a.id < ${before}` : db``}
    order by a.id desc
    limit ${limit}`;
}
