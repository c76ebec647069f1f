// A tiny state-machine kernel: transition tables are plain data, `can()` explains, `next()` decides.
import type { Party } from './roles';

export interface EventRule<G extends string> {
  /** Parties that may fire the event. */
  readonly by: readonly Party[];
  /** Named guards that must all hold; their predicates live beside the table. */
  readonly guards?: readonly G[];
}

export interface MachineTable<S extends string, E extends string, G extends string, C> {
  readonly name: string;
  readonly states: readonly S[];
  readonly terminal: readonly S[];
  readonly events: { readonly [K in E]: EventRule<G> };
  readonly transitions: { readonly [K in S]: { readonly [V in E]?: S } };
  readonly guards: { readonly [K in G]: (ctx: C) => boolean };
}

export type Verdict<S extends string, G extends string> =
  | { readonly ok: true; readonly to: S }
  | { readonly ok: false; readonly why: 'no_transition' }
  | { readonly ok: false; readonly why: 'not_permitted' }
  | { readonly ok: false; readonly why: 'guard_failed'; readonly guard: G };

/**
 * May `parties` fire `event` from `state`? Checks, in order: the table has the transition, one of the
 * actor's parties is allowed, every guard holds. The order matters to users: "this booking is already
 * completed" is a better answer than "you may not do that" when both are true.
 */
export function can<S extends string, E extends string, G extends string, C>(
  machine: MachineTable<S, E, G, C>,
  state: NoInfer<S>,
  event: NoInfer<E>,
  parties: readonly Party[],
  ctx: NoInfer<C>,
): Verdict<S, G> {
  const to = machine.transitions[state]?.[event];
  if (to === undefined) return { ok: false, why: 'no_transition' };
  const rule = machine.events[event];
  if (!rule.by.some((p) => parties.includes(p))) return { ok: false, why: 'not_permitted' };
  for (const guard of rule.guards ?? []) {
    if (!machine.guards[guard](ctx)) return { ok: false, why: 'guard_failed', guard };
  }
  return { ok: true, to };
}

export class TransitionError extends Error {
  constructor(
    readonly machine: string,
    readonly state: string,
    readonly event: string,
    readonly verdict: Exclude<Verdict<string, string>, { ok: true }>,
  ) {
    super(`${machine}: cannot ${event} from ${state} (${verdict.why}${'guard' in verdict ? `: ${verdict.guard}` : ''})`);
    this.name = 'TransitionError';
  }
}

/** The state after `event`, or a TransitionError saying why not. */
export function next<S extends string, E extends string, G extends string, C>(
  machine: MachineTable<S, E, G, C>,
  state: NoInfer<S>,
  event: NoInfer<E>,
  parties: readonly Party[],
  ctx: NoInfer<C>,
): S {
  const verdict = can(machine, state, event, parties, ctx);
  if (verdict.ok) return verdict.to;
  throw new TransitionError(machine.name, state, event, verdict);
}

/** Events that `parties` could fire from `state`, ignoring guards: what a UI offers as buttons. */
export function eventsFrom<S extends string, E extends string, G extends string, C>(
  machine: MachineTable<S, E, G, C>,
  state: NoInfer<S>,
  parties: readonly Party[],
): E[] {
  const row = machine.transitions[state] ?? {};
  return (Object.keys(row) as E[]).filter((e) => machine.events[e].by.some((p) => parties.includes(p)));
}
