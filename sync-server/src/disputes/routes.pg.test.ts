// /disputes through HTTP: evidence files in and out (who, what type, how big), the mediator's view of a
// dispute, the queue and the audit log, and the refusals that leave everything as it was.
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../../test/db';
import { createTestApp, json, type TestApp } from '../../test/app';
import { acceptedBooking, applied, createOperator, createUser, openSession, run, uuidv7 } from '../../test/fixtures';
import { signAccessToken } from '../auth/tokens';
import { MAX_ATTACHMENT_BYTES } from './routes';

let db: TestDb;
let t: TestApp;
let client: string;
let worker: string;
let admin: string;
let stranger: string;

beforeAll(async () => {
  db = await createTestDb();
  t = createTestApp(db.sql);
  client = await createUser(db.sql, ['consumer'], 'Cleo Client');
  worker = await createOperator(db.sql);
  admin = await createUser(db.sql, ['consumer', 'admin'], 'Ada Admin');
  stranger = await createUser(db.sql, ['consumer', 'operator'], 'Sam Stranger');
});
afterAll(() => db.drop());

async function bearer(userId: string, roles?: string[]) {
  const [u] = await db.sql<{ roles: string[] }[]>`select roles from users where id = ${userId}`;
  return `Bearer ${await signAccessToken(t.deps.secret, { id: userId, roles: roles ?? u!.roles, sessionId: await openSession(db.sql, userId) }, 900)}`;
}
const get = async (path: string, userId?: string) => t.app.request(path, { headers: userId ? { authorization: await bearer(userId) } : {} });

const PNG = Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const PDF = new TextEncoder().encode('%PDF-1.7\n%\u00e2\u00e3\n1 0 obj <<>> endobj\n');
/** A file of `size` bytes that starts like a PNG. */
const pngOf = (size: number) => {
  const b = new Uint8Array(size);
  b.set(PNG);
  return b;
};

async function upload(disputeId: string, userId: string | undefined, body: Uint8Array | string, opts: { type?: string; name?: string | null; headers?: Record<string, string> } = {}) {
  const name = opts.name === null ? '' : `?name=${encodeURIComponent(opts.name ?? 'photo.png')}`;
  return t.app.request(`/disputes/${disputeId}/attachments${name}`, {
    method: 'POST',
    headers: { ...(opts.type !== undefined ? { 'content-type': opts.type } : { 'content-type': 'image/png' }), ...(userId ? { authorization: await bearer(userId) } : {}), ...opts.headers },
    body,
  });
}
const stored = async (disputeId: string) => (await db.sql`select count(*)::int as n from dispute_attachments where dispute_id = ${disputeId}`)[0]!.n as number;

/** An open dispute by the client over a funded single-price booking, with a line of chat. */
async function openDispute() {
  const { bookingId } = await acceptedBooking(db.sql, client, worker, { funded: true });
  const [m] = await db.sql`select id from milestones where booking_id = ${bookingId}`;
  applied(await run(db.sql, client, 'message.send', { bookingId, messageId: uuidv7(), body: 'When are you coming?' }));
  const disputeId = uuidv7();
  applied(await run(db.sql, client, 'dispute.open', { disputeId, milestoneId: m!.id, reason: 'Nobody came', refundAmount: 8000 }));
  return { bookingId, milestoneId: m!.id as string, disputeId };
}

describe('attachments', () => {
  it('are taken from either side and admins, checked, hashed, and given back only to them as a download', async () => {
    const { disputeId } = await openDispute();
    const res = await upload(disputeId, client, PNG, { name: 'C:\\photos\\the tap.png' });
    expect(res.status).toBe(201);
    const body = await json(res);
    expect(body).toEqual({ id: expect.any(String), name: 'the tap.png', contentType: 'image/png', size: PNG.length });
    const [row] = await db.sql`select uploaded_by, sha256 from dispute_attachments where id = ${body.id}`;
    expect(row).toEqual({ uploadedBy: client, sha256: createHash('sha256').update(PNG).digest('hex') });

    expect((await upload(disputeId, worker, PDF, { type: 'application/pdf', name: 'invoice.pdf' })).status).toBe(201);
    expect((await upload(disputeId, admin, 'Called both.', { type: 'text/plain; charset=utf-8', name: 'note.txt' })).status).toBe(201);
    // The name may come as a header too (percent-encoded UTF-8).
    const viaHeader = await upload(disputeId, worker, PNG, { name: null, headers: { 'x-file-name': encodeURIComponent('café.png') } });
    expect((await json(viaHeader)).name).toBe('café.png');
    // Marks that reorder text would disguise the name ("invoice\u202Efdp.exe" shows as "invoiceexe.pdf").
    const disguised = await upload(disputeId, worker, PDF, { type: 'application/pdf', name: 'invoice\u202Efdp.exe\u2066\u200f\u0085\u200b\ufeff\u2028' });
    // …and a name that says another type than the file has ends as its type does: opened from a downloads folder,
    // text named .html would run as a web page.
    expect((await json(disguised)).name).toBe('invoicefdp.exe.pdf');
    const page = await upload(disputeId, worker, '<script>alert(1)</script>', { type: 'text/plain', name: 'evidence.html' });
    expect((await json(page)).name).toBe('evidence.html.txt');
    expect((await json(await upload(disputeId, worker, PNG, { name: 'IMG_1234.PNG' }))).name).toBe('IMG_1234.PNG');
    expect((await json(await upload(disputeId, worker, PNG, { name: 'no extension' }))).name).toBe('no extension.png');

    // Cited by evidence, the file is the worker's to see too (uncited files: see the next test).
    applied(await run(db.sql, client, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text: 'The tap', attachmentIds: [body.id] }));
    for (const who of [client, worker, admin]) {
      const got = await get(`/disputes/attachments/${body.id}`, who);
      expect(got.status).toBe(200);
      expect(new Uint8Array(await got.arrayBuffer())).toEqual(PNG);
      expect(got.headers.get('content-type')).toBe('image/png');
      expect(got.headers.get('content-disposition')).toBe(`attachment; filename="the tap.png"; filename*=UTF-8''the%20tap.png`);
      expect(got.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect((await get(`/disputes/attachments/${body.id}`, stranger)).status).toBe(404);
    expect((await get(`/disputes/attachments/${uuidv7()}`, client)).status).toBe(404);
    // A path that names nothing is a 404, like any unknown API path.
    expect((await get(`/disputes/attachments/not-an-id`, client)).status).toBe(404);
    expect((await get(`/disputes/attachments/${body.id}`)).status).toBe(401);
  });

  it('are their uploader’s drafts until evidence cites them: the other party neither sees nor downloads one, a mediator does', async () => {
    const { disputeId } = await openDispute();
    const draft = (await json(await upload(disputeId, client, PNG, { name: 'draft.png' }))).id as string;
    const workers = (await json(await upload(disputeId, worker, PDF, { type: 'application/pdf', name: 'invoice.pdf' }))).id as string;
    const listed = async (who: string) => ((await json(await get(`/disputes/${disputeId}`, who))).attachments as { id: string }[]).map((a) => a.id).sort();
    const download = async (id: string, who: string) => (await get(`/disputes/attachments/${id}`, who)).status;

    // Each party sees its own uploads only; the mediator sees both; nobody else gets a thing.
    expect(await listed(client)).toEqual([draft]);
    expect(await listed(worker)).toEqual([workers]);
    expect(await listed(admin)).toEqual([draft, workers].sort());
    expect([await download(draft, client), await download(draft, worker), await download(draft, admin), await download(draft, stranger)]).toEqual([200, 404, 200, 404]);
    expect([await download(workers, worker), await download(workers, client), await download(workers, admin)]).toEqual([200, 404, 200]);

    // Cited, the client's file is the worker's to see; the worker's own, still uncited, stays theirs.
    applied(await run(db.sql, client, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text: 'See the photo', attachmentIds: [draft] }));
    expect(await listed(worker)).toEqual([draft, workers].sort());
    expect(await download(draft, worker)).toBe(200);
    expect(await listed(client)).toEqual([draft]);
    expect(await download(workers, client)).toBe(404);

    // An admin who is a party to the booking sees it as a party does, not as a mediator.
    const adminClient = await createUser(db.sql, ['consumer', 'admin'], 'Ada Party');
    const { bookingId } = await acceptedBooking(db.sql, adminClient, worker, { funded: true });
    const [m] = await db.sql`select id from milestones where booking_id = ${bookingId}`;
    const own = uuidv7();
    applied(await run(db.sql, worker, 'dispute.open', { disputeId: own, milestoneId: m!.id, reason: 'Unpaid', refundAmount: 0 }));
    const hidden = (await json(await upload(own, worker, PNG))).id as string;
    expect(await download(hidden, adminClient)).toBe(404);
    expect(((await json(await get(`/disputes/${own}`, adminClient))).attachments as unknown[])).toEqual([]);
  });

  it('refuses strangers, other types, forged types, empty files, nameless files and closed disputes, storing nothing', async () => {
    const { disputeId } = await openDispute();
    const html = new TextEncoder().encode('<script>alert(1)</script>');
    const refusals: [string, Promise<Response>, number][] = [
      ['no token', upload(disputeId, undefined, PNG), 401],
      ['stranger', upload(disputeId, stranger, PNG), 404],
      ['unknown dispute', upload(uuidv7(), client, PNG), 404],
      ['malformed id', upload('nope', client, PNG), 404],
      ['html', upload(disputeId, client, html, { type: 'text/html' }), 400],
      ['svg', upload(disputeId, client, '<svg/>', { type: 'image/svg+xml' }), 400],
      ['no type', upload(disputeId, client, PNG, { type: '' }), 400],
      ['html posing as a png', upload(disputeId, client, html, { type: 'image/png' }), 400],
      ['a pdf posing as a jpeg', upload(disputeId, client, PDF, { type: 'image/jpeg' }), 400],
      ['binary posing as text', upload(disputeId, client, Uint8Array.from([0xff, 0xfe, 0x00, 0x41]), { type: 'text/plain' }), 400],
      ['empty', upload(disputeId, client, new Uint8Array(0)), 400],
      ['no name', upload(disputeId, client, PNG, { name: null }), 400],
      ['a name of only a folder', upload(disputeId, client, PNG, { name: 'photos/' }), 400],
    ];
    for (const [what, res, status] of refusals) expect((await res).status, what).toBe(status);
    expect(await stored(disputeId)).toBe(0);

    applied(await run(db.sql, worker, 'dispute.accept', { disputeId }));
    expect((await upload(disputeId, client, PNG)).status).toBe(409);
    expect(await stored(disputeId)).toBe(0);
  });

  it('take up to 2 MiB on their own limit, above the global one; anything larger is 413 with nothing stored', async () => {
    const { disputeId } = await openDispute();
    expect(t.deps.config.MAX_BODY_BYTES).toBeLessThan(300 * 1024);
    expect((await upload(disputeId, client, pngOf(300 * 1024))).status).toBe(201);
    expect((await upload(disputeId, client, pngOf(MAX_ATTACHMENT_BYTES))).status).toBe(201);
    const over = await upload(disputeId, client, pngOf(MAX_ATTACHMENT_BYTES + 1));
    expect(over.status).toBe(413);
    expect((await json(over)).error.code).toBe('payload_too_large');
    // Without a Content-Length (chunked), the limit is counted as the body arrives.
    const chunks = [pngOf(MAX_ATTACHMENT_BYTES), new Uint8Array(1)];
    const stream = new ReadableStream<Uint8Array>({ pull: (c) => void (chunks.length ? c.enqueue(chunks.shift()!) : c.close()) });
    const chunked = await t.app.request(`/disputes/${disputeId}/attachments?name=big.png`, {
      method: 'POST', headers: { 'content-type': 'image/png', authorization: await bearer(client) }, body: stream, duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(await stored(disputeId)).toBe(2);
    // Every other route keeps the global limit.
    const big = await t.app.request('/commands', { method: 'POST', headers: { 'content-type': 'application/json', authorization: await bearer(client) }, body: JSON.stringify({ pad: 'x'.repeat(300 * 1024) }) });
    expect(big.status).toBe(413);
  });
});

describe('the mediator’s view', () => {
  it('shows a party or an admin the dispute, the milestone’s timeline, the chat and each side’s evidence', async () => {
    const { bookingId, milestoneId, disputeId } = await openDispute();
    const file = await json(await upload(disputeId, worker, PNG));
    applied(await run(db.sql, worker, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text: 'I rang twice.', attachmentIds: [file.id] }));
    applied(await run(db.sql, client, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId, text: 'I was home all day.' }));
    for (const who of [client, worker, admin]) {
      const res = await get(`/disputes/${disputeId}`, who);
      expect(res.status).toBe(200);
      const view = await json(res);
      expect(view.dispute).toMatchObject({ id: disputeId, bookingId, milestoneId, status: 'open', openedBy: 'client', refundAmount: 8000, amount: 8000 });
      expect(view.dispute.evidence).toBeUndefined();
      expect(view.booking).toMatchObject({ id: bookingId, title: 'Fix a leaking tap', status: 'disputed', clientName: 'Cleo Client', workerName: 'Test Operator' });
      expect(view.milestone.timeline.map((e: { event: string }) => e.event).slice(-2)).toEqual(['payment_confirmed', 'dispute']);
      expect(view.messages.map((m: { body: string }) => m.body)).toEqual(['When are you coming?']);
      expect(view.evidence.client.map((e: { text: string }) => e.text)).toEqual(['I was home all day.']);
      expect(view.evidence.worker).toMatchObject([{ text: 'I rang twice.', attachmentIds: [file.id] }]);
      expect(view.evidence.admin).toEqual([]);
      expect(view.attachments).toMatchObject([{ id: file.id, name: 'photo.png', uploadedBy: worker, size: PNG.length }]);
    }
    expect((await get(`/disputes/${disputeId}`, stranger)).status).toBe(404);
    expect((await get(`/disputes/${uuidv7()}`, admin)).status).toBe(404);
    expect((await get('/disputes/nope', admin)).status).toBe(404);
    expect((await get(`/disputes/${disputeId}`)).status).toBe(401);
  });
});

describe('the queue', () => {
  it('lists open disputes oldest first for admins, with the claim and whether the other side answered, in pages', async () => {
    const first = await openDispute();
    const second = await openDispute();
    applied(await run(db.sql, worker, 'dispute.add_evidence', { evidenceId: uuidv7(), disputeId: second.disputeId, text: 'Not true' }));
    const decided = await openDispute();
    applied(await run(db.sql, worker, 'dispute.accept', { disputeId: decided.disputeId }));

    const res = await get('/disputes/queue?limit=200', admin);
    expect(res.status).toBe(200);
    const { disputes } = await json(res);
    const ids = disputes.map((d: { id: string }) => d.id);
    expect(ids).not.toContain(decided.disputeId);
    expect(ids.indexOf(first.disputeId)).toBeLessThan(ids.indexOf(second.disputeId));
    const entry = disputes.find((d: { id: string }) => d.id === second.disputeId);
    expect(entry).toMatchObject({
      bookingId: second.bookingId, bookingTitle: 'Fix a leaking tap', client: { id: client, name: 'Cleo Client' }, worker: { id: worker, name: 'Test Operator' },
      openedBy: 'client', milestone: { id: second.milestoneId, amount: 8000, currency: 'USD' }, claim: { refundAmount: 8000 }, responded: true, evidenceCount: 1,
    });
    expect(disputes.find((d: { id: string }) => d.id === first.disputeId).responded).toBe(false);
    expect(new Date(entry.respondBy).getTime()).toBeGreaterThan(Date.now());

    const page1 = await json(await get('/disputes/queue?limit=1', admin));
    expect(page1.disputes).toHaveLength(1);
    const page2 = await json(await get(`/disputes/queue?limit=1&after=${page1.next}`, admin));
    expect(page2.disputes[0].id).toBe(ids[1]);

    expect((await get('/disputes/queue', client)).status).toBe(403);
    for (const q of ['limit=0', 'limit=abc', 'limit=201', 'after=nope']) expect((await get(`/disputes/queue?${q}`, admin)).status, q).toBe(400);
  });

  it('goes by the roles in the database, not those in the token', async () => {
    const former = await createUser(db.sql, ['consumer', 'admin']);
    const token = await bearer(former);
    await db.sql`update users set roles = '{consumer}' where id = ${former}`;
    expect((await t.app.request('/disputes/queue', { headers: { authorization: token } })).status).toBe(403);
    expect((await t.app.request('/disputes/audit', { headers: { authorization: token } })).status).toBe(403);
  });
});

describe('the audit log', () => {
  it('is readable by admins, newest first, in pages', async () => {
    const decisions = [];
    for (const reason of ['First decision', 'Second decision', 'Third decision']) {
      const { disputeId } = await openDispute();
      applied(await run(db.sql, admin, 'dispute.resolve', { disputeId, outcome: 'split', refundAmount: 1000, reason }));
      decisions.push(disputeId);
    }
    const all = await json(await get('/disputes/audit', admin));
    expect(all.entries.slice(0, 3).map((e: { reason: string }) => e.reason)).toEqual(['Third decision', 'Second decision', 'First decision']);
    expect(all.entries[0]).toMatchObject({ adminId: admin, adminName: 'Ada Admin', action: 'dispute.resolve', subjectType: 'dispute', subjectId: decisions[2], details: { outcome: 'split', refunded: 1000, released: 7000 } });
    // Named as people know it: the dispute by its gig's title.
    expect(all.entries[0].subjectName).toBe('Fix a leaking tap');
    const page = await json(await get('/disputes/audit?limit=2', admin));
    expect(page.entries).toHaveLength(2);
    const rest = await json(await get(`/disputes/audit?limit=2&before=${page.next}`, admin));
    expect(rest.entries[0].reason).toBe('First decision');

    expect((await get('/disputes/audit', worker)).status).toBe(403);
    for (const q of ['before=abc', 'before=-1', 'limit=1.5']) expect((await get(`/disputes/audit?${q}`, admin)).status, q).toBe(400);
  });
});
