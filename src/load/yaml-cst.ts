// Large YAML files (rule files of SLO generators: thousands of rules, megabytes) read from the yaml package's
// concrete syntax tree (its Parser's tokens) straight into plain data, without composing its document model:
// for a 2 MB rule file composing the model and converting it to data cost more than our checks of 5,000 rules.
//
// Only forms whose composition cannot fail are read here: block and single-line flow collections of scalars,
// with comments. Anything else (anchors, aliases, tags, merge keys, explicit keys, directives, tabs in
// indentation, flow collections over several lines, duplicate, unsafe or non-string keys, a lone surrogate,
// any token the parser flags) returns undefined, and the caller composes the file with the yaml package as before. So the data, and every
// error the composer would report, stay the composer's: this reader only ever says "plain" or "not sure".
import { CST, Document, Parser, Scalar } from 'yaml';
import type { CollectionTag, DocumentOptions, ParseOptions, ScalarTag, SchemaOptions } from 'yaml';
import { withEnvSnapshot } from './env-snapshot.js';

type Token = CST.Token;
type SourceToken = CST.SourceToken;
type FlowScalarToken = CST.FlowScalar;
type ScalarToken = CST.FlowScalar | CST.BlockScalar;

/** Thrown (one instance, no stack) when the text leaves the plain subset; caught in readPlainYaml. */
const NOT_PLAIN: unique symbol = Symbol('not plain');
const notPlain = (): never => {
  throw NOT_PLAIN;
};

/** The parse options the composer is given for these files (see YamlSource.parseDocuments). */
export type PlainYamlOptions = ParseOptions & DocumentOptions & SchemaOptions;

/** First characters of the core schema's null, bool, int and float forms: `~nNtTfF0-9+-.`. */
const MAY_NOT_BE_STRING: boolean[] = [];
for (const c of '~nNtTfF0123456789+-.') MAY_NOT_BE_STRING[c.charCodeAt(0)] = true;

/**
 * Plain scalars resolved by the composer's own schema tags (YAML 1.2 core: null, bool, int, float), in the
 * composer's order. Every one of those tags' tests needs the first character to be one of `~nNtTfF0-9+-.`,
 * or the scalar to be empty (null); any other plain scalar is a string without testing.
 */
class PlainScalars {
  private readonly tags: (ScalarTag & { test: RegExp })[];
  private readonly options: Document['options'];

  constructor(options: PlainYamlOptions) {
    const doc = new Document(null, options);
    this.options = doc.options;
    this.tags = doc.schema.tags.filter((t: ScalarTag | CollectionTag): t is ScalarTag & { test: RegExp } => t.default === true && t.test !== undefined && !t.collection);
  }

  resolve(value: string): unknown {
    if (value !== '' && !MAY_NOT_BE_STRING[value.charCodeAt(0)]) return value;
    for (const tag of this.tags) {
      if (!tag.test.test(value)) continue;
      const r: unknown = tag.resolve(value, notPlain, this.options);
      return r instanceof Scalar ? r.value : r;
    }
    return value;
  }
}

const isFlowScalar = (t: Token | undefined): t is FlowScalarToken => t !== undefined && (t.type === 'scalar' || t.type === 'single-quoted-scalar' || t.type === 'double-quoted-scalar');
export const isScalarToken = (t: Token | undefined): t is ScalarToken => isFlowScalar(t) || t?.type === 'block-scalar';

/**
 * Checks the tokens before a key or value (indentation, newlines, comments) and returns the one indicator
 * among them, if any. Comments must follow white space, spaces hold no tabs, and nothing else may appear (an
 * anchor, a tag, a second indicator, an error): the composer accepts all that passes here.
 */
function props(tokens: readonly SourceToken[], indicator: string | undefined, spaceBefore: boolean, onlySpaceBeforeIndicator = false): SourceToken | undefined {
  let found: SourceToken | undefined;
  let hasSpace = spaceBefore;
  for (const t of tokens) {
    switch (t.type) {
      case 'space':
        if (t.source.includes('\t')) notPlain();
        hasSpace = true;
        break;
      case 'newline':
        if (onlySpaceBeforeIndicator && !found) notPlain();
        hasSpace = true;
        break;
      case 'comment':
        if (!hasSpace || (onlySpaceBeforeIndicator && !found)) notPlain();
        break;
      default:
        if (t.type !== indicator || found) notPlain();
        found = t;
        hasSpace = false;
    }
  }
  return found;
}

/** What the caller checks on the composed model and this reader therefore leaves to it. */
export interface PlainLimits {
  /** Keys a plain object cannot hold as data (`__proto__`). */
  unsafeKeys: ReadonlySet<string>;
  /** Text no value may hold (a lone surrogate, which a double-quoted escape can write). */
  badText: RegExp;
}

class PlainReader {
  constructor(
    private readonly scalars: PlainScalars,
    private readonly limits: PlainLimits,
  ) {}

  scalar(t: ScalarToken): unknown {
    const r = CST.resolveAsScalar(t, true, notPlain);
    if (!r) return notPlain();
    if (t.type === 'double-quoted-scalar' && t.source.includes('\\') && this.limits.badText.test(r.value)) return notPlain();
    return t.type === 'scalar' ? this.scalars.resolve(r.value) : r.value;
  }

  /** A key as the composer reads it, or not plain: keys must be strings, and `<<` is a merge key. */
  key(t: Token | null | undefined, map: Record<string, unknown>): string {
    if (!isFlowScalar(t ?? undefined)) return notPlain();
    const k = this.flowKey(t as FlowScalarToken, map);
    return k;
  }

  private flowKey(t: FlowScalarToken, map: Record<string, unknown>): string {
    if (t.source.includes('\n') || t.end?.some((e) => e.type === 'newline')) return notPlain();
    const k = this.scalar(t);
    if (typeof k !== 'string' || k === '<<' || this.limits.unsafeKeys.has(k) || Object.hasOwn(map, k)) return notPlain();
    return k;
  }

  value(t: Token): unknown {
    switch (t.type) {
      case 'scalar':
      case 'single-quoted-scalar':
      case 'double-quoted-scalar':
      case 'block-scalar':
        return this.scalar(t);
      case 'block-map':
        return this.blockMap(t);
      case 'block-seq':
        return this.blockSeq(t);
      case 'flow-collection':
        return this.flowCollection(t);
      default:
        return notPlain();
    }
  }

  private blockMap(bm: CST.BlockMap): Record<string, unknown> {
    const out = Object.create(null) as Record<string, unknown>;
    const n = bm.items.length;
    for (let i = 0; i < n; i++) {
      const { start, key, sep, value } = bm.items[i]!;
      props(start, undefined, true);
      // Comment lines after the last pair are an item of their own.
      if (!key && !sep && !value && i === n - 1) continue;
      if (!key || !sep || !('indent' in key) || key.indent !== bm.indent) return notPlain();
      const k = this.key(key, out);
      const colon = props(sep, 'map-value-ind', false, true);
      if (!colon) return notPlain();
      if (value?.type === 'block-map' && !sep.some((s) => s.type === 'newline')) return notPlain();
      // The composer limits an implicit key to 1024 characters before its ":".
      if (colon.offset - (start[0]?.offset ?? key.offset) > 1000) return notPlain();
      out[k] = value ? this.value(value) : null;
    }
    return out;
  }

  private blockSeq(bs: CST.BlockSequence): unknown[] {
    const out: unknown[] = [];
    const n = bs.items.length;
    for (let i = 0; i < n; i++) {
      const { start, value } = bs.items[i]!;
      const dash = props(start, 'seq-item-ind', true);
      if (!dash) {
        if (value || i !== n - 1) return notPlain();
        continue;
      }
      out.push(value ? this.value(value) : null);
    }
    return out;
  }

  /** `{ a: b, c: "d" }` and `[a, 'b']` on one line, of scalars only. */
  private flowCollection(fc: CST.FlowCollection): unknown {
    const isMap = fc.start.source === '{';
    const [close, ...rest] = fc.end;
    if (close?.source !== (isMap ? '}' : ']')) return notPlain();
    for (const e of rest) if (e.type !== 'space' && e.type !== 'newline') notPlain();
    const map = Object.create(null) as Record<string, unknown>;
    const seq: unknown[] = [];
    fc.items.forEach(({ start, key, sep, value }, i) => {
      let commas = 0;
      for (const s of start) {
        if (s.type === 'comma') commas++;
        else if (s.type !== 'space' || s.source.includes('\t')) notPlain();
      }
      if (commas !== (i === 0 ? 0 : 1) || (i > 0 && start[0]?.type !== 'comma')) notPlain();
      // `[ ]` and a trailing comma (`[a, ]`) leave a last item of spaces only, which the composer skips.
      if (!key && !sep && !value && i === fc.items.length - 1) return;
      if (!isFlowScalar(value) || value.source.includes('\n')) return notPlain();
      if (!isMap) {
        if (key || sep) notPlain();
        seq.push(this.scalar(value));
        return;
      }
      const k = this.key(key, map);
      if (!sep || sep.some((s) => s.type !== 'space' && s.type !== 'map-value-ind') || sep.filter((s) => s.type === 'map-value-ind').length !== 1) notPlain();
      map[k] = this.scalar(value);
    });
    // One line: no indentation rules apply, and no key spans lines.
    if (fc.items.some((it) => [...it.start, ...(it.sep ?? [])].some((s) => s.type === 'newline') || (isFlowScalar(it.value) && it.value.end?.some((s) => s.type !== 'space')))) notPlain();
    return isMap ? map : seq;
  }
}

export interface PlainDocuments {
  /** Each document's CST token, for finding positions later. */
  tokens: CST.Document[];
  data: unknown[];
  /** A scalar token's value as it was read (for matching keys along a path). */
  scalar: (t: ScalarToken) => unknown;
}

/**
 * Reads every document of `text` into plain data (null-prototype objects), or returns undefined when the text
 * leaves the plain subset and must be composed. `onNewLine` is the LineCounter's, so positions come for free.
 */
export function readPlainYaml(text: string, options: PlainYamlOptions, limits: PlainLimits, onNewLine: (offset: number) => void): PlainDocuments | undefined {
  const reader = new PlainReader(new PlainScalars(options), limits);
  const tokens: CST.Document[] = [];
  const data: unknown[] = [];
  const read = withEnvSnapshot(() => {
    try {
      readDocuments(new Parser(onNewLine).parse(text), reader, tokens, data);
      return true;
    } catch (err) {
      if (err === NOT_PLAIN) return false;
      throw err;
    }
  });
  return read && tokens.length ? { tokens, data, scalar: (t) => reader.scalar(t) } : undefined;
}

function readDocuments(parsed: Iterable<Token>, reader: PlainReader, tokens: CST.Document[], data: unknown[]): void {
  for (const t of parsed) {
    switch (t.type) {
      case 'document': {
        const docStart = props(t.start, 'doc-start', true);
        // `--- key: value` cannot start a block collection on the marker's line.
        if (docStart && (t.value?.type === 'block-map' || t.value?.type === 'block-seq') && !t.start.slice(t.start.indexOf(docStart)).some((s) => s.type === 'newline')) notPlain();
        if (t.end) props(t.end, undefined, true);
        tokens.push(t);
        data.push(t.value ? reader.value(t.value) : null);
        break;
      }
      case 'comment':
      case 'newline':
      case 'space':
        break;
      default:
        notPlain();
    }
  }
}

type MapItem = { key?: Token | null; value?: Token };
/** Each large mapping's items by key, made when a position inside it is first asked for. */
const itemsByKey = new WeakMap<Token, Map<string, MapItem>>();
/** Up to this many pairs a mapping (a rule: alert, expr, for, labels, annotations) is searched, not indexed. */
const SCAN_LIMIT = 16;

/** Whether a key token reads as `name`. A plain key read here is a string whose text is its source (keys are one line). */
function keyIs(key: Token | null | undefined, name: string, scalars: (t: ScalarToken) => unknown): boolean {
  if (key?.type === 'scalar') return key.source === name;
  return isFlowScalar(key ?? undefined) && String(scalars(key as FlowScalarToken)) === name;
}

function indexedItem(t: Token, items: readonly MapItem[], key: string, scalars: (t: ScalarToken) => unknown): MapItem | undefined {
  let byKey = itemsByKey.get(t);
  if (!byKey) {
    byKey = new Map();
    // Keys are unique here: the plain reader leaves a mapping with a duplicate key to the composer.
    for (const it of items) if (isFlowScalar(it.key ?? undefined)) byKey.set(String(scalars(it.key as FlowScalarToken)), it);
    itemsByKey.set(t, byKey);
  }
  return byKey.get(key);
}

/** The CST token at a data path, or undefined where the path leaves what readPlainYaml read (or is missing). */
export function tokenAt(doc: CST.Document, path: readonly (string | number)[], key: boolean, scalars: (t: ScalarToken) => unknown): Token | undefined {
  let t: Token | undefined = doc.value;
  for (let i = 0; i < path.length && t; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (t.type === 'block-map' || (t.type === 'flow-collection' && t.start.source === '{')) {
      const items: MapItem[] = t.items;
      const name = String(seg);
      const item = items.length > SCAN_LIMIT ? indexedItem(t, items, name, scalars) : items.find((it) => keyIs(it.key, name, scalars));
      if (!item) return undefined;
      t = key && last ? (item.key ?? undefined) : item.value;
    } else if ((t.type === 'block-seq' || t.type === 'flow-collection') && typeof seg === 'number') {
      // Every item of a sequence read here is a value (a trailing comment-only item comes last).
      const items: { value?: Token }[] = t.items;
      t = items[seg]?.value;
    } else return undefined;
  }
  return t;
}
