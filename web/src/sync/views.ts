// Live optimistic views over the local database: what every screen reads.
import {
  BehaviorSubject,
  combineLatest,
  defer,
  distinctUntilChanged,
  map,
  of,
  shareReplay,
  switchMap,
  type Observable,
  type Subscription,
} from 'rxjs';
import { getQueryMatcher, getSortComparator, normalizeMangoQuery, type MangoQuery, type RxCollection, type RxJsonSchema } from 'rxdb';
import type { CollectionName } from '@shared/replication';
import type { StoredDocTypes } from '@shared/rxdb-schemas';
import type { FieldworkDatabase } from './database';
import { confirmed, emptyProjection, project, targetsOf, type BaseDocs, type Me, type Projection, type ViewCommand, type ViewDoc } from './optimistic';

type CommandDoc = StoredDocTypes['commands'];

export interface Views {
  /** One document as the user should see it; undefined when neither the server nor a pending command has it. */
  view$<C extends CollectionName>(collection: C, id: string): Observable<ViewDoc<C> | undefined>;
  /** A query over the optimistic view: provisional documents included, documents a command moves out excluded. */
  viewAll$<C extends CollectionName>(collection: C, query?: MangoQuery<StoredDocTypes[C]>): Observable<ViewDoc<C>[]>;
  /** Pending commands in the order they were issued (the outbox). */
  readonly pending$: Observable<CommandDoc[]>;
  close(): void;
}

export interface ViewOptions {
  db: FieldworkDatabase;
  me$: Observable<Me>;
  /**
   * How long a command that just came back applied keeps shaping the view. The decided command and the
   * documents it changed arrive through different collections, in either order; without this hold a
   * screen would flick back to the old state until the documents arrive.
   */
  settleMs?: number;
  now?: () => number;
}

/** One collection without the union of its document types, which TypeScript cannot call methods on. */
const collectionOf = (db: FieldworkDatabase, c: CollectionName) => db[c] as unknown as RxCollection<{ id: string }>;

const byIssue = (a: CommandDoc, b: CommandDoc) => (a.issuedAt < b.issuedAt ? -1 : a.issuedAt > b.issuedAt ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
const plain = <T>(doc: { toJSON(): unknown }) => doc.toJSON() as T;

export function createViews({ db, me$, settleMs = 5000, now = Date.now }: ViewOptions): Views {
  const subs: Subscription[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();

  const pending$ = db.commands
    .find({ selector: { status: 'pending' }, sort: [{ issuedAt: 'asc' }] })
    .$.pipe(
      map((docs) => docs.map((d) => plain<CommandDoc>(d)).sort(byIssue)),
      shareReplay({ bufferSize: 1, refCount: true }),
    );

  // Commands that left `pending` as applied during this session, held for settleMs.
  const settling$ = new BehaviorSubject<ReadonlyMap<string, CommandDoc>>(new Map());
  let seen = new Set<string>();
  subs.push(
    pending$.subscribe(async (docs) => {
      const ids = new Set(docs.map((d) => d.id));
      const gone = [...seen].filter((id) => !ids.has(id));
      seen = ids;
      if (gone.length === 0 || settleMs <= 0) return;
      const decided = await db.commands.findByIds(gone).exec().catch(() => new Map());
      const applied = [...decided.values()].map((d) => plain<CommandDoc>(d)).filter((d) => d.status === 'applied');
      if (applied.length === 0) return;
      settling$.next(new Map([...settling$.value, ...applied.map((d) => [d.id, d] as const)]));
      const timer = setTimeout(() => {
        timers.delete(timer);
        const next = new Map(settling$.value);
        for (const d of applied) next.delete(d.id);
        settling$.next(next);
      }, settleMs);
      timers.add(timer);
    }),
  );

  // The parser (and the schema library behind it) is fetched the first time there is a command to read.
  const parse$ = defer(() => import('./view-command')).pipe(
    map((m) => m.toViewCommand),
    shareReplay({ bufferSize: 1, refCount: false }),
  );
  const commands$: Observable<ViewCommand[]> = combineLatest([pending$, settling$]).pipe(
    map(([pending, settling]) => [...pending, ...[...settling.values()].filter((s) => !pending.some((p) => p.id === s.id))].sort(byIssue)),
    switchMap((docs) =>
      docs.length === 0 ? of([]) : parse$.pipe(map((parse) => docs.map(parse).filter((c): c is ViewCommand => c !== undefined))),
    ),
  );

  const empty = emptyProjection();
  const projection$: Observable<Projection> = combineLatest([commands$, me$]).pipe(
    switchMap(([commands, me]) => {
      if (commands.length === 0) return of(empty);
      // The documents the commands touch, plus the actor's own profile (names, operator facts).
      const ids = new Map<CollectionName, Set<string>>([['profiles', new Set([me.id])]]);
      for (const cmd of commands)
        for (const t of targetsOf(cmd, me)) ids.set(t.collection, (ids.get(t.collection) ?? new Set()).add(t.id));
      const loads = [...ids].map(([c, set]) =>
        collectionOf(db, c)
          .findByIds([...set])
          .$.pipe(map((found) => [c, new Map([...found].map(([id, d]) => [id, plain(d)]))] as const)),
      );
      return combineLatest(loads).pipe(
        map((loaded) => project(Object.fromEntries(loaded) as BaseDocs, commands, { me, now: now() })),
      );
    }),
    shareReplay({ bufferSize: 1, refCount: true }),
  );

  return {
    pending$,
    view$<C extends CollectionName>(c: C, id: string): Observable<ViewDoc<C> | undefined> {
      const base$ = collectionOf(db, c).findOne(id).$;
      return combineLatest([base$, projection$]).pipe(
        map(([doc, proj]) => (proj[c].get(id) as ViewDoc<C> | undefined) ?? (doc ? confirmed<C>(plain(doc)) : undefined)),
        distinctUntilChanged((a, b) => JSON.stringify(a) === JSON.stringify(b)),
      );
    },
    viewAll$<C extends CollectionName>(c: C, query: MangoQuery<StoredDocTypes[C]> = {}): Observable<ViewDoc<C>[]> {
      const collection = collectionOf(db, c);
      const schema = collection.schema.jsonSchema as RxJsonSchema<never>;
      const normalized = normalizeMangoQuery(schema, query as MangoQuery<never>);
      const matches = getQueryMatcher(schema, normalized as never);
      const compare = getSortComparator(schema, normalized as never);
      return combineLatest([collection.find(query as MangoQuery<never>).$, projection$]).pipe(
        map(([docs, proj]) => {
          const byId = new Map<string, ViewDoc<C>>(docs.map((d) => [d.primary, confirmed<C>(plain(d))]));
          // A command can bring a document into the query (a provisional gig) or move one out (a cancel).
          for (const [id, doc] of proj[c] as Map<string, ViewDoc<C>>) {
            if (matches(doc as never)) byId.set(id, doc);
            else byId.delete(id);
          }
          const list = [...byId.values()].sort(compare as (a: ViewDoc<C>, b: ViewDoc<C>) => number);
          return query.limit === undefined ? list : list.slice(0, query.limit);
        }),
        // A sync round re-runs every query; pass a result on only when what a screen shows can differ.
        distinctUntilChanged((a, b) => a.length === b.length && JSON.stringify(a) === JSON.stringify(b)),
      );
    },
    close() {
      subs.forEach((s) => s.unsubscribe());
      timers.forEach(clearTimeout);
      settling$.complete();
    },
  };
}
