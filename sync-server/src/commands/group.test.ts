import { describe, expect, it } from 'vitest';
import { CommandGroups, uuidsIn, type Queued } from './group';

const A = '0190a000-0000-7000-8000-00000000000a';
const B = '0190a000-0000-7000-8000-00000000000b';
const C = '0190a000-0000-7000-8000-00000000000c';

interface Item extends Queued {
  name: string;
}
const item = (name: string, ...keys: string[]): Item => ({ name, keys: new Set(keys) });

/** A scheduler whose groups finish when the test says so. */
function harness(lanes: number, size: number, waitingOf: (group: Item[]) => Item[] = () => []) {
  const started: string[][] = [];
  const finish: (() => void)[] = [];
  const groups = new CommandGroups<Item>(
    (group) =>
      new Promise((resolve) => {
        started.push(group.map((i) => i.name));
        finish.push(() => resolve(waitingOf(group)));
      }),
    { lanes, size },
  );
  const settle = async () => {
    const f = finish.shift()!;
    f();
    await new Promise((r) => setImmediate(r));
  };
  return { groups, started, settle };
}

describe('uuidsIn', () => {
  it('finds UUIDs at any depth, lower-cased, and nothing else', () => {
    expect(uuidsIn({ a: A.toUpperCase(), b: [{ c: B }], d: 'not-a-uuid', e: 7, f: null, g: new Date() })).toEqual(new Set([A, B]));
  });
});

describe('CommandGroups', () => {
  it('runs at most `lanes` groups at once, and gathers what waited into the next group', async () => {
    const { groups, started, settle } = harness(2, 10);
    for (const n of ['1', '2', '3', '4', '5']) groups.submit(item(n));
    expect(started).toEqual([['1'], ['2']]);
    await settle();
    expect(started).toEqual([['1'], ['2'], ['3', '4', '5']]);
  });

  it('caps a group at `size`', async () => {
    const { groups, started, settle } = harness(1, 2);
    for (const n of ['1', '2', '3', '4']) groups.submit(item(n));
    await settle();
    expect(started).toEqual([['1'], ['2', '3']]);
  });

  it('never has two commands sharing a key in flight, and keeps their order', async () => {
    const { groups, started, settle } = harness(4, 10);
    groups.submit(item('a1', A));
    groups.submit(item('a2', A)); // waits: a1 holds A
    groups.submit(item('b1', B));
    groups.submit(item('ab', A, B)); // waits behind a2 (A) and b1 (B)
    groups.submit(item('c1', C));
    expect(started).toEqual([['a1'], ['b1'], ['c1']]);
    await settle(); // a1 done: a2 may go; ab still waits for b1, and behind a2
    expect(started.at(-1)).toEqual(['a2']);
    await settle(); // b1 done
    await settle(); // c1 done
    expect(started.flat()).not.toContain('ab');
    await settle(); // a2 done
    expect(started.at(-1)).toEqual(['ab']);
  });

  it('puts members a group sent back at the front of the queue', async () => {
    const { groups, started, settle } = harness(1, 10, (group) => group.filter((i) => i.name === 'x'));
    groups.submit(item('first'));
    groups.submit(item('x', A));
    groups.submit(item('y', B));
    await settle(); // first done; x and y go together, and x is sent back
    expect(started.at(-1)).toEqual(['x', 'y']);
    groups.submit(item('z', C));
    await settle();
    expect(started.at(-1)).toEqual(['x', 'z']);
  });
});
