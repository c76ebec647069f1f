// What a stream socket accepts: small subscription documents with one root field and a bounded depth,
// parsed and validated once per distinct text (every device sends the same few documents, so the parsed
// document is shared by all subscriptions instead of being held once per subscription).
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionSetNode,
  type Source,
} from 'graphql';

export const STREAM_LIMITS = {
  /** Deepest selection (streamGigs { documents { budget { amount } } } is 4). */
  maxDepth: 6,
  /** Tokens in one document: far above any real stream query, far below anything abusive. */
  maxTokens: 2000,
  /** Live subscriptions on one socket (a device needs one per collection). */
  maxSubscriptionsPerSocket: 20,
  /** Largest websocket message, in bytes. */
  maxPayloadBytes: 64 * 1024,
} as const;

/** Deepest field nesting of a selection set, following fragments (cycles count as too deep). */
export function selectionDepth(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen: Set<string> = new Set()): number {
  let deepest = 0;
  for (const sel of set.selections) {
    let d = 0;
    if (sel.kind === Kind.FIELD) d = 1 + (sel.selectionSet ? selectionDepth(sel.selectionSet, fragments, seen) : 0);
    else if (sel.kind === Kind.INLINE_FRAGMENT) d = selectionDepth(sel.selectionSet, fragments, seen);
    else {
      const name = sel.name.value;
      const frag = fragments.get(name);
      if (seen.has(name)) return Infinity;
      if (frag) {
        seen.add(name);
        d = selectionDepth(frag.selectionSet, fragments, seen);
        seen.delete(name);
      }
    }
    if (d > deepest) deepest = d;
  }
  return deepest;
}

/** Root fields an operation selects, counting aliases and fields inside fragments. */
export function rootFieldCount(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen: Set<string> = new Set()): number {
  let n = 0;
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) n++;
    else if (sel.kind === Kind.INLINE_FRAGMENT) n += rootFieldCount(sel.selectionSet, fragments, seen);
    else {
      const name = sel.name.value;
      const frag = fragments.get(name);
      if (frag && !seen.has(name)) {
        seen.add(name);
        n += rootFieldCount(frag.selectionSet, fragments, seen);
      }
    }
  }
  return n;
}

/** The stream's own rules: depth, and only subscriptions, each selecting exactly one root field. */
export function streamDocumentErrors(document: DocumentNode): GraphQLError[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  for (const def of document.definitions) {
    const set = def.kind === Kind.OPERATION_DEFINITION || def.kind === Kind.FRAGMENT_DEFINITION ? def.selectionSet : null;
    if (set && selectionDepth(set, fragments) > STREAM_LIMITS.maxDepth)
      return [new GraphQLError(`Selections may be at most ${STREAM_LIMITS.maxDepth} levels deep.`)];
  }
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    if (def.operation !== OperationTypeNode.SUBSCRIPTION)
      return [new GraphQLError('Only subscriptions run over the socket; send queries and mutations to POST /graphql.')];
    if (rootFieldCount(def.selectionSet, fragments) !== 1) return [new GraphQLError('A subscription selects exactly one stream field.')];
  }
  return [];
}

/**
 * Parse and validate for graphql-ws (its `parse` and `validate` options), cached: the parsed document per
 * text (bounded), the verdict per document. Parsing never throws (graphql-ws would close the socket):
 * a syntax error becomes an empty document whose verdict is that error.
 */
export class DocumentCache {
  private readonly parsed = new Map<string, DocumentNode>();
  private readonly verdicts = new WeakMap<DocumentNode, readonly GraphQLError[]>();

  constructor(private readonly max = 200) {}

  readonly parse = (source: string | Source): DocumentNode => {
    const text = typeof source === 'string' ? source : source.body;
    const hit = this.parsed.get(text);
    if (hit) return hit;
    let document: DocumentNode;
    try {
      document = parse(text, { noLocation: true, maxTokens: STREAM_LIMITS.maxTokens });
    } catch (e) {
      document = { kind: Kind.DOCUMENT, definitions: [] };
      this.verdicts.set(document, [e instanceof GraphQLError ? e : new GraphQLError('The document could not be parsed.')]);
      return document;
    }
    if (this.parsed.size >= this.max) this.parsed.delete(this.parsed.keys().next().value!);
    this.parsed.set(text, document);
    return document;
  };

  readonly validate = (schema: GraphQLSchema, document: DocumentNode): readonly GraphQLError[] => {
    let verdict = this.verdicts.get(document);
    if (!verdict) {
      // Our limits first: they are cheap and bound the work the standard rules do.
      const own = streamDocumentErrors(document);
      verdict = own.length > 0 ? own : validate(schema, document, specifiedRules, { maxErrors: 10 });
      this.verdicts.set(document, verdict);
    }
    return verdict;
  };
}
