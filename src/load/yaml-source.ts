import { Document, LineCounter, isMap, isPair, isScalar, isSeq, isAlias, isCollection, parseAllDocuments, parseDocument, visit } from 'yaml';
import type { Alias, Node } from 'yaml';
import { Scalar } from 'yaml';
import type { Diagnostic, Position } from '../diagnostics.js';
import { dict } from '../util/dict.js';
import type { PlainDocuments } from './yaml-events.js';
import { readPlainYaml } from './yaml-events.js';

/** Catalogs are small; a cap keeps a hostile file from exhausting memory before validation. */
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;
/** Legitimate catalogs reuse anchors a handful of times; billion-laughs files need thousands. */
export const MAX_ALIAS_COUNT = 200;
/** A catalog nests about 6 levels; the YAML parser and every recursive walk after it overflow the stack near 900. */
export const MAX_NESTING = 64;
/**
 * `__proto__` is the one key a plain object cannot hold as data. Every other name (constructor, toString, …) is
 * an ordinary name: the data is built from null-prototype objects, so no lookup ever reaches Object.prototype.
 */
const UNSAFE_KEYS = new Set(['__proto__']);
/** Where a YAML tag can start: `!` at the start of a node (after a line start, blank, `[`, `{` or `,`); `!=` is PromQL, not a tag. */
const TAG_START = /(?:^|[\s[{,])!(?!=)/m;
/** A UTF-16 surrogate without its partner: not a character, and no UTF-8 file can hold it. */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** What each YAML structure error means in the catalog's terms. */
const YAML_HINTS = dict<string>({
  BLOCK_AS_IMPLICIT_KEY: 'a key is indented deeper than the keys beside it, or a value is followed by another "key:" on the same line; align it with its siblings',
  MULTILINE_IMPLICIT_KEY: 'a key is indented deeper than the keys beside it, or a value is followed by another "key:" on the same line; align it with its siblings',
  BAD_INDENT: 'keys of one mapping must start in the same column, and a list or [ ] block must be indented under its key and closed',
  TAB_AS_INDENT: 'YAML indents with spaces only; replace the tab with spaces',
  MISSING_CHAR: 'a quote or bracket is not closed, or a key has no ":" after it',
  BAD_DQ_ESCAPE: 'inside "double quotes" a backslash starts an escape; write \\\\ for a backslash, or use single quotes',
  MULTIPLE_DOCS: 'a catalog is one YAML document; remove the "---" line and what follows, or merge it into the first document',
  DUPLICATE_KEY: 'YAML keeps only one of the two values; remove or rename one of them',
  UNEXPECTED_TOKEN: 'this character cannot start a value here; quote the value if it is text',
  TAG_RESOLVE_FAILED: 'catalogs use plain YAML values only; remove the !tag',
});

export type PathSegment = string | number;

/** Limits and dialect of one kind of YAML input. Catalogs: the defaults. Rule files: larger, with merge keys. */
export interface YamlReadOptions {
  maxBytes?: number;
  maxAliasCount?: number;
  /** `<<: *anchor` merge keys, as go-yaml (and so Prometheus' rule loader) reads them. */
  merge?: boolean;
  /** Several `---` documents (Kubernetes manifests); otherwise a second document is an error. */
  multiDocument?: boolean;
  /**
   * Read the plain forms straight from js-yaml's events (load/yaml-events.ts) and compose the document model
   * only when a position needs it (large rule files). Data, errors and positions are the same either way.
   */
  plainFirst?: boolean;
}

/** A document read from js-yaml's events: positions of scalars come from them, anything else from the composed model. */
interface PlainTree {
  index: number;
  read: PlainDocuments;
  compose: () => Document.Parsed;
}

export interface Span {
  start: Position;
  end: Position;
}

/** A parsed YAML file that can map any data path (or an offset inside a string) back to line and column. */
export class YamlSource {
  private composed: Document.Parsed | undefined;

  private constructor(
    readonly file: string,
    readonly text: string,
    doc: Document.Parsed | PlainTree,
    private readonly lines: LineCounter,
  ) {
    if (doc instanceof Document) this.composed = doc;
    else this.plain = doc;
  }

  private readonly plain: PlainTree | undefined;

  /** The composed document (for a file read from js-yaml's events, composed on first use). */
  get doc(): Document.Parsed {
    this.composed ??= this.plain!.compose();
    return this.composed;
  }

  /** Parses safely: returns either the source and its plain data, or the diagnostics that make it unusable. */
  static parse(file: string, bytes: Uint8Array | string, options: YamlReadOptions = {}): { source?: YamlSource; data?: unknown; text?: string; diagnostics: Diagnostic[] } {
    const r = YamlSource.parseDocuments(file, bytes, options);
    const first = r.documents[0];
    return { ...(first ? { source: first.source, data: first.data } : {}), ...(r.text !== undefined ? { text: r.text } : {}), diagnostics: r.diagnostics };
  }

  /** Every document of a file, each a YamlSource over the same text (so positions are the file's own). */
  static parseDocuments(file: string, bytes: Uint8Array | string, options: YamlReadOptions = {}): { documents: { source: YamlSource; data: unknown }[]; text?: string; diagnostics: Diagnostic[] } {
    const maxBytes = options.maxBytes ?? MAX_SOURCE_BYTES;
    const maxAliasCount = options.maxAliasCount ?? MAX_ALIAS_COUNT;
    let text: string | undefined;
    const fail = (check: string, message: string, span?: Span | Record<string, never>, hint?: string) => ({
      documents: [],
      ...(text !== undefined ? { text } : {}),
      diagnostics: [{ file, severity: 'error' as const, check, message, ...(span ?? {}), ...(hint ? { hint } : {}) }],
    });
    const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
    if (size > maxBytes) {
      return fail('yaml-size', `file is ${size} bytes; the limit is ${maxBytes} bytes`);
    }
    if (typeof bytes === 'string') text = bytes;
    else {
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        return fail('yaml-encoding', 'file is not UTF-8 text', undefined, 'save the file as UTF-8 (it may be UTF-16 or a binary file)');
      }
    }
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    if (text.includes('\u0000')) return fail('yaml-encoding', 'file contains NUL bytes; it is not a text file');

    const lines = new LineCounter();
    const tooDeep = deepNestingOffset(text, MAX_NESTING);
    if (tooDeep !== undefined) {
      const before = text.slice(0, tooDeep);
      const start = { line: before.split('\n').length, column: tooDeep - before.lastIndexOf('\n') };
      const at = { start, end: { line: start.line, column: start.column + 1 } };
      return fail('yaml-depth', `the file nests more than ${MAX_NESTING} levels deep here`, at, 'catalogs and rule files need a few levels; this looks like a generated or hostile file');
    }
    const composeOptions = { uniqueKeys: true, prettyErrors: false, strict: true, version: '1.2', schema: 'core', keepSourceTokens: false, merge: options.merge ?? false } as const;
    const fileText = text;
    // The node checks below look for an unsafe key, a lone surrogate and a tag. A key or value can only hold one
    // written as it is or through an escape (a backslash in a double-quoted string), and a tag starts with `!`: a
    // text holding none of these cannot have one, and skips the walk.
    const mayNeedNodeChecks = [...UNSAFE_KEYS].some((k) => fileText.includes(k)) || LONE_SURROGATE.test(fileText) || fileText.includes('\\') || TAG_START.test(fileText);
    // The plain reader checks keys and escapes itself, and leaves tags to the composer; a raw lone surrogate
    // (possible only in text handed over as a string) is left to the node checks.
    if (options.plainFirst && !LONE_SURROGATE.test(fileText)) {
      const read = readPlainYaml(fileText, composeOptions, { unsafeKeys: UNSAFE_KEYS, badText: LONE_SURROGATE });
      if (read && (options.multiDocument || read.data.length === 1)) {
        const plainLines = new LineCounter();
        plainLines.addNewLine(0);
        for (let nl = fileText.indexOf('\n'); nl >= 0; nl = fileText.indexOf('\n', nl + 1)) plainLines.addNewLine(nl + 1);
        let all: Document.Parsed[] | undefined;
        const composeAll = () => (all ??= parseAllDocuments(fileText, { ...composeOptions, lineCounter: new LineCounter() }) as Document.Parsed[]);
        const documents = read.data.map((data, index) => ({ source: new YamlSource(file, fileText, { index, read, compose: () => composeAll()[index]! }, plainLines), data }));
        return { documents, text, diagnostics: [] };
      }
    }
    const yamlOptions = { ...composeOptions, lineCounter: lines };
    const parsed = parseAllDocuments(fileText, yamlOptions);
    // An empty file is one empty document (null), as for every YAML reader.
    const docs = parsed.length ? [...parsed] : [parseDocument(fileText, { ...yamlOptions, lineCounter: new LineCounter() })];
    const diagnostics: Diagnostic[] = [];
    const sources = docs.map((doc) => new YamlSource(file, fileText, doc, lines));
    if (!options.multiDocument && docs.length > 1) {
      const second = sources[1]!;
      diagnostics.push({ file, severity: 'error', check: 'yaml-syntax', message: 'the file holds more than one YAML document (a second "---")', ...second.spanOfOffsets(docs[1]!.range[0], docs[1]!.range[0] + 1), hint: 'only the first document would be read; remove the second or split the file' });
    }
    for (const source of sources) {
      const doc = source.doc;
      // The parser still returns data for duplicate keys and unknown tags; all of them are fatal here.
      for (const e of [...doc.errors, ...doc.warnings]) {
        const check = e.code === 'DUPLICATE_KEY' ? 'yaml-duplicate-key' : e.code === 'TAG_RESOLVE_FAILED' ? 'yaml-unknown-tag' : 'yaml-syntax';
        const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        const hint = YAML_HINTS[e.code];
        diagnostics.push({ file, severity: 'error', check, message, ...source.spanOfOffsets(e.pos[0], e.pos[1]), ...(hint ? { hint } : {}) });
      }
      if (!mayNeedNodeChecks) continue;
      visit(doc, {
        Pair: (_k, pair) => {
          if (isScalar(pair.key) && typeof pair.key.value === 'string' && UNSAFE_KEYS.has(pair.key.value)) {
            diagnostics.push({ file, severity: 'error', check: 'yaml-unsafe-key', message: `key "${pair.key.value}" is not allowed`, ...source.spanOfNode(pair.key) });
          }
        },
        Scalar: (_k, node) => {
          if (typeof node.value === 'string') {
            const bad = LONE_SURROGATE.exec(node.value);
            if (bad) {
              const code = bad[0].charCodeAt(0).toString(16);
              diagnostics.push({
                file,
                severity: 'error',
                check: 'text-encoding',
                message: `text holds a lone surrogate (\\u${code}), which is not a character; no generated file could hold it`,
                ...source.spanInScalar(node, bad.index, bad.index + 1),
                hint: 'an escape like "\\ud800" needs its pair ("\\ud83d\\ude00"); write the character itself or "\\U0001F600"',
              });
            }
          }
          if (node.tag && !node.tag.startsWith('tag:yaml.org,2002:')) {
            diagnostics.push({ file, severity: 'error', check: 'yaml-unknown-tag', message: `tag ${node.tag} is not supported`, ...source.spanOfNode(node) });
          }
        },
      });
    }
    if (diagnostics.length) return { documents: [], text, diagnostics: dedupe(diagnostics) };
    const documents: { source: YamlSource; data: unknown }[] = [];
    const bombError = (at: Span | Record<string, never>) =>
      fail('yaml-alias-limit', `too many alias expansions (more than ${maxAliasCount}) by the time this alias is read; the file looks like an alias bomb`, at, 'reuse anchors a few times at most; repeat the text instead');
    for (const source of sources) {
      // An alias is written `*name`: a text without `*` has none, and the walk that prices them is skipped.
      const bomb = fileText.includes('*') ? source.aliasOverLimit(maxAliasCount) : undefined;
      if (bomb) return bombError(source.spanOfNode(bomb));
      try {
        documents.push({ source, data: nullPrototype(source.doc.toJS({ maxAliasCount })) });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (/alias/i.test(message)) return bombError({});
        return fail('yaml-syntax', message);
      }
    }
    return { documents, text, diagnostics };
  }

  /**
   * The first alias (in reading order) at which the expansions so far pass MAX_ALIAS_COUNT; each alias costs
   * one plus what the aliases inside its anchor cost.
   */
  private aliasOverLimit(limit: number): Alias | undefined {
    const cost = new Map<Node, number>();
    const costOf = (node: unknown): number => {
      if (isAlias(node)) {
        const target = node.resolve(this.doc);
        if (!target) return 1;
        let c = cost.get(target);
        if (c === undefined) {
          cost.set(target, 0); // a cycle costs nothing more (the parser rejects it)
          c = costOf(target);
          cost.set(target, c);
        }
        return Math.min(1 + c, limit + 1);
      }
      if (isCollection(node)) {
        let sum = 0;
        for (const item of node.items) {
          sum += isPair(item) ? costOf(item.key) + costOf(item.value) : costOf(item);
          if (sum > limit) return limit + 1;
        }
        return sum;
      }
      return 0;
    };
    let total = 0;
    let found: Alias | undefined;
    visit(this.doc, {
      Alias: (_k, node) => {
        total += costOf(node);
        if (total > limit) {
          found = node;
          return visit.BREAK;
        }
        return undefined;
      },
    });
    return found;
  }

  position(offset: number): Position {
    const p = this.lines.linePos(Math.max(0, Math.min(offset, this.text.length)));
    return { line: p.line, column: p.col };
  }

  spanOfOffsets(start: number, end: number): Span {
    return { start: this.position(start), end: this.position(Math.max(end, start + 1)) };
  }

  spanOfNode(node: Node | undefined | null): Span | Record<string, never> {
    if (!node || !node.range) return {};
    return this.spanOfOffsets(node.range[0], node.range[1]);
  }

  /** The node at a data path; with `key` the map key of the last segment instead of its value. */
  nodeAt(path: readonly PathSegment[], key = false): Node | undefined {
    if (this.plain) {
      // A scalar is found in js-yaml's events; anything else (a collection, a missing key) in the composed model.
      const s = this.plain.read.scalarAt(this.plain.index, path, key);
      if (s) {
        const node = new Scalar(s.value);
        node.range = [s.start, s.end, s.end];
        node.type = s.type;
        return node;
      }
    }
    let node: unknown = this.doc.contents;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      while (isAlias(node)) node = node.resolve(this.doc);
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
        if (!pair) return node as Node;
        if (key && i === path.length - 1) return pair.key as Node;
        node = pair.value;
      } else if (isSeq(node) && typeof seg === 'number') {
        const item = node.items[seg];
        if (item === undefined) return node as Node;
        node = item;
      } else {
        return node as Node;
      }
    }
    return (node ?? undefined) as Node | undefined;
  }

  /** The span of the value (or key) at a data path; the closest existing ancestor when the path is missing. */
  locate(path: readonly PathSegment[], key = false): Span | Record<string, never> {
    return this.spanOfNode(this.nodeAt(path, key));
  }

  /**
   * The span of characters [from, to) inside the string value at `path`, mapped through quoting and block
   * scalars, so an error in a PromQL expression points at its exact column in the YAML file.
   */
  locateInString(path: readonly PathSegment[], from: number, to: number): Span | Record<string, never> {
    return this.spanInScalar(this.nodeAt(path), from, to);
  }

  /** The span of characters [from, to) of a scalar's value; the whole node when it cannot be mapped. */
  spanInScalar(node: Node | undefined, from: number, to: number): Span | Record<string, never> {
    if (!node || !isScalar(node) || typeof node.value !== 'string' || !node.range) return this.spanOfNode(node);
    const start = this.scalarOffset(node, from);
    const last = this.scalarOffset(node, Math.max(to, from + 1) - 1);
    return start === undefined || last === undefined ? this.spanOfNode(node) : this.spanOfOffsets(start, last + 1);
  }

  private scalarOffset(node: Scalar, index: number): number | undefined {
    const begin = node.range![0];
    const end = node.range![1];
    const raw = this.text.slice(begin, end);
    const value = node.value as string;
    switch (node.type) {
      case 'PLAIN':
        return raw.includes('\n') ? undefined : begin + index;
      case 'QUOTE_SINGLE':
      case 'QUOTE_DOUBLE': {
        if (raw.includes('\n')) return undefined;
        // Walk the raw text, counting decoded characters, so escapes shift the column correctly.
        let decoded = 0;
        for (let i = 1; i < raw.length - 1; i++) {
          if (decoded === index) return begin + i;
          if (node.type === 'QUOTE_DOUBLE' && raw[i] === '\\') i += raw[i + 1] === 'x' ? 3 : raw[i + 1] === 'u' ? 5 : 1;
          else if (node.type === 'QUOTE_SINGLE' && raw[i] === "'" && raw[i + 1] === "'") i += 1;
          decoded++;
        }
        return begin + raw.length - 1;
      }
      case 'BLOCK_LITERAL':
      case 'BLOCK_FOLDED': {
        const before = value.slice(0, index);
        const lineIdx = before.split('\n').length - 1;
        const col = index - (before.lastIndexOf('\n') + 1);
        const rawLines = raw.split('\n');
        const body = rawLines.slice(1);
        const indent = Math.min(...body.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
        if (node.type === 'BLOCK_FOLDED') {
          // Folding joins lines with spaces; find the body line that holds this column of the folded text.
          let remaining = index;
          let offset = begin + rawLines[0]!.length + 1;
          for (const l of body) {
            const content = l.slice(indent);
            if (remaining <= content.length) return offset + indent + remaining;
            remaining -= content.length + 1;
            offset += l.length + 1;
          }
          return undefined;
        }
        let offset = begin + rawLines[0]!.length + 1;
        for (let i = 0; i < lineIdx; i++) offset += (body[i]?.length ?? 0) + 1;
        return offset + indent + col;
      }
      default:
        return undefined;
    }
  }
}

/** Plain data with null-prototype objects: a user's key never meets Object.prototype's members. */
function nullPrototype(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(nullPrototype);
  if (value && typeof value === 'object') {
    const out = Object.create(null) as Record<string, unknown>;
    for (const [k, v] of Object.entries(value)) out[k] = nullPrototype(v);
    return out;
  }
  return value;
}

/**
 * The offset where block indentation plus open flow brackets first pass `limit` levels, found by reading lines,
 * before the parser (which recurses per level) sees the text. It reads character codes in place: this runs on
 * every file, and a 2 MB rule file has 60,000 lines.
 */
export function deepNestingOffset(text: string, limit: number): number | undefined {
  const indents: number[] = [];
  let flow = 0;
  let blockScalarIndent = -1;
  for (let start = 0; start <= text.length; ) {
    const nl = text.indexOf('\n', start);
    const end = nl < 0 ? text.length : nl;
    const next = end + 1;
    let bodyStart = start;
    while (bodyStart < end && text.charCodeAt(bodyStart) === SPACE) bodyStart++;
    const indent = bodyStart - start;
    if (bodyStart === end || text.charCodeAt(bodyStart) === HASH) {
      start = next;
      continue;
    }
    if (blockScalarIndent >= 0) {
      if (indent > blockScalarIndent) {
        start = next;
        continue;
      }
      blockScalarIndent = -1;
    }
    if (flow === 0) {
      while (indents.length && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
    }
    // "- - - key:" opens one level per dash.
    let dashes = 0;
    if (flow === 0) {
      let k = bodyStart;
      while (k < end && text.charCodeAt(k) === DASH && (k + 1 === end || text.charCodeAt(k + 1) === SPACE)) {
        dashes++;
        k++;
        while (k < end && text.charCodeAt(k) === SPACE) k++;
      }
    }
    let quote = 0;
    for (let i = bodyStart; i < end; i++) {
      const c = text.charCodeAt(i);
      if (quote) {
        if (c === quote) quote = 0;
        continue;
      }
      if (c === DQUOTE || c === SQUOTE) quote = c;
      else if (c === HASH && (i === bodyStart || text.charCodeAt(i - 1) === SPACE)) break;
      else if ((c === LBRACKET || c === LBRACE) && (flow > 0 || opensFlow(text, bodyStart, i))) {
        flow++;
        if (indents.length + dashes + flow > limit) return i;
      } else if ((c === RBRACKET || c === RBRACE) && flow > 0) flow--;
    }
    if (indents.length + dashes + flow > limit) return bodyStart;
    if (flow === 0 && mayHoldBlockHeader(text, bodyStart, end) && BLOCK_SCALAR_START.test(text.slice(bodyStart, end))) blockScalarIndent = indent;
    start = next;
  }
  return undefined;
}

const [SPACE, HASH, DASH, DQUOTE, SQUOTE, LBRACKET, LBRACE, RBRACKET, RBRACE, PIPE, GT] = [...' #-"\'[{]}|>'].map((c) => c.charCodeAt(0)) as [number, number, number, number, number, number, number, number, number, number, number];
/** A block scalar header ending the line: `key: |`, `- >-2`, `|+ # comment`. */
const BLOCK_SCALAR_START = /(?:^|[:-] +)[|>][-+0-9]*\s*(?:#.*)?$/;

/** Whether the line holds `|` or `>` anywhere (the header test, a regex on the line, is needed only then). */
function mayHoldBlockHeader(text: string, from: number, to: number): boolean {
  for (let k = from; k < to; k++) {
    const c = text.charCodeAt(k);
    if (c === PIPE || c === GT) return true;
  }
  return false;
}

/** Whether a bracket at `i` opens a flow collection: at the start of the line or after `:`, `,` or `-` and spaces. */
function opensFlow(text: string, bodyStart: number, i: number): boolean {
  let k = i - 1;
  while (k >= bodyStart && WHITE.test(text[k]!)) k--;
  if (k < bodyStart) return true;
  const c = text.charCodeAt(k);
  return c === COLON || c === COMMA || c === DASH;
}
const WHITE = /\s/;
const [COLON, COMMA] = [58, 44];

function dedupe(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags.filter((d) => {
    const k = `${d.check}:${d.start?.line}:${d.start?.column}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
