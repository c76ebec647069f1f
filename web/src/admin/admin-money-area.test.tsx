// @vitest-environment happy-dom
// The admin's money screens against a stubbed server at the fetch boundary: the disputes queue, a dispute with
// its timeline, chat and evidence side by side, the decision form's checks and the dispute.resolve it sends,
// the audit log, the settlement report and the trial balance's alarms, and the offline state.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { act, cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { closeDevices, decide, issuedCommands } from '../sync/test-support';
import type { AuditLog, DisputeDetail, DisputeQueue, SettlementReport, TrialBalance } from '../money/api-types';
import { moneyDevice, reachable, renderMoney, stubServer, TOKEN } from '../money/test-support';
import AdminMoneyArea from './admin-money-area';
import { deviceTimeZone } from '../money/period';
import { rejectionText } from '../i18n/rejections';

// The device's zone goes with every period (the server counts the month's days in it).
const TZ = `&tz=${encodeURIComponent(deviceTimeZone())}`;
const ADA = '0190a000-0000-7000-8000-000000000001';
const CARLA = '0190a000-0000-7000-8000-000000000002';
const OMAR = '0190a000-0000-7000-8000-000000000003';
const DISPUTE = '0190a000-0000-7000-8000-0000000000d1';
const MILESTONE = '0190a000-0000-7000-8000-0000000000e1';
const MSG_1 = '0190a000-0000-7000-8000-0000000000c1';
const MSG_2 = '0190a000-0000-7000-8000-0000000000c2';
const FILE = '0190a000-0000-7000-8000-0000000000a7';

const queued = (n: number): DisputeQueue['disputes'][number] => ({
  id: `0190a000-0000-7000-8000-0000000000d${n}`, bookingId: '0190a000-0000-7000-8000-0000000000b1', bookingTitle: `Paint a fence ${n}`,
  client: { id: CARLA, name: 'Carla Client' }, worker: { id: OMAR, name: 'Omar Operator' }, openedBy: 'client', reason: 'Only one coat was painted.',
  milestone: { id: MILESTONE, description: 'Two coats', amount: 12000, currency: 'USD' }, claim: { refundAmount: 6000 },
  openedAt: '2026-11-18T09:00:00.000Z', respondBy: '2026-11-23T09:00:00.000Z', responded: n === 2, respondedAt: n === 2 ? '2026-11-19T09:00:00.000Z' : null, evidenceCount: n,
});

const detail = (over: Partial<DisputeDetail['dispute']> = {}): DisputeDetail => ({
  dispute: {
    id: DISPUTE, bookingId: '0190a000-0000-7000-8000-0000000000b1', milestoneId: MILESTONE, clientId: CARLA, workerId: OMAR, openedBy: 'client', openedById: CARLA,
    reason: 'Only one coat was painted.', refundAmount: 6000, amount: 12000, currency: 'USD', status: 'open', respondBy: '2026-11-23T09:00:00.000Z',
    respondedAt: '2026-11-19T09:00:00.000Z', outcome: null, resolvedHow: null, resolvedById: null, releasedAmount: null, refundedAmount: null,
    resolutionReason: null, openedAt: '2026-11-18T09:00:00.000Z', resolvedAt: null, version: 2, ...over,
  },
  booking: { id: '0190a000-0000-7000-8000-0000000000b1', title: 'Paint a fence', status: 'disputed', clientName: 'Carla Client', workerName: 'Omar Operator' },
  milestone: {
    id: MILESTONE, description: 'Two coats', amount: 12000, currency: 'USD', feeBps: 1000, status: 'disputed',
    timeline: [
      { at: '2026-11-10T09:00:00.000Z', event: 'payment_confirmed', status: 'funded', by: 'system', actorId: null },
      { at: '2026-11-15T09:00:00.000Z', event: 'submit', status: 'submitted', by: 'worker', actorId: OMAR, note: 'Both coats done.' },
      { at: '2026-11-18T09:00:00.000Z', event: 'dispute', status: 'disputed', by: 'client', actorId: CARLA, note: 'Only one coat was painted.' },
    ],
  },
  messages: [
    { id: MSG_1, senderId: OMAR, body: 'Second coat tomorrow.', createdAt: '2026-11-14T18:00:00.000Z' },
    { id: MSG_2, senderId: CARLA, body: 'Nobody came the next day.', createdAt: '2026-11-16T18:00:00.000Z' },
  ],
  evidence: {
    client: [{ id: 'e1', by: 'client', actorId: CARLA, text: 'Photo of the fence today.', messageIds: [MSG_1], attachmentIds: [FILE], at: '2026-11-18T09:05:00.000Z' }],
    worker: [],
    admin: [],
  },
  attachments: [{ id: FILE, uploadedBy: CARLA, name: 'fence.jpg', contentType: 'image/jpeg', size: 245_000, sha256: 'a'.repeat(64), createdAt: '2026-11-18T09:04:00.000Z' }],
});

afterEach(async () => {
  cleanup();
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
  await closeDevices();
});

const open = (client: Parameters<typeof renderMoney>[0], path: string, locale: 'en' | 'es' = 'en') => renderMoney(client, '/a', <AdminMoneyArea />, path, locale);

describe('the disputes queue', () => {
  it('lists open disputes oldest first with the claim, who opened it and where the answer stands; shows more on demand', async () => {
    const server = stubServer({
      'GET /disputes/queue': { disputes: [queued(1), queued(2)], next: queued(2).id },
      [`GET /disputes/queue?after=${queued(2).id}`]: { disputes: [queued(3)], next: null },
    });
    const { client } = await moneyDevice(ADA, ['consumer', 'admin']);
    const memory = open(client, '/a/disputes');

    const items = await screen.findAllByTestId('queued-dispute');
    expect(items).toHaveLength(2);
    expect(items[0]!.textContent).toContain('Paint a fence 1');
    expect(items[0]!.textContent).toContain('Claim: $60.00 of $120.00 back to the client');
    expect(items[0]!.textContent).toContain('Opened by the client, Carla Client');
    expect(items[0]!.textContent).toContain('Answer due');
    expect(items[1]!.textContent).toContain('Omar Operator (the worker) answered');
    expect(items[1]!.textContent).toContain('2 pieces of evidence');
    expect(screen.getByRole('link', { name: 'Disputes' }).getAttribute('aria-current')).toBe('page');

    fireEvent.click(screen.getByRole('button', { name: 'Show more' }));
    await waitFor(() => expect(screen.getAllByTestId('queued-dispute')).toHaveLength(3));
    expect(screen.queryByRole('button', { name: 'Show more' })).toBeNull();
    expect(server.seen.map((s) => [s.path, s.authorization])).toEqual([
      ['/disputes/queue', `Bearer ${TOKEN}`],
      [`/disputes/queue?after=${queued(2).id}`, `Bearer ${TOKEN}`],
    ]);

    stubServer({ [`GET /disputes/${queued(1).id}`]: detail() });
    fireEvent.click(within(screen.getAllByTestId('queued-dispute')[0]!).getByRole('link'));
    expect(memory.history!.at(-1)).toBe(`/a/disputes/${queued(1).id}`);
    await screen.findByTestId('decision-form');
  });

  it('says when nothing waits, and offline says figures need a connection', async () => {
    stubServer({ 'GET /disputes/queue': { disputes: [], next: null } });
    const { client } = await moneyDevice(ADA, ['admin']);
    open(client, '/a/disputes', 'es');
    await screen.findByText('No hay disputas esperando una decisión.');
  });

  it('offline, the plain offline state and no request', async () => {
    const server = stubServer({ 'GET /disputes/queue': { disputes: [queued(1)], next: null } });
    const { client } = await moneyDevice(ADA, ['admin'], false);
    open(client, '/a/disputes');
    expect((await screen.findByTestId('money-offline')).textContent).toContain('You’re offline — money figures need a connection.');
    expect(server.seen).toEqual([]);
  });
});

describe('a dispute', () => {
  it('shows the claim, then the timeline, the chat and the evidence side by side, with cited messages marked', async () => {
    stubServer({ [`GET /disputes/${DISPUTE}`]: detail() });
    const { client } = await moneyDevice(ADA, ['admin']);
    open(client, `/a/disputes/${DISPUTE}`);

    await screen.findByRole('heading', { level: 1, name: 'Dispute: Paint a fence' });
    expect(screen.getByTestId('dispute-amount').textContent).toBe('$120.00');
    expect(screen.getByTestId('dispute-claim').textContent).toBe('$60.00');
    expect(screen.getByRole('link', { name: 'Open the booking' }).getAttribute('href')).toBe('/b/0190a000-0000-7000-8000-0000000000b1');
    // Answered: the row says who answered, under a label that does not say it is still due.
    const summary = screen.getByTestId('dispute-summary');
    expect([...summary.querySelectorAll('dt')].map((dt) => dt.textContent)).toContain('Answer');
    expect(summary.textContent).not.toContain('Answer due');
    const columns = screen.getByRole('region', { name: 'Timeline, chat and evidence' });
    expect(within(columns).getAllByRole('heading', { level: 2 }).map((h) => h.textContent)).toEqual(['Timeline of this part', 'Booking chat', 'Evidence']);

    const timeline = within(screen.getByTestId('dispute-timeline')).getAllByRole('listitem');
    expect(timeline.map((li) => li.querySelector('strong')!.textContent)).toEqual(['Paid, held in escrow', 'Submitted for approval', 'Disputed']);
    expect(timeline[1]!.textContent).toContain('by Omar Operator');
    expect(timeline[1]!.textContent).toContain('Both coats done.');
    expect(timeline[0]!.textContent).toContain('by the system');

    const messages = screen.getAllByTestId('dispute-message');
    expect(messages[0]!.textContent).toContain('Omar Operator');
    expect(messages[0]!.textContent).toContain('cited as evidence');
    expect(messages[0]!.getAttribute('data-cited')).toBe('true');
    expect(messages[1]!.getAttribute('data-cited')).toBeNull();

    const clientEvidence = screen.getByTestId('evidence-client');
    expect(clientEvidence.textContent).toContain('From Carla Client');
    expect(clientEvidence.textContent).toContain('Photo of the fence today.');
    expect(clientEvidence.textContent).toContain('Points to 1 message in the chat');
    expect(within(screen.getByTestId('evidence-worker')).getByText('None yet.')).toBeTruthy();
    expect(screen.queryByTestId('evidence-admin')).toBeNull();
  });

  it('downloads an evidence file with the token', async () => {
    const server = stubServer({
      [`GET /disputes/${DISPUTE}`]: detail(),
      [`GET /disputes/attachments/${FILE}`]: () =>
        new Response(new Uint8Array([0xff, 0xd8, 0xff, 0xe0]), { headers: { 'content-type': 'image/jpeg', 'content-disposition': `attachment; filename="fence.jpg"; filename*=UTF-8''fence.jpg` } }),
    });
    const saved: string[] = [];
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:fence');
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => undefined);
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download);
    });
    const { client } = await moneyDevice(ADA, ['admin']);
    open(client, `/a/disputes/${DISPUTE}`);

    fireEvent.click(await screen.findByRole('button', { name: 'Download fence.jpg (245 kB)' }));
    await waitFor(() => expect(saved).toEqual(['fence.jpg']));
    expect(server.requests('/disputes/attachments/')).toMatchObject([{ authorization: `Bearer ${TOKEN}` }]);
  });

  it('the decision form asks for an outcome and a reason, and a split strictly between nothing and the whole', async () => {
    stubServer({ [`GET /disputes/${DISPUTE}`]: detail() });
    const { client } = await moneyDevice(ADA, ['admin']);
    open(reachable(client), `/a/disputes/${DISPUTE}`);
    const form = await screen.findByTestId('decision-form');
    const decideButton = within(form).getByRole('button', { name: 'Decide' });
    // The page has arrived once its heading has the focus (Page's effect, which may run after the form renders).
    await waitFor(() => expect(document.activeElement?.tagName).toBe('H1'));

    fireEvent.click(decideButton);
    expect(within(form).getByText('Choose an outcome.')).toBeTruthy();
    expect(within(form).getByText('Write why you decide this: the parties and other admins read it.')).toBeTruthy();
    expect(document.activeElement).toBe(within(form).getByRole('radio', { name: 'Release all to the worker' }));

    fireEvent.click(within(form).getByRole('radio', { name: 'Release all to the worker' }));
    expect(within(form).getByTestId('decision-preview').textContent).toBe('Back to the client: $0.00. To the worker: $108.00, after the $12.00 platform fee (10%).');
    fireEvent.click(within(form).getByRole('radio', { name: 'Refund all to the client' }));
    expect(within(form).getByTestId('decision-preview').textContent).toBe('Back to the client: $120.00. Nothing to the worker, and no platform fee.');
    fireEvent.click(within(form).getByRole('radio', { name: 'Split the amount' }));
    expect(within(form).queryByText('Choose an outcome.')).toBeNull();
    const refund = within(form).getByLabelText('Back to the client (USD)') as HTMLInputElement;
    fireEvent.change(within(form).getByLabelText('Written reason (kept in the audit log)'), { target: { value: 'One coat of two was done.' } });

    const rangeError = 'A split gives back more than nothing and less than $120.00. To give back everything or nothing, choose refund all or release all.';
    for (const typed of ['0', '120', '120.00', '500']) {
      fireEvent.change(refund, { target: { value: typed } });
      fireEvent.click(decideButton);
      expect(within(form).getByText(rangeError), typed).toBeTruthy();
      expect(refund.getAttribute('aria-invalid')).toBe('true');
      expect(document.activeElement).toBe(refund);
    }
    // Three digits after a mark are read by the admin's language: a comma groups thousands in English, said as
    // such with the form it takes; a point before three digits is a decimal too many.
    fireEvent.change(refund, { target: { value: '45,123' } });
    fireEvent.click(decideButton);
    expect(within(form).getByText('Type the amount without separators for thousands, such as 45.50.')).toBeTruthy();
    fireEvent.change(refund, { target: { value: '45.123' } });
    fireEvent.click(decideButton);
    expect(within(form).getByText('Type an amount in USD, such as 45.50.')).toBeTruthy();
    fireEvent.change(refund, { target: { value: 'forty' } });
    fireEvent.click(decideButton);
    expect(within(form).getByText('Type an amount in USD, such as 45.50.')).toBeTruthy();
    // Nothing was sent while the form had a problem.
    expect(await issuedCommands(client)).toEqual([]);

    // Where the money would go shows once the refund is one the decision could send.
    expect(within(form).queryByTestId('decision-preview')).toBeNull();
    fireEvent.change(refund, { target: { value: '45,10' } });
    expect(refund.getAttribute('aria-invalid')).toBeNull();
    // $74.90 released, 10% fee $7.49 (half-even per the shared rule), $67.41 net.
    expect(within(form).getByTestId('decision-preview').textContent).toBe('Back to the client: $45.10. To the worker: $67.41, after the $7.49 platform fee (10%).');
    fireEvent.click(decideButton);
    // Asked once more: it moves the money and cannot be undone. Going back to the form sends nothing.
    fireEvent.click(await within(form).findByRole('button', { name: 'Back to the form' }));
    expect(await issuedCommands(client)).toEqual([]);
    fireEvent.click(within(form).getByRole('button', { name: 'Decide' }));
    expect(within(form).getByTestId('decide-confirm').textContent).toContain('cannot be undone');
    fireEvent.click(within(form).getByRole('button', { name: 'Confirm the decision' }));
    await waitFor(async () => expect(await issuedCommands(client)).toHaveLength(1));
    expect((await issuedCommands(client))[0]).toEqual({
      type: 'dispute.resolve',
      status: 'pending',
      payload: { disputeId: DISPUTE, outcome: 'split', refundAmount: 4510, reason: 'One coat of two was done.' },
    });
    await waitFor(() => expect(screen.getByTestId('decision-outcome').textContent).toBe('Sending the decision…'));
  });

  it('in KWD, a split refund off the 0.010 step gets its own sentence, in English and Spanish', async () => {
    const kwd = detail({ amount: 10_000, refundAmount: 5_000, currency: 'KWD' });
    stubServer({ [`GET /disputes/${DISPUTE}`]: { ...kwd, milestone: { ...kwd.milestone, amount: 10_000, currency: 'KWD' } } });
    const { client } = await moneyDevice(ADA, ['admin']);
    for (const [locale, split, decide, reason, said] of [
      ['en', 'Split the amount', 'Decide', 'Written reason (kept in the audit log)', 'Amounts in KWD go in steps of KWD 0.010: the payment provider refunds nothing finer.'],
      ['es', 'Repartir el importe', 'Decidir', 'Motivo por escrito (queda en el registro de auditoría)', 'Los importes en KWD van en pasos de 0,010 KWD: el proveedor de pagos no reembolsa fracciones menores.'],
    ] as const) {
      open(reachable(client), `/a/disputes/${DISPUTE}`, locale);
      const form = await screen.findByTestId('decision-form');
      fireEvent.click(within(form).getByRole('radio', { name: split }));
      fireEvent.change(within(form).getByLabelText(reason), { target: { value: 'One coat of two was done.' } });
      fireEvent.change(within(form).getByTestId('split-refund'), { target: { value: '4.505' } });
      fireEvent.click(within(form).getByRole('button', { name: decide }));
      expect((await within(form).findByRole('alert')).textContent!.replace(/\u00a0/g, ' ')).toBe(said);
      cleanup();
    }
    expect(await issuedCommands(client)).toEqual([]);
  });

  it('says when the time to answer ended with no answer, rather than an answer due in the past', async () => {
    stubServer({ [`GET /disputes/${DISPUTE}`]: detail({ respondedAt: null, respondBy: new Date(Date.now() - 60_000).toISOString() }) });
    const { client } = await moneyDevice(ADA, ['admin']);
    open(reachable(client), `/a/disputes/${DISPUTE}`);
    expect((await screen.findByTestId('dispute-answer')).textContent).toMatch(/^None: the time to answer ended .+, so the claim applies$/);
    expect(screen.getByTestId('dispute-summary').textContent).not.toContain('Answer due');
  });

  it('warns that deciding before the other side has answered takes their chance, and not once they have', async () => {
    const respondBy = new Date(Date.now() + 2 * 86_400_000).toISOString();
    stubServer({ [`GET /disputes/${DISPUTE}`]: detail({ respondedAt: null, respondBy }) });
    const { client } = await moneyDevice(ADA, ['admin']);
    open(reachable(client), `/a/disputes/${DISPUTE}`);
    const early = await screen.findByTestId('decide-early');
    expect(early.textContent).toMatch(/^The other side has until .+ to answer\. Deciding now takes that chance from them/);
    cleanup();

    stubServer({ [`GET /disputes/${DISPUTE}`]: detail() });
    open(reachable(client), `/a/disputes/${DISPUTE}`);
    await screen.findByTestId('decision-form');
    expect(screen.queryByTestId('decide-early')).toBeNull();
  });

  it('once the server applies the decision, reads the dispute again and shows how it was decided', async () => {
    let resolved = false;
    const server = stubServer({
      [`GET /disputes/${DISPUTE}`]: () =>
        resolved
          ? detail({ status: 'resolved', outcome: 'refund_all', resolvedHow: 'admin', resolvedById: ADA, releasedAmount: 0, refundedAmount: 12000, resolutionReason: 'No work was delivered.', resolvedAt: '2026-11-21T10:00:00.000Z' })
          : detail(),
    });
    const { client } = await moneyDevice(ADA, ['admin']);
    open(reachable(client), `/a/disputes/${DISPUTE}`);
    const form = await screen.findByTestId('decision-form');
    fireEvent.click(within(form).getByRole('radio', { name: 'Refund all to the client' }));
    fireEvent.change(within(form).getByLabelText('Written reason (kept in the audit log)'), { target: { value: '  No work was delivered. ' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Decide' }));
    fireEvent.click(await within(form).findByRole('button', { name: 'Confirm the decision' }));
    await waitFor(async () => expect(await issuedCommands(client)).toHaveLength(1));
    expect((await issuedCommands(client))[0]!.payload).toEqual({ disputeId: DISPUTE, outcome: 'refund_all', reason: 'No work was delivered.' });

    resolved = true;
    const id = (await client.db.commands.find().exec())[0]!.id;
    await decide(client, id, { status: 'applied' });
    const resolution = await screen.findByTestId('dispute-resolution');
    expect(resolution.getAttribute('data-outcome')).toBe('refund_all');
    expect(resolution.textContent).toContain('Refunded all to the client. A mediator decided.');
    expect(resolution.textContent).toContain('$120.00');
    expect(resolution.textContent).toContain('No work was delivered.');
    expect(screen.queryByTestId('decision-form')).toBeNull();
    expect(server.requests(`/disputes/${DISPUTE}`)).toHaveLength(2);
  });

  it('takes a mediator’s note for both sides, asking for words first, and shows it among the evidence once the server has it', async () => {
    let noted = false;
    const note = { id: 'e9', by: 'admin' as const, actorId: ADA, text: 'Called both: the second coat was not done.', messageIds: [], attachmentIds: [], at: '2026-11-21T10:00:00.000Z' };
    const server = stubServer({
      [`GET /disputes/${DISPUTE}`]: () => (noted ? { ...detail(), evidence: { ...detail().evidence, admin: [note] } } : detail()),
    });
    const { client } = await moneyDevice(ADA, ['admin']);
    open(reachable(client), `/a/disputes/${DISPUTE}`);
    const form = await screen.findByTestId('mediator-note');
    // No mediators' column until there is something in it.
    expect(screen.queryByTestId('evidence-admin')).toBeNull();
    fireEvent.click(within(form).getByRole('button', { name: 'Add the note' }));
    expect(within(form).getByRole('alert').textContent).toBe('Write the note first.');
    expect(await issuedCommands(client)).toEqual([]);
    fireEvent.change(within(form).getByLabelText('Note'), { target: { value: '  Called both: the second coat was not done. ' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Add the note' }));
    await waitFor(async () => expect(await issuedCommands(client)).toHaveLength(1));
    expect((await issuedCommands(client))[0]!).toMatchObject({
      type: 'dispute.add_evidence', payload: { disputeId: DISPUTE, text: 'Called both: the second coat was not done.', messageIds: [], attachmentIds: [] },
    });

    noted = true;
    const id = (await client.db.commands.find().exec())[0]!.id;
    await decide(client, id, { status: 'applied' });
    expect((await screen.findByTestId('evidence-admin')).textContent).toContain('Called both: the second coat was not done.');
    expect(within(form).getByTestId('mediator-note-added').textContent).toBe('Added: both sides can read it.');
    expect((within(form).getByLabelText('Note') as HTMLTextAreaElement).value).toBe('');
    expect(server.requests(`/disputes/${DISPUTE}`)).toHaveLength(2);
  });

  it('shows the server’s refusal of a decision in the admin’s language, and how the dispute was settled meanwhile', async () => {
    let settled = false;
    const server = stubServer({
      [`GET /disputes/${DISPUTE}`]: () =>
        settled
          ? detail({ status: 'resolved', outcome: 'refund_all', resolvedHow: 'accepted', resolvedById: null, releasedAmount: 0, refundedAmount: 12000, resolvedAt: '2026-11-21T10:00:00.000Z' })
          : detail(),
    });
    const { client } = await moneyDevice(ADA, ['admin']);
    open(reachable(client), `/a/disputes/${DISPUTE}`, 'es');
    const form = await screen.findByTestId('decision-form');
    fireEvent.click(within(form).getByRole('radio', { name: 'Liberar todo al trabajador' }));
    fireEvent.change(within(form).getByLabelText('Motivo por escrito (queda en el registro de auditoría)'), { target: { value: 'Trabajo entregado.' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Decidir' }));
    fireEvent.click(await within(form).findByRole('button', { name: 'Confirmar la decisión' }));
    await waitFor(async () => expect(await issuedCommands(client)).toHaveLength(1));
    const id = (await client.db.commands.find().exec())[0]!.id;
    // The worker accepted the claim on their phone meanwhile.
    settled = true;
    await decide(client, id, { status: 'rejected', code: 'invalid_state', message: 'This dispute has already been decided.' });
    // Read again: the form gives way to how it was settled, with the refusal still said above it.
    const resolution = await screen.findByTestId('dispute-resolution');
    expect(resolution.getAttribute('data-outcome')).toBe('refund_all');
    expect(screen.queryByTestId('decision-form')).toBeNull();
    expect(screen.getByTestId('decision-refused').textContent).toBe(
      'No se tomó la decisión: Esto ya no se puede hacer: el estado cambió. Actualiza para ver cómo está.',
    );
    expect(server.requests(`/disputes/${DISPUTE}`)).toHaveLength(2);
  });

  it('a double click on the confirmation sends one decision, and the server’s answer to it is what shows', async () => {
    stubServer({ [`GET /disputes/${DISPUTE}`]: detail() });
    const { client } = await moneyDevice(ADA, ['admin']);
    open(reachable(client), `/a/disputes/${DISPUTE}`);
    const form = await screen.findByTestId('decision-form');
    fireEvent.click(within(form).getByRole('radio', { name: 'Refund all to the client' }));
    fireEvent.change(within(form).getByLabelText('Written reason (kept in the audit log)'), { target: { value: 'No work was delivered.' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Decide' }));
    const confirmButton = await within(form).findByRole('button', { name: 'Confirm the decision' });
    fireEvent.click(confirmButton);
    fireEvent.click(confirmButton);
    await waitFor(() => expect(screen.getByTestId('decision-outcome').textContent).toBe('Sending the decision…'));
    fireEvent.click(confirmButton);
    const commands = await client.db.commands.find().exec();
    expect(commands.map((c) => c.type)).toEqual(['dispute.resolve']);

    await decide(client, commands[0]!.id, { status: 'applied' });
    await waitFor(() => expect(screen.getByTestId('decision-outcome').textContent).toBe('Decided. The money moves as decided.'));
    expect(screen.queryByTestId('decision-refused')).toBeNull();
    expect(await client.db.commands.count().exec()).toBe(1);
  });

  it('without the server, Decide waits with a sentence; a dropped network keeps the dispute and the typed reason on screen', async () => {
    stubServer({ [`GET /disputes/${DISPUTE}`]: detail() });
    const { client, online$ } = await moneyDevice(ADA, ['admin']);
    open(reachable(client), `/a/disputes/${DISPUTE}`);
    const form = await screen.findByTestId('decision-form');
    fireEvent.click(within(form).getByRole('radio', { name: 'Refund all to the client' }));
    fireEvent.change(within(form).getByLabelText('Written reason (kept in the audit log)'), { target: { value: 'No work was delivered.' } });
    expect(screen.queryByTestId('money-stale')).toBeNull();

    act(() => online$.next(false));
    const stale = await screen.findByTestId('money-stale');
    expect(stale.textContent).toBe('You’re offline — these are the figures as last loaded. They load again when you are back online.');
    expect(screen.getByTestId('decision-form')).toBe(form);
    expect((within(form).getByLabelText('Written reason (kept in the audit log)') as HTMLTextAreaElement).value).toBe('No work was delivered.');
    const decideButton = within(form).getByRole('button', { name: 'Decide' }) as HTMLButtonElement;
    expect(decideButton.disabled).toBe(true);
    expect(within(form).getByTestId('decide-offline').textContent).toBe('You are offline. Deciding needs a connection; what you typed stays here until you are back online.');
    fireEvent.submit(form);
    await new Promise((r) => setTimeout(r, 100));
    expect(await issuedCommands(client)).toEqual([]);

    act(() => online$.next(true));
    await waitFor(() => expect(decideButton.disabled).toBe(false));
    await waitFor(() => expect(screen.queryByTestId('money-stale')).toBeNull());
    expect(within(form).queryByTestId('decide-offline')).toBeNull();
    fireEvent.click(decideButton);
    fireEvent.click(await within(form).findByRole('button', { name: 'Confirm the decision' }));
    await waitFor(async () => expect((await issuedCommands(client)).map((c) => c.payload)).toEqual([{ disputeId: DISPUTE, outcome: 'refund_all', reason: 'No work was delivered.' }]));
  });
});

describe('a dispute whose payment the client’s bank disputes', () => {
  const held = (d: DisputeDetail, ...events: ('bank_dispute_opened' | 'bank_dispute_won')[]): DisputeDetail => ({
    ...d,
    milestone: {
      ...d.milestone,
      timeline: [
        ...d.milestone.timeline,
        ...events.map((event, i) => ({ at: `2026-11-2${i}T09:00:00.000Z`, event, status: 'disputed' as const, by: 'system', actorId: null, ...(event === 'bank_dispute_opened' ? { note: 'fraudulent' } : {}) })),
      ],
    },
  });

  it('says so, names the bank’s steps in the timeline, and keeps Decide off with the reason; on again once the bank decides for Fieldwork', async () => {
    stubServer({ [`GET /disputes/${DISPUTE}`]: held(detail(), 'bank_dispute_opened') });
    const { client } = await moneyDevice(ADA, ['admin']);
    open(reachable(client), `/a/disputes/${DISPUTE}`);
    const blocked = await screen.findByTestId('decide-blocked');
    expect(blocked.textContent).toBe(
      'The client’s bank is disputing the payment for this part and holds its money until it decides, so no decision can be taken until then. The timeline of this part shows when the bank has decided.',
    );
    const decideButton = within(screen.getByTestId('decision-form')).getByRole('button', { name: 'Decide' }) as HTMLButtonElement;
    expect(decideButton.disabled).toBe(true);
    expect(decideButton.getAttribute('aria-describedby')).toBe(blocked.id);
    const step = within(screen.getByTestId('dispute-timeline')).getAllByRole('listitem')[3]!;
    expect(step.querySelector('strong')!.textContent).toBe('The client’s bank disputed the payment');
    expect(step.textContent).not.toContain('by the system');
    // The bank's reason in words, with Stripe's code for whoever mediates.
    expect(step.querySelector('.dispute-text')!.textContent).toBe('Reason given: the card holder says they did not make this payment (fraudulent)');
    cleanup();

    stubServer({ [`GET /disputes/${DISPUTE}`]: held(detail(), 'bank_dispute_opened', 'bank_dispute_won') });
    open(reachable(client), `/a/disputes/${DISPUTE}`, 'es');
    const form = await screen.findByTestId('decision-form');
    expect(screen.queryByTestId('decide-blocked')).toBeNull();
    expect((within(form).getByRole('button', { name: 'Decidir' }) as HTMLButtonElement).disabled).toBe(false);
    expect(within(screen.getByTestId('dispute-timeline')).getAllByRole('listitem')[4]!.querySelector('strong')!.textContent).toBe(
      'El banco del cliente decidió a favor de Fieldwork: el dinero vuelve a estar retenido en garantía',
    );
  });

  it('shows the server’s refusal, when the bank’s dispute came after the page was read, in the admin’s language, and then why', async () => {
    let bankOpened = false;
    stubServer({ [`GET /disputes/${DISPUTE}`]: () => (bankOpened ? held(detail(), 'bank_dispute_opened') : detail()) });
    const { client } = await moneyDevice(ADA, ['admin']);
    open(reachable(client), `/a/disputes/${DISPUTE}`, 'es');
    const form = await screen.findByTestId('decision-form');
    fireEvent.click(within(form).getByRole('radio', { name: 'Liberar todo al trabajador' }));
    fireEvent.change(within(form).getByLabelText('Motivo por escrito (queda en el registro de auditoría)'), { target: { value: 'Trabajo entregado.' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Decidir' }));
    fireEvent.click(await within(form).findByRole('button', { name: 'Confirmar la decisión' }));
    await waitFor(async () => expect(await issuedCommands(client)).toHaveLength(1));
    bankOpened = true;
    const id = (await client.db.commands.find().exec())[0]!.id;
    await decide(client, id, { status: 'rejected', code: 'bank_dispute_open', message: 'The client’s bank is disputing the payment for this part.' });
    expect((await within(form).findByTestId('decision-refused')).textContent).toBe(
      `No se tomó la decisión: ${rejectionText('bank_dispute_open', '', 'es')}`,
    );
    // Read again: the page now knows the bank holds the money.
    await screen.findByTestId('decide-blocked');
    expect((within(form).getByRole('button', { name: 'Decidir' }) as HTMLButtonElement).disabled).toBe(true);
  });
});

describe('the audit log', () => {
  it('lists what admins did, with their reasons and what it was about', async () => {
    const log: AuditLog = {
      entries: [
        {
          id: 7, at: '2026-11-21T10:00:00.000Z', adminId: ADA, adminName: 'Ada Admin', action: 'dispute.resolve', subjectType: 'dispute', subjectId: DISPUTE, subjectName: null,
          reason: 'No work was delivered.', details: { outcome: 'refund_all', amount: 12000, currency: 'USD', refunded: 12000, claim: { openedBy: 'client', refundAmount: 12000 } },
        },
        {
          id: 5, at: '2026-11-19T10:00:00.000Z', adminId: ADA, adminName: 'Ada Admin', action: 'booking.cancel', subjectType: 'booking', subjectId: '0190a000-0000-7000-8000-0000000000b2', subjectName: 'Fix the tap',
          reason: 'Duplicate booking.', details: { from: 'funded', refunded: [{ milestoneId: 'm1', amount: 4560, currency: 'KWD' }] },
        },
        {
          id: 6, at: '2026-11-20T10:00:00.000Z', adminId: ADA, adminName: 'Ada Admin', action: 'booking.cancel', subjectType: 'booking', subjectId: '0190a000-0000-7000-8000-0000000000b1', subjectName: null,
          reason: 'The address is unsafe.', details: { from: 'funded' },
        },
        {
          id: 4, at: '2026-11-18T10:00:00.000Z', adminId: ADA, adminName: 'Ada Admin', action: 'user.set_roles', subjectType: 'user', subjectId: CARLA,
          subjectName: 'Carla Client (+14155550101)', reason: 'Runs the support desk now.', details: { from: ['consumer'], to: ['consumer', 'admin'] },
        },
      ],
      next: null,
    };
    stubServer({ 'GET /disputes/audit': log });
    const { client } = await moneyDevice(ADA, ['admin']);
    const memory = open(client, '/a/audit');
    const [entry, kwd, cancel, roles] = await screen.findAllByTestId('audit-entry');
    // What an entry is about, by the name people know it by.
    expect(within(kwd!).getByRole('link', { name: 'booking “Fix the tap”' }).getAttribute('href')).toBe('/b/0190a000-0000-7000-8000-0000000000b2');
    expect(roles!.textContent).toContain('person Carla Client (+14155550101)');
    expect(cancel!.textContent).toContain('Ada Admin: Cancelled a booking for both sides');
    fireEvent.click(within(cancel!).getByRole('link', { name: 'booking 0190a000-0000-7000-8000-0000000000b1' }));
    expect(memory.history!.at(-1)).toBe('/b/0190a000-0000-7000-8000-0000000000b1');
    expect(entry!.textContent).toContain('Ada Admin: Decided a dispute');
    expect(entry!.textContent).toContain('No work was delivered.');
    // Amounts as money, in the currency beside them or within their own object.
    expect(entry!.textContent).toContain('decision: Refunded all to the client · amount: $120.00 · back to the client: $120.00 · the claim: (by: the client · asked back: $120.00)');
    expect(kwd!.textContent?.replace(/\u00a0/g, ' ')).toContain('before: funded · back to the client: (part: m1 · amount: KWD 4.560)');
    expect(within(entry!).getByRole('link', { name: `dispute ${DISPUTE}` }).getAttribute('href')).toBe(`/a/disputes/${DISPUTE}`);

    // In Spanish, who did what reads as such, and what it was about is named in Spanish too.
    cleanup();
    open(client, '/a/audit', 'es');
    const [es] = await screen.findAllByTestId('audit-entry');
    expect(es!.textContent).toContain('Ada Admin: Decidió una disputa');
    expect(within(es!).getByRole('link', { name: `disputa ${DISPUTE}` })).toBeTruthy();
  });
});

describe('settlement', () => {
  const report: SettlementReport = {
    from: '2026-11-01', to: '2026-11-30', balancesAt: '2026-11-21T10:00:00.000Z',
    byCurrency: [{ currency: 'USD', funded: 20000, released: 8000, refunded: 4510, feesEarned: 800, transferred: 7200, takenByBanks: 3000, chargebackLosses: 1000, providerFees: 612, heldInEscrow: 7490, awaitingTransfer: 0 }],
    stuckRefunds: [],
    refundGraceMs: 3_600_000,
    stuckPayouts: [],
    transferGraceMs: 6 * 3_600_000,
  };
  const sound: TrialBalance = {
    accounts: [
      { kind: 'client_funding', currency: 'USD', accounts: 1, balance: -20000 },
      { kind: 'escrow', currency: 'USD', accounts: 2, balance: 7490 },
      { kind: 'payouts', currency: 'USD', accounts: 1, balance: 7200 },
      { kind: 'platform_fees', currency: 'USD', accounts: 1, balance: 800 },
      { kind: 'refunds', currency: 'USD', accounts: 1, balance: 4510 },
      { kind: 'provider_fees', currency: 'USD', accounts: 1, balance: 612 },
      { kind: 'platform_costs', currency: 'USD', accounts: 1, balance: -612 },
    ],
    totals: [{ currency: 'USD', total: 0 }],
    balanced: true,
    invariants: { ok: true, postings: 5, entries: 12, accounts: 6, milestones: 2, totals: { USD: 0 }, violations: [] },
  };
  const stuck = (n: number, over: Partial<SettlementReport['stuckRefunds'][number]>): SettlementReport['stuckRefunds'][number] => ({
    id: `0190a000-0000-7000-8000-00000000020${n}`, for: 'settlement', status: 'pending', milestoneId: MILESTONE, bookingId: `0190a000-0000-7000-8000-0000000000b${n}`,
    title: 'Paint a fence', description: 'Two coats', paymentIntentId: `pi_3Stuck${n}`, currency: 'USD', amount: 4510, attempts: 1, lastError: null,
    owedSince: '2026-11-18T09:00:00.000Z', ...over,
  });

  it('shows the period’s totals and a sound trial balance', async () => {
    const server = stubServer({ [`GET /money/settlement?from=2026-11-01&to=2026-11-30${TZ}`]: report, 'GET /money/trial-balance': sound });
    const { client } = await moneyDevice(ADA, ['admin']);
    open(client, '/a/settlement?month=2026-11');
    expect((await screen.findByTestId('settlement-funded')).textContent).toBe('$200.00');
    expect(screen.getByTestId('settlement-feesEarned').textContent).toBe('$8.00');
    expect(screen.getByTestId('settlement-takenByBanks').textContent).toBe('$30.00');
    expect(screen.getByTestId('settlement-chargebackLosses').textContent).toBe('$10.00');
    expect(screen.getByTestId('settlement-providerFees').textContent).toBe('$6.12');
    expect(screen.getByText('Kept by the payment provider as fees (card payments, bank disputes), paid by the platform')).toBeTruthy();
    expect(screen.getByTestId('settlement-heldInEscrow').textContent).toBe('$74.90');
    expect((await screen.findByTestId('trial-balanced')).textContent).toBe('Balanced: every currency totals zero.');
    // The balances are today's, whichever month the report above is for: said so, not left to be read as that month's.
    expect(screen.getByRole('heading', { name: 'Trial balance, now' }).nextElementSibling!.textContent).toContain('whatever the period above');
    expect(screen.getByTestId('trial-total').getAttribute('data-zero')).toBe('true');
    expect(screen.getByTestId('trial-total').className).toBe('');
    expect(screen.getByTestId('invariants').textContent).toContain('Every invariant holds over 5 postings, 12 entries and 2 milestones.');
    expect(screen.getByRole('row', { name: /Escrow \(USD\)/ }).textContent).toContain('$74.90');
    expect(screen.getByRole('row', { name: /Kept by the payment provider as fees \(USD\)/ }).textContent).toContain('$6.12');
    expect(screen.getByRole('row', { name: /Paid by the platform for the provider’s fees \(USD\)/ }).textContent).toContain('-$6.12');
    expect(server.seen.every((s) => s.authorization === `Bearer ${TOKEN}`)).toBe(true);
    expect(screen.getByTestId('no-stuck-refunds').textContent).toBe('No refund needs a person: every refund owed was made or is on its way.');
    expect(screen.getByTestId('no-stuck-payouts').textContent).toBe('No payout needs a person: every released job was paid out or is on its way.');
  });

  it('lists the payouts to workers that need a person: turned down with its error, or overdue, with whose they are', async () => {
    const payout = (n: number, over: Partial<SettlementReport['stuckPayouts'][number]>): SettlementReport['stuckPayouts'][number] => ({
      milestoneId: `0190a000-0000-7000-8000-0000000003e${n}`, bookingId: `0190a000-0000-7000-8000-0000000000b${n}`, title: 'Paint a fence', description: 'Two coats',
      worker: { id: '0190a000-0000-7000-8000-000000000011', name: 'Olga Fixer' }, currency: 'USD', amount: 4059, status: 'overdue', lastError: null, accountId: 'acct_olga', ...over,
    });
    stubServer({
      'GET /money/settlement': {
        ...report,
        stuckPayouts: [payout(1, { status: 'refused', lastError: 'account_invalid: the bank account was closed' }), payout(2, { accountId: null, title: 'Fix a door', description: 'Fix a door' })],
      },
      'GET /money/trial-balance': sound,
    });
    const { client } = await moneyDevice(ADA, ['admin']);
    open(client, '/a/settlement?month=2026-11');
    const items = await screen.findAllByTestId('stuck-payout');
    expect(screen.getByRole('heading', { name: 'Payouts to workers that need a person' }).nextElementSibling!.textContent).toContain('not made 6 hours after the money was released');
    expect(items.map((i) => i.getAttribute('data-status'))).toEqual(['refused', 'overdue']);
    expect(items[0]!.textContent).toContain('$40.59');
    expect(items[0]!.textContent).toContain('To Olga Fixer');
    expect(items[0]!.textContent).toContain('Turned down by the provider');
    expect(items[0]!.textContent).toContain('Account acct_olga · milestone 0190a000-0000-7000-8000-0000000003e1');
    expect(items[0]!.textContent).toContain('Last error: account_invalid: the bank account was closed');
    expect(items[1]!.textContent).toContain('Not made yet');
    expect(items[1]!.textContent).toContain('No payout account · milestone');
    expect(items[1]!.textContent).not.toContain('Last error');
    expect(within(items[1]!).getByRole('link', { name: 'Fix a door' }).getAttribute('href')).toBe('/b/0190a000-0000-7000-8000-0000000000b2');
    expect(screen.queryByTestId('no-stuck-payouts')).toBeNull();
  });

  it('lists the refunds that need a person: the refused one with its error, the overdue one, each linking to its booking', async () => {
    stubServer({
      'GET /money/settlement': {
        ...report,
        stuckRefunds: [
          stuck(1, {}),
          stuck(2, { for: 'late_payment', status: 'failed', title: 'Fix a door', description: 'Fix a door', amount: 8000, attempts: 25, lastError: 'charge_disputed: the charge was disputed' }),
        ],
      },
      'GET /money/trial-balance': sound,
    });
    const { client } = await moneyDevice(ADA, ['admin']);
    const memory = open(client, '/a/settlement?month=2026-11');
    const items = await screen.findAllByTestId('stuck-refund');
    expect(screen.getByText('Refunds to clients that the payment provider refused, and those not made 60 minutes after they were owed, whatever the month. Each stays here until the provider has made it.')).toBeTruthy();
    expect(items.map((i) => i.getAttribute('data-status'))).toEqual(['pending', 'failed']);
    expect(items[0]!.textContent).toContain('$45.10');
    expect(items[0]!.textContent).toContain('Refund of a settlement');
    expect(items[0]!.textContent).toContain('Not made yet');
    expect(items[0]!.textContent).toContain('1 attempt');
    expect(items[0]!.textContent).toContain(`Payment pi_3Stuck1 · milestone ${MILESTONE}`);
    expect(items[0]!.textContent).not.toContain('Last error');
    expect(items[1]!.textContent).toContain('$80.00');
    expect(items[1]!.textContent).toContain('Late payment sent back');
    expect(items[1]!.textContent).toContain('Failed: no retry left');
    expect(items[1]!.textContent).toContain('25 attempts');
    expect(items[1]!.textContent).toContain('Last error: charge_disputed: the charge was disputed');
    expect(screen.queryByTestId('no-stuck-refunds')).toBeNull();
    const link = within(items[1]!).getByRole('link', { name: 'Fix a door' });
    expect(link.getAttribute('href')).toBe('/b/0190a000-0000-7000-8000-0000000000b2');
    fireEvent.click(link);
    expect(memory.history!.at(-1)).toBe('/b/0190a000-0000-7000-8000-0000000000b2');
  });

  it('in Spanish, and kept on screen when the network goes', async () => {
    stubServer({
      'GET /money/settlement': { ...report, stuckRefunds: [stuck(1, { status: 'failed', attempts: 3, lastError: 'declined' })] },
      'GET /money/trial-balance': sound,
    });
    const { client, online$ } = await moneyDevice(ADA, ['admin']);
    open(client, '/a/settlement?month=2026-11', 'es');
    const item = await screen.findByTestId('stuck-refund');
    expect(item.textContent).toContain('Falló: no quedan reintentos');
    expect(item.textContent).toContain('3 intentos');
    expect(item.textContent).toContain('Último error: declined');
    expect(screen.getByRole('heading', { name: 'Reembolsos que necesitan a una persona' })).toBeTruthy();
    act(() => online$.next(false));
    await screen.findByTestId('money-stale');
    expect(screen.getByTestId('stuck-refund').textContent).toContain('Falló: no quedan reintentos');
  });

  it('raises the alarm on a non-zero total and lists broken invariants', async () => {
    stubServer({
      'GET /money/settlement': report,
      'GET /money/trial-balance': {
        ...sound,
        totals: [{ currency: 'USD', total: 1 }],
        balanced: false,
        invariants: {
          ...sound.invariants,
          ok: false,
          violations: [
            { invariant: 'trial_balance', currency: 'USD', total: 1 },
            { invariant: 'not_negative', accountId: `escrow:${MILESTONE}:USD`, kind: 'escrow', currency: 'USD', balance: -1 },
          ],
        },
      },
    });
    const { client } = await moneyDevice(ADA, ['admin']);
    open(client, '/a/settlement?month=2026-11');
    const balanced = await screen.findByTestId('trial-balanced');
    expect(balanced.getAttribute('role')).toBe('alert');
    expect(balanced.textContent).toContain('Not balanced');
    expect(screen.getByTestId('trial-total').className).toBe('money-off');
    expect(screen.getByTestId('trial-total').textContent).toContain('$0.01');
    expect(screen.getByTestId('invariants').textContent).toContain('2 invariant violations:');
    expect(screen.getAllByTestId('violation').map((v) => v.getAttribute('data-invariant'))).toEqual(['trial_balance', 'not_negative']);
    expect(screen.getAllByTestId('violation')[1]!.textContent).toBe(`not_negative: accountId escrow:${MILESTONE}:USD, kind escrow, currency USD, balance -1`);
  });
});
