// /disputes: evidence attachments, what the mediator screen shows, the mediators' queue and the audit log.
// Decisions themselves are commands (dispute.*), applied through POST /commands like every other write.
//
// POST /disputes/:id/attachments           a file as the raw body (Content-Type, ?name=), by a party of an
//                                          open dispute or an admin; cited afterwards by dispute.add_evidence
// GET  /disputes/attachments/:attachmentId the file, always as a download: to its uploader and admins, and
//                                          to the other party once evidence cites it
// GET  /disputes/queue                     admins: open disputes, oldest first (?limit=&after=<disputeId>)
// GET  /disputes/audit                     admins: the audit log, newest first (?limit=&before=<entryId>)
// GET  /disputes/:id                       parties and admins: the dispute, the milestone's timeline, the
//                                          booking's chat, each side's evidence, and the files the viewer
//                                          may download
import { createHash } from 'node:crypto';
import { Hono, type Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { v7 as uuidv7 } from 'uuid';
import { z } from 'zod';
import { uuid } from '@shared/commands';
import type { Deps } from '../deps';
import { requireActor, type AuthEnv } from '../auth/middleware';
import { HttpError } from '../errors';
import { transaction } from '../db/tx';
import { hasRole, type Actor } from '@shared/roles';
import {
  auditLog, countAttachments, disputeContext, disputeQueue, getAttachment, getDispute, insertAttachment, listAttachments, lockDispute,
} from '../store/disputes';
import { isAttachmentType, MAX_ATTACHMENT_BYTES, type AttachmentMeta, type AttachmentType, type AuditLog, type DisputeDetail, type DisputeQueue, type DisputeRow, type EvidenceBy } from '@shared/money-api';

// What evidence files may be, shared with the app (which refuses the rest before uploading).
export { MAX_ATTACHMENT_BYTES, ATTACHMENT_TYPES } from '@shared/money-api';
/** Files per person and dispute: the bytes live in Postgres, so one party cannot fill it. */
export const MAX_ATTACHMENTS_PER_PERSON = 30;

/** Uploads carry their own body limit; app.ts leaves them out of the global one. */
export const isAttachmentUpload = (method: string, path: string) => method === 'POST' && /^\/disputes\/[^/]+\/attachments$/.test(path);

const starts = (b: Uint8Array, bytes: readonly number[], at = 0) => bytes.every((x, i) => b[at + i] === x);
const ascii = (s: string) => [...s].map((ch) => ch.charCodeAt(0));
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The content must be what the Content-Type says: a forged type cannot smuggle, say, HTML in as a picture. */
const LOOKS_LIKE: Record<AttachmentType, (b: Uint8Array) => boolean> = {
  'image/jpeg': (b) => starts(b, [0xff, 0xd8, 0xff]),
  'image/png': (b) => starts(b, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  'image/webp': (b) => starts(b, ascii('RIFF')) && starts(b, ascii('WEBP'), 8),
  'application/pdf': (b) => starts(b, ascii('%PDF-')),
  'text/plain': (b) => {
    try {
      return !utf8.decode(b).includes('\0');
    } catch {
      return false;
    }
  },
};


/** A file name as the user gave it, without any folder part, control or format characters. */
function fileName(raw: string | undefined): string | null {
  if (raw === undefined) return null;
  // Control characters go (C0, DEL, C1), and so do invisible format characters and line separators, among
  // them the marks that reorder text: "invoice\u202Efdp.exe" would show as "invoiceexe.pdf" wherever the
  // name is displayed.
  const name = (raw.split(/[\\/]/).pop() ?? '').replace(/[\p{Cc}\p{Cf}\u2028\u2029]/gu, '').trim();
  return name.length >= 1 && name.length <= 200 ? name : null;
}

/** The extensions a file of each type may have; another is replaced by the first, so that a name never says another type. */
const EXTENSIONS: Record<AttachmentType, readonly string[]> = {
  'image/jpeg': ['jpg', 'jpeg'],
  'image/png': ['png'],
  'image/webp': ['webp'],
  'application/pdf': ['pdf'],
  'text/plain': ['txt'],
};

/**
 * The name a file is kept and downloaded under: ending as its type does. Opened from a downloads folder, a file
 * runs as its extension says, so text named "evidence.html" would open as a web page, script and all.
 */
export function nameForType(name: string, type: AttachmentType): string {
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  if (EXTENSIONS[type].includes(ext)) return name;
  return `${name.slice(0, 195)}.${EXTENSIONS[type][0]}`;
}

/** RFC 6266: an ASCII fallback and the exact name in RFC 5987 encoding. */
function contentDisposition(name: string): string {
  const fallback = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const exact = encodeURIComponent(name).replace(/['()*]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase()}`);
  return `attachment; filename="${fallback}"; filename*=UTF-8''${exact}`;
}

const idParam = (raw: string | undefined, what: string): string => {
  const id = uuid.safeParse(raw);
  if (!id.success) throw new HttpError('invalid_request', `${what} must be a UUID.`);
  return id.data;
};

const limit = z.coerce.number().int().min(1).max(200).default(50);
const queueQuery = z.object({ limit, after: uuid.optional() });
const auditQuery = z.object({ limit, before: z.coerce.number().int().positive().optional() });

function parseQuery<S extends z.ZodType>(c: Context, schema: S, hint: string): z.output<S> {
  const q = schema.safeParse(c.req.query());
  if (!q.success) throw new HttpError('invalid_request', hint, q.error.issues);
  return q.data;
}

const isParty = (d: Pick<DisputeRow, 'clientId' | 'workerId'>, userId: string) => d.clientId === userId || d.workerId === userId;

/** The attachments some evidence of the dispute cites. */
const citedIn = (d: Pick<DisputeRow, 'evidence'> | undefined) => new Set(d?.evidence.flatMap((e) => e.attachmentIds) ?? []);

/**
 * An upload no evidence cites is its uploader's draft, as the pull treats it: the other party sees it once
 * it is cited. A mediator, who is no party, sees every file.
 */
const isOthersDraft = (d: Pick<DisputeRow, 'clientId' | 'workerId'>, userId: string, a: Pick<AttachmentMeta, 'id' | 'uploadedBy'>, cited: ReadonlySet<string>) =>
  isParty(d, userId) && a.uploadedBy !== userId && !cited.has(a.id);

/** Routes match only id-shaped segments, so any other path under /disputes is a plain 404, signed in or not. */
const ID = '{[0-9a-fA-F-]{36}}';

export function disputeRoutes(deps: Deps) {
  const auth = requireActor(deps);

  // The actor's roles are as they are now, not as the access token remembers them (requireActor reads them).
  const requireAdmin = (actor: Actor) => {
    if (!hasRole(actor, 'admin')) throw new HttpError('forbidden', 'Only admins can see this.');
  };
  /** Someone with no part in a dispute is not told it exists. */
  const mayAccess = (d: Pick<DisputeRow, 'clientId' | 'workerId'> | undefined, actor: Actor): boolean =>
    d !== undefined && (isParty(d, actor.id) || hasRole(actor, 'admin'));

  const uploadLimit = bodyLimit({
    maxSize: MAX_ATTACHMENT_BYTES,
    onError: () => {
      throw new HttpError('payload_too_large', `Attachments are limited to ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MiB.`);
    },
  });

  return new Hono<AuthEnv>()
    .get('/queue', auth, async (c) => {
      requireAdmin(c.get('actor'));
      const q = parseQuery(c, queueQuery, 'Use ?limit= (1 to 200) and ?after=<dispute id>.');
      const rows = await disputeQueue(deps.sql, q.limit, q.after);
      return c.json({
        disputes: rows.map((r) => ({
          id: r.id,
          bookingId: r.bookingId,
          bookingTitle: r.bookingTitle,
          client: { id: r.clientId, name: r.clientName },
          worker: { id: r.workerId, name: r.workerName },
          openedBy: r.openedBy,
          reason: r.reason,
          milestone: { id: r.milestoneId, description: r.milestoneDescription, amount: r.amount, currency: r.currency },
          claim: { refundAmount: r.refundAmount },
          openedAt: r.openedAt,
          respondBy: r.respondBy,
          responded: r.respondedAt !== null,
          respondedAt: r.respondedAt,
          evidenceCount: r.evidenceCount,
        })),
        next: rows.length === q.limit ? rows.at(-1)!.id : null,
      } satisfies DisputeQueue);
    })
    .get('/audit', auth, async (c) => {
      requireAdmin(c.get('actor'));
      const q = parseQuery(c, auditQuery, 'Use ?limit= (1 to 200) and ?before=<entry id>.');
      const entries = await auditLog(deps.sql, q.limit, q.before);
      return c.json({ entries, next: entries.length === q.limit ? entries.at(-1)!.id : null } satisfies AuditLog);
    })
    .get(`/attachments/:attachmentId${ID}`, auth, async (c) => {
      const id = idParam(c.req.param('attachmentId'), 'The attachment id');
      const userId = c.get('actor').id;
      const a = await getAttachment(deps.sql, id);
      if (!a || !mayAccess(a, c.get('actor'))) throw new HttpError('not_found', 'No such attachment.');
      // What evidence cites is read only when it matters: for a party, about the other party's file.
      const cited = isParty(a, userId) && a.uploadedBy !== userId ? citedIn(await getDispute(deps.sql, a.disputeId)) : new Set<string>();
      if (isOthersDraft(a, userId, a, cited)) throw new HttpError('not_found', 'No such attachment.');
      return c.body(new Uint8Array(a.bytes), 200, {
        'Content-Type': a.contentType === 'text/plain' ? 'text/plain; charset=utf-8' : a.contentType,
        // Files kept before names followed their type get the right ending here too.
        'Content-Disposition': contentDisposition(isAttachmentType(a.contentType) ? nameForType(a.name, a.contentType) : a.name),
        'X-Content-Type-Options': 'nosniff',
        // Evidence is private: no shared cache keeps it, and the device keeps it only while it is open.
        'Cache-Control': 'private, no-store',
      });
    })
    .get(`/:id${ID}`, auth, async (c) => {
      const id = idParam(c.req.param('id'), 'The dispute id');
      const userId = c.get('actor').id;
      const d = await getDispute(deps.sql, id);
      if (!d || !mayAccess(d, c.get('actor'))) throw new HttpError('not_found', 'No such dispute.');
      const [context, all] = await Promise.all([disputeContext(deps.sql, d), listAttachments(deps.sql, d.id)]);
      const cited = citedIn(d);
      const attachments = all.filter((a) => !isOthersDraft(d, userId, a, cited));
      const { evidence, ...dispute } = d;
      // Side by side: each side's evidence in the order it was given.
      const bySide: Record<EvidenceBy, typeof evidence> = { client: [], worker: [], admin: [] };
      for (const e of evidence) bySide[e.by].push(e);
      return c.json({ ...context, dispute, evidence: bySide, attachments: attachments.map(({ disputeId: _, ...a }) => a) } satisfies DisputeDetail);
    })
    .post(`/:id${ID}/attachments`, auth, uploadLimit, async (c) => {
      const id = idParam(c.req.param('id'), 'The dispute id');
      const actor = c.get('actor');
      const contentType = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!isAttachmentType(contentType))
        throw new HttpError('invalid_request', `Attach a picture (JPEG, PNG, WebP), a PDF or plain text; send its type as Content-Type (got "${contentType || 'none'}").`);
      const header = c.req.header('x-file-name');
      const given = fileName(c.req.query('name') ?? (header === undefined ? undefined : decodeHeader(header)));
      if (!given) throw new HttpError('invalid_request', 'Name the file with ?name= (1 to 200 characters).');
      const name = nameForType(given, contentType);
      // Who may upload is known before the body is read.
      const found = await getDispute(deps.sql, id);
      if (!found || !mayAccess(found, actor)) throw new HttpError('not_found', 'No such dispute.');
      if (found.status !== 'open') throw new HttpError('conflict', 'This dispute has been decided; it takes no more evidence.');

      const bytes = new Uint8Array(await c.req.arrayBuffer());
      if (bytes.length === 0) throw new HttpError('invalid_request', 'The file is empty.');
      if (bytes.length > MAX_ATTACHMENT_BYTES) throw new HttpError('payload_too_large', `Attachments are limited to ${MAX_ATTACHMENT_BYTES / 1024 / 1024} MiB.`);
      if (!LOOKS_LIKE[contentType](bytes)) throw new HttpError('invalid_request', `The file's contents are not ${contentType}.`);

      const attachment = {
        id: uuidv7(), disputeId: id, uploadedBy: actor.id, name, contentType, size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      };
      await transaction(deps.sql, async (tx) => {
        // Under the dispute's lock: a decision taken meanwhile closes it to new files, and the count holds.
        const d = await lockDispute(tx, id);
        if (d?.status !== 'open') throw new HttpError('conflict', 'This dispute has been decided; it takes no more evidence.');
        if ((await countAttachments(tx, id, actor.id)) >= MAX_ATTACHMENTS_PER_PERSON)
          throw new HttpError('conflict', `You have attached ${MAX_ATTACHMENTS_PER_PERSON} files to this dispute, the most it takes from one person.`);
        await insertAttachment(tx, { ...attachment, bytes });
      });
      return c.json({ id: attachment.id, name, contentType, size: bytes.length }, 201);
    });
}

/** X-File-Name carries a percent-encoded UTF-8 name (header values are ASCII); a plain ASCII name passes as it is. */
function decodeHeader(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}
