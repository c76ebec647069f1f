// Group commit for commands: commands that arrive while others are being decided are decided together, in
// one transaction, instead of one transaction each. Under load this is most of the cost of a command
// (bench/commands.bench.ts): every statement costs the driver and the server about the same whether it
// carries one command's rows or thirty's, and so does every COMMIT. At rest nothing waits: a command that
// finds a free lane is decided at once, alone.
//
// Correctness rests on keys. A command's keys are its id, its actor, and every UUID in its payload (the
// gig, booking, milestone, dispute or message it names). Two commands that share a key are never in
// flight together, in one group or in two: the later one waits in the queue, behind the earlier, so that
// one device's commands keep their order and two claims on one gig meet in turn. What a group's loads
// then reveal (the booking behind a milestone, the parties of a booking) is checked again once loaded;
// see decideGroup in apply.ts.

/** UUIDs anywhere in a value, to the depth a payload may nest (apply.ts refuses deeper ones). */
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
export function uuidsIn(value: unknown, into: Set<string> = new Set(), skip?: ReadonlySet<string>, depth = 0): Set<string> {
  if (typeof value === 'string') {
    if (value.length === 36 && UUID.test(value)) into.add(value.toLowerCase());
  } else if (Array.isArray(value)) {
    if (depth < 32) for (const child of value) uuidsIn(child, into, skip, depth + 1);
  } else if (value !== null && typeof value === 'object' && depth < 32 && !(value instanceof Date)) {
    for (const [key, child] of Object.entries(value)) if (!skip?.has(key)) uuidsIn(child, into, skip, depth + 1);
  }
  return into;
}

/**
 * The fields of loaded rows that say whom a row belongs to or who wrote it. They are no conflict between
 * members: what handlers read by person is the actor's own (a key from the start), and the one write by
 * person, a rename's touch of their gigs and bookings, changes nothing a decision reads. Counting them would
 * put everyone dealing with one busy client in a group of their own.
 */
export const PERSON_FIELDS: ReadonlySet<string> = new Set([
  'clientId', 'workerId', 'userId', 'actorId', 'openedById', 'resolvedById',
  // A booking's gig, read beside it as to_jsonb: column names.
  'client_id',
]);

export interface Queued {
  readonly keys: ReadonlySet<string>;
}

/**
 * Decides a group and says which of its members must wait for a later one (their loads met a key that an
 * earlier member of the group already holds). `requeue` hands members back before that, while the lane
 * goes on with the others.
 */
export type DecideGroup<T extends Queued> = (group: T[], requeue: (members: T[]) => void) => Promise<T[]>;

export interface GroupOptions {
  /** Groups in flight at once: each holds one pooled connection while it runs. */
  lanes: number;
  /** Commands in one group at most. */
  size: number;
}

export class CommandGroups<T extends Queued> {
  private readonly queue: T[] = [];
  /** Keys of the commands in flight, with how many hold each (a group's members hold disjoint keys). */
  private readonly held = new Map<string, number>();
  /** Keys of the commands queued, with how many name each. */
  private readonly queued = new Map<string, number>();
  private running = 0;

  constructor(
    private readonly decide: DecideGroup<T>,
    private readonly o: GroupOptions,
  ) {}

  /**
   * While a lane is free, everything queued is waiting for a key (else it would be running), so a newcomer
   * needs looking at alone: it starts at once unless one of its keys is held or queued before it.
   */
  submit(item: T): void {
    if (this.running < this.o.lanes && !this.meets(item, this.queued)) this.start([item]);
    else this.enqueue([item]);
  }

  private meets(item: T, keys: ReadonlyMap<string, number> | ReadonlySet<string>): boolean {
    for (const k of item.keys) if (this.held.has(k) || keys.has(k)) return true;
    return false;
  }

  private enqueue(items: T[], front = false): void {
    if (front) this.queue.unshift(...items);
    else this.queue.push(...items);
    for (const item of items) count(this.queued, item.keys, +1);
  }

  private start(group: T[]): void {
    this.running++;
    const holding = new Set(group);
    for (const item of group) count(this.held, item.keys, +1);
    const release = (members: T[], back: boolean) => {
      const released = members.filter((item) => holding.delete(item));
      for (const item of released) count(this.held, item.keys, -1);
      if (back) this.enqueue(released, true);
    };
    const requeue = (members: T[]) => {
      release(members, true);
      this.pump();
    };
    void this.decide(group, requeue)
      .catch(() => []) // decide answers every member itself; a failure here has been answered already
      .then((waiting) => {
        release(waiting, true);
        release([...holding], false);
        this.running--;
        this.pump();
      });
  }

  /** After a group finished: as many groups as there are free lanes, from what the queue lets go. */
  private pump(): void {
    while (this.running < this.o.lanes && this.queue.length > 0) {
      const group = this.take();
      if (group.length === 0) return;
      this.start(group);
    }
  }

  /**
   * The next group, in queue order: a command whose keys are held, or belong to a command passed over
   * before it, stays queued, so that commands sharing a key are decided in the order they came.
   */
  private take(): T[] {
    const group: T[] = [];
    const passed = new Set<string>();
    for (let i = 0; i < this.queue.length && group.length < this.o.size; ) {
      const item = this.queue[i]!;
      const free = !this.meets(item, passed);
      for (const k of item.keys) passed.add(k); // members of one group hold disjoint keys
      if (free) {
        group.push(item);
        this.queue.splice(i, 1);
        count(this.queued, item.keys, -1);
      } else i++;
    }
    return group;
  }
}

function count(counts: Map<string, number>, keys: ReadonlySet<string>, by: 1 | -1): void {
  for (const k of keys) {
    const n = (counts.get(k) ?? 0) + by;
    if (n === 0) counts.delete(k);
    else counts.set(k, n);
  }
}
