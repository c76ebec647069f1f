// The parts of bench:commands that decide what is counted: the turn order, the gate that pauses the lanes
// while pgbench runs, and how pgbench's turns add up.
import { describe, expect, it } from 'vitest';
import { Gate, abba } from './command-phase';
import { combinedRuns } from './pgbench';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('abba', () => {
  it('gives each side the same turns, neither always first', () => {
    expect(abba(4)).toEqual(['commands', 'other', 'other', 'commands', 'commands', 'other', 'other', 'commands']);
    expect(abba(1)).toEqual(['commands', 'other']);
  });
});

describe('Gate', () => {
  it('closing waits for the steps in flight, and holds the next ones until it opens', async () => {
    const gate = new Gate();
    await gate.enter(); // open at first: a step goes through
    let closed = false;
    const closing = gate.close().then(() => (closed = true));
    await tick();
    expect(closed).toBe(false); // one step still in flight
    gate.leave();
    await closing;
    expect(gate.inFlight).toBe(0);

    let entered = false;
    const next = gate.enter().then(() => (entered = true));
    await tick();
    expect(entered).toBe(false);
    gate.openUp();
    await next;
    expect(gate.inFlight).toBe(1);
    gate.leave();
  });

  it('released, it lets every waiting lane through, closed or not', async () => {
    const gate = new Gate();
    await gate.close();
    const waiting = [gate.enter(), gate.enter()];
    gate.release();
    await Promise.all(waiting);
    expect(gate.inFlight).toBe(2);
    gate.leave();
    gate.leave();
    await gate.close(); // released stays open to lanes, so they can see they should stop
    await gate.enter();
    expect(gate.inFlight).toBe(1);
  });
});

describe('combinedRuns', () => {
  it('adds transactions over the time each run took, not the mean of the rates', () => {
    const r = combinedRuns([
      { tps: 2000, latencyAvgMs: 10, transactions: 1000 },
      { tps: 1000, latencyAvgMs: 30, transactions: 1000 },
    ], 5);
    expect(r.transactions).toBe(2000);
    expect(r.tps).toBeCloseTo(2000 / 1.5, 6);
    expect(r.latencyAvgMs).toBe(20);
  });

  it('takes a run that did not count its transactions at its rate for the run’s length', () => {
    expect(combinedRuns([{ tps: 100, latencyAvgMs: undefined, transactions: undefined }], 5)).toEqual({ tps: 100, latencyAvgMs: undefined, transactions: 500 });
  });
});
