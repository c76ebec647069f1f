import { describe, expect, it } from 'vitest';
import { COLLECTIONS, FIELDS } from './replication';
import { RXDB_SCHEMAS, type JsonSchema, type StoredDocTypes } from './rxdb-schemas';

type Selection = Map<string, Selection | null>;

/** Reads a GraphQL selection set such as `id budget { amount currency }` into a tree of field names. */
function parseSelection(text: string): Selection {
  const tokens = text.match(/[A-Za-z_][A-Za-z0-9_]*|[{}]/g) ?? [];
  let i = 0;
  const level = (): Selection => {
    const out: Selection = new Map();
    while (i < tokens.length) {
      const t = tokens[i++]!;
      if (t === '}') return out;
      if (tokens[i] === '{') {
        i++;
        out.set(t, level());
      } else out.set(t, null);
    }
    return out;
  };
  return level();
}

const types = (s: JsonSchema) => [s.type ?? []].flat();

describe('RxDB schemas match the replication contract', () => {
  for (const c of COLLECTIONS) {
    const schema = RXDB_SCHEMAS[c];
    const selection = parseSelection(FIELDS[c]);
    const properties = schema.properties as Record<string, JsonSchema>;

    it(`${c}: stores every field the device asks for, except the deleted flag RxDB keeps itself`, () => {
      const asked = [...selection.keys()].filter((f) => f !== 'deleted').sort();
      expect(Object.keys(properties).sort()).toEqual(asked);
      expect(selection.has('deleted')).toBe(true);
    });

    it(`${c}: nested selections match nested object schemas`, () => {
      for (const [field, sub] of selection) {
        if (!sub) continue;
        expect(types(properties[field]!), field).toContain('object');
        expect(Object.keys(properties[field]!.properties ?? {}).sort(), field).toEqual([...sub.keys()].sort());
      }
    });

    it(`${c}: primary key and indexed strings have a maxLength, indexed fields are required`, () => {
      expect(schema.primaryKey).toBe('id');
      expect(properties.id!.maxLength).toBeLessThanOrEqual(40);
      const required = new Set<string>(schema.required);
      expect(required.has('id')).toBe(true);
      for (const index of 'indexes' in schema ? schema.indexes : []) {
        for (const field of index) {
          expect(required.has(field), field).toBe(true);
          const p = properties[field]!;
          if (types(p).includes('string')) expect(p.maxLength, field).toBeGreaterThan(0);
          expect(types(p), field).not.toContain('null');
        }
      }
    });

    it(`${c}: required fields exist and are never nullable`, () => {
      for (const field of schema.required) {
        expect(properties[field], field).toBeDefined();
        expect(types(properties[field]!), field).not.toContain('null');
      }
    });
  }
});

/** The subset of JSON Schema these schemas use, enough to say why a document does not fit. */
function problems(schema: JsonSchema, value: unknown, path = '$'): string[] {
  const t = types(schema);
  const kind = value === null ? 'null' : Array.isArray(value) ? 'array' : Number.isInteger(value) ? 'integer' : typeof value;
  if (t.length && !t.includes(kind as never) && !(kind === 'integer' && t.includes('number'))) return [`${path}: ${kind} is not ${t.join('|')}`];
  if (schema.enum && !schema.enum.includes(value as never)) return [`${path}: ${String(value)} is not one of ${schema.enum.join(', ')}`];
  if (kind === 'array') return (value as unknown[]).flatMap((v, i) => (schema.items ? problems(schema.items, v, `${path}[${i}]`) : []));
  if (kind !== 'object') return [];
  const obj = value as Record<string, unknown>;
  const declared = schema.properties ?? {};
  return [
    ...(schema.required ?? []).filter((k) => !(k in obj)).map((k) => `${path}.${k}: missing`),
    ...Object.entries(obj).flatMap(([k, v]) =>
      declared[k] ? problems(declared[k]!, v, `${path}.${k}`) : typeof schema.additionalProperties === 'object' ? problems(schema.additionalProperties, v, `${path}.${k}`) : [`${path}.${k}: not in the schema`],
    ),
  ];
}

describe('money documents as a device stores them fit their schemas', () => {
  const usd = (amount: number) => ({ amount, currency: 'USD' as const });
  const at = '2026-11-19T10:00:00.000Z';
  const milestone: StoredDocTypes['milestones'] = {
    id: '0190a000-0000-7000-8000-0000000000d1', bookingId: '0190a000-0000-7000-8000-0000000000b1', clientId: '0190a000-0000-7000-8000-000000000001',
    workerId: '0190a000-0000-7000-8000-000000000010', position: 0, description: 'Fix the tap', amount: usd(8000), feeBps: 1000, fee: usd(800),
    net: usd(7200), status: 'submitted', changeRounds: 0, fundedAt: at, submittedAt: at, autoApproveAt: at, releasedAmount: usd(0),
    refundedAmount: usd(0), feeAmount: usd(0),
    timeline: [{ at, event: 'payment_confirmed', status: 'funded', by: 'system', actorId: null }, { at, event: 'submit', status: 'submitted', by: 'worker', actorId: '0190a000-0000-7000-8000-000000000010', note: 'Done' }],
    createdAt: at, updatedAt: at, version: 3,
  };
  const dispute: StoredDocTypes['disputes'] = {
    id: '0190a000-0000-7000-8000-0000000000e1', bookingId: milestone.bookingId, milestoneId: milestone.id, clientId: milestone.clientId,
    workerId: milestone.workerId, openedBy: 'client', openedById: milestone.clientId, reason: 'Still leaks', amount: usd(8000),
    refundAmount: usd(4000), status: 'resolved', respondBy: at, respondedAt: at, outcome: 'split', resolvedHow: 'admin',
    releasedAmount: usd(5000), refundedAmount: usd(3000), resolutionReason: 'Half done', openedAt: at, resolvedAt: at,
    evidence: [{ id: '0190a000-0000-7000-8000-0000000000f1', by: 'worker', actorId: milestone.workerId, text: 'Photo of the tap', messageIds: ['0190a000-0000-7000-8000-0000000000a9'],
      attachments: [{ id: '0190a000-0000-7000-8000-0000000000f2', name: 'tap.jpg', contentType: 'image/jpeg', size: 2048 }], at }],
    createdAt: at, updatedAt: at, version: 4,
  };

  it('accepts a submitted milestone with its history, and a resolved dispute with evidence and an attachment', () => {
    expect(problems(RXDB_SCHEMAS.milestones, milestone)).toEqual([]);
    expect(problems(RXDB_SCHEMAS.disputes, dispute)).toEqual([]);
  });

  it('refuses what a device must never store: a milestone state the machine lacks, evidence without its attachments list', () => {
    expect(problems(RXDB_SCHEMAS.milestones, { ...milestone, status: 'paid' })).toEqual(['$.status: paid is not one of ' + RXDB_SCHEMAS.milestones.properties.status.enum.join(', ')]);
    const { attachments: _, ...bare } = dispute.evidence[0]!;
    expect(problems(RXDB_SCHEMAS.disputes, { ...dispute, evidence: [bare] })).toEqual(['$.evidence[0].attachments: missing']);
  });
});
