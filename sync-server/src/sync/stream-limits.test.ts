// The stream's document limits: depth through fragments, one root field, subscriptions only, and the cache.
import { describe, expect, it } from 'vitest';
import { parse } from 'graphql';
import { SCHEMA_SDL, FIELDS } from '@shared/replication';
import { buildSchema } from 'graphql';
import { DocumentCache, STREAM_LIMITS, streamDocumentErrors } from './stream-limits';

const messages = (q: string) => streamDocumentErrors(parse(q)).map((e) => e.message);

describe('streamDocumentErrors', () => {
  it('accepts the stream queries devices send', () => {
    for (const fields of Object.values(FIELDS))
      expect(messages(`subscription S($h: Headers) { streamGigs(headers: $h) { documents { ${fields} } checkpoint { xid id scope } } }`)).toEqual([]);
  });

  it('counts depth through fragments and refuses fragment cycles', () => {
    const deep = (n: number): string => (n === 0 ? 'x' : `a { ${deep(n - 1)} }`);
    expect(messages(`subscription { ${deep(STREAM_LIMITS.maxDepth - 1)} }`)).toEqual([]);
    expect(messages(`subscription { ${deep(STREAM_LIMITS.maxDepth)} }`)[0]).toContain('levels deep');
    expect(messages(`subscription { s { ...A } } fragment A on T { a { ...B } } fragment B on T { b { c { d { e { f } } } } }`)[0]).toContain('levels deep');
    expect(messages(`subscription { s { ...A } } fragment A on T { a { ...A } }`)[0]).toContain('levels deep');
  });

  it('wants exactly one root field, aliases and fragments included, and subscriptions only', () => {
    expect(messages('subscription { a: s { x } b: s { x } }')[0]).toContain('exactly one');
    expect(messages('subscription { s { x } ... on Subscription { t { x } } }')[0]).toContain('exactly one');
    expect(messages('subscription { ...F } fragment F on Subscription { a: s { x } b: s { x } }')[0]).toContain('exactly one');
    expect(messages('query { s { x } }')[0]).toContain('POST /graphql');
    expect(messages('mutation { s { x } }')[0]).toContain('POST /graphql');
  });
});

describe('DocumentCache', () => {
  const schema = buildSchema(SCHEMA_SDL);
  it('parses once per text, never throws, and keeps each verdict', () => {
    const cache = new DocumentCache(2);
    const q = 'subscription { streamGigs { checkpoint { xid } } }';
    const d1 = cache.parse(q);
    expect(cache.parse(q)).toBe(d1);
    expect(cache.validate(schema, d1)).toEqual([]);
    const broken = cache.parse('subscription {');
    expect(cache.validate(schema, broken)[0]!.message).toContain('Syntax Error');
    expect(cache.validate(schema, cache.parse('subscription { streamNothing { x } }'))[0]!.message).toContain('streamNothing');
    const huge = cache.parse(`subscription { streamGigs { checkpoint { ${'xid '.repeat(STREAM_LIMITS.maxTokens)} } } }`);
    expect(cache.validate(schema, huge)[0]!.message).toContain('token');
  });
});
