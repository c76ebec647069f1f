import { describe, expect, it } from 'vitest';
import { COLLECTIONS, FIELDS } from './replication';
import { RXDB_SCHEMAS, type JsonSchema } from './rxdb-schemas';

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
