// Large YAML files (rule files of SLO generators: thousands of rules, megabytes) read from js-yaml's event stream
// (`parseEvents`: a flat list of document, collection, scalar and end events with source offsets) straight into
// plain data, without the yaml package's parser and composer. On a 2 MB rule file the yaml package's Parser alone
// took about 0.5 s of CPU and built a 50 MB token tree; js-yaml's events take about 0.07 s.
//
// The yaml package stays the arbiter: this reader only ever says "plain" or "not sure". Only forms whose reading
// both libraries agree on are read here: block and single-line flow collections of scalars in any of the five
// scalar styles, with comments. Everything else (anchors, aliases, tags, merge keys, explicit keys, directives,
// `...` markers, tabs outside scalars, flow collections over several lines, duplicate, unsafe, long, multi-line
// or non-string keys, a lone surrogate, lone CRs and inner byte order marks, a comment not preceded by white
// space, the scalar forms checked in EventReader.scalar, anything js-yaml refuses) returns undefined, and the
// caller composes the file with the yaml package. So the data, and every error reported, stay the composer's;
// plain scalars are resolved by the composer's own schema tags, not by js-yaml's. test/yaml-plain-reader.test.ts
// holds the two readers to the same answers, on hand-written and on generated files.
import { CHOMPING_MODE, COLLECTION_STYLE, EVENT_ID, SCALAR_STYLE, getScalarValue, parseEvents } from 'js-yaml';
import type { Event, ScalarEvent } from 'js-yaml';
import { Document, Scalar } from 'yaml';
import type { CollectionTag, DocumentOptions, ParseOptions, ScalarTag, SchemaOptions } from 'yaml';

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

/** What the caller checks on the composed model and this reader therefore leaves to it. */
export interface PlainLimits {
  /** Keys a plain object cannot hold as data (`__proto__`). */
  unsafeKeys: ReadonlySet<string>;
  /** Text no value may hold (a lone surrogate, which a double-quoted escape can write). */
  badText: RegExp;
}

/** A scalar as the composer makes it: its value, its style and its range (start, end of value) in the text. */
export interface PlainScalar {
  value: unknown;
  type: Scalar.Type;
  start: number;
  end: number;
}

export interface PlainDocuments {
  /** Each document's data (null-prototype objects). */
  data: unknown[];
  /**
   * The scalar at a data path of document `doc` (with `key`, the mapping key of the last segment), or undefined
   * where the path leads to a collection or to nothing.
   */
  scalarAt(doc: number, path: readonly (string | number)[], key: boolean): PlainScalar | undefined;
}

const STYLE_TYPE: Record<number, Scalar.Type> = {
  [SCALAR_STYLE.PLAIN]: 'PLAIN',
  [SCALAR_STYLE.SINGLE_QUOTED]: 'QUOTE_SINGLE',
  [SCALAR_STYLE.DOUBLE_QUOTED]: 'QUOTE_DOUBLE',
  [SCALAR_STYLE.LITERAL_BLOCK]: 'BLOCK_LITERAL',
  [SCALAR_STYLE.FOLDED_BLOCK]: 'BLOCK_FOLDED',
};
const isQuoted = (e: ScalarEvent) => e.style === SCALAR_STYLE.SINGLE_QUOTED || e.style === SCALAR_STYLE.DOUBLE_QUOTED;
const isBlock = (e: ScalarEvent) => e.style === SCALAR_STYLE.LITERAL_BLOCK || e.style === SCALAR_STYLE.FOLDED_BLOCK;
const LONE_CR = /\r(?!\n)/;
/** A line of spaces only, or a tab, inside a block scalar. */
const BLOCK_SPACES = /(?:^|\n) +\r?(?:\n|$)|\t/;
/** The composer limits an implicit key to 1024 characters before its ":". */
const MAX_KEY_LENGTH = 1000;

const code = (c: string) => c.charCodeAt(0);
const [NL, CR, SPACE, HASH, COLON, DASH, COMMA, DOT, LBRACKET, RBRACKET, LBRACE, RBRACE, PIPE, GT] = [...'\n\r #:-,.[]{}|>'].map(code) as number[] as [number, number, number, number, number, number, number, number, number, number, number, number, number, number];

/**
 * Reads the events of one text into data, checking that everything between scalars is plain structure: white
 * space, the indicators `:` `-` `,` and flow brackets, comments after white space, and `---` markers. A flow
 * collection must close on the line it opens.
 */
class EventReader {
  /** Index of the event that closes each collection event (for skipping over a value when looking up a path). */
  readonly endOf: Int32Array;
  /** Where each block scalar's header (`|`, `>-`) starts: the composer's range starts there. */
  readonly blockStart = new Map<number, number>();
  readonly roots: number[] = [];
  private i = 0;
  /** Offset up to which the text has been accounted for. */
  private cursor = 0;
  private flowDepth = 0;
  /** Whether the last gap held a comment whose `#` has no space after it (`#c`, `##`). */
  private gapTightComment = false;

  constructor(
    private readonly text: string,
    private readonly events: readonly Event[],
    private readonly scalars: PlainScalars,
    private readonly limits: PlainLimits,
  ) {
    this.endOf = new Int32Array(events.length);
  }

  documents(): unknown[] {
    const out: unknown[] = [];
    while (this.i < this.events.length) {
      const e = this.events[this.i++]!;
      if (e.type !== EVENT_ID.DOCUMENT || e.directives.length) return notPlain();
      if (this.events[this.i]?.type === EVENT_ID.POP) {
        this.roots.push(-1);
        out.push(null);
      } else {
        const root = this.events[this.i]!;
        // `--- key: value`: a block collection cannot start on the marker's line (the composer says so).
        if ((root.type === EVENT_ID.MAPPING || root.type === EVENT_ID.SEQUENCE) && root.style === COLLECTION_STYLE.BLOCK && this.isMarker(this.text.lastIndexOf('\n', root.start - 1) + 1)) notPlain();
        // A block scalar as the whole document may have lines at column 0, which the libraries read apart.
        if (root.type === EVENT_ID.SCALAR && isBlock(root)) notPlain();
        this.roots.push(this.i);
        out.push(this.node());
      }
      if (this.events[this.i++]?.type !== EVENT_ID.POP) notPlain();
    }
    this.gap(this.text.length);
    return out;
  }

  private node(): unknown {
    const at = this.i;
    const e = this.events[this.i++]!;
    switch (e.type) {
      case EVENT_ID.SCALAR:
        return this.scalar(e, at, false);
      case EVENT_ID.MAPPING:
      case EVENT_ID.SEQUENCE: {
        if (e.anchorStart >= 0 || e.tagStart >= 0) notPlain();
        const isMap = e.type === EVENT_ID.MAPPING;
        const out = isMap ? (Object.create(null) as Record<string, unknown>) : ([] as unknown[]);
        while (this.events[this.i]?.type !== EVENT_ID.POP) {
          if (this.i >= this.events.length) notPlain();
          if (isMap) {
            const map = out as Record<string, unknown>;
            const k = this.key(map);
            map[k] = this.node();
          } else (out as unknown[]).push(this.node());
        }
        this.endOf[at] = this.i++;
        return out;
      }
      default:
        // Aliases (and anything else) are the composer's.
        return notPlain();
    }
  }

  /** A mapping key as the composer reads it: a one-line scalar that resolves to a string, not `<<`, not repeated. */
  private key(map: Record<string, unknown>): string {
    const at = this.i;
    const e = this.events[this.i];
    if (e?.type !== EVENT_ID.SCALAR || isBlock(e)) return notPlain();
    const k = this.scalar(e, at, true);
    this.i++;
    if (typeof k !== 'string' || k === '<<' || this.limits.unsafeKeys.has(k) || Object.hasOwn(map, k)) return notPlain();
    if (this.spansLines(e.valueStart, e.valueEnd)) return notPlain();
    // The composer measures an implicit key from its first character to its `:`, spaces before the `:` included.
    let colon = isQuoted(e) ? e.valueEnd + 1 : e.valueEnd;
    while (this.text.charCodeAt(colon) === SPACE) colon++;
    if (colon - (isQuoted(e) ? e.valueStart - 1 : e.valueStart) > MAX_KEY_LENGTH) return notPlain();
    return k;
  }

  private scalar(e: ScalarEvent, at: number, isKey: boolean): unknown {
    if (e.anchorStart >= 0 || e.tagStart >= 0) return notPlain();
    const start = isQuoted(e) ? e.valueStart - 1 : isBlock(e) ? this.blockHeader(at) : e.valueStart;
    this.gap(start);
    const end = isQuoted(e) ? e.valueEnd + 1 : e.valueEnd;
    if (isBlock(e)) {
      // The libraries part ways on lines of spaces alone (and on tabs) inside block scalars, also a last line of
      // spaces after a kept (`|+`) one, where YAML's rules on indentation and chomping meet; and on explicit
      // indentation indicators (`|2`), which they count from different parents at the top level.
      const lineEnd = this.text.indexOf('\n', e.valueEnd);
      if (BLOCK_SPACES.test(this.text.slice(e.valueStart, lineEnd < 0 ? this.text.length : lineEnd)) || /^[|>][-+]?[0-9]/.test(this.text.slice(start, start + 3))) notPlain();
    } else if (this.spansLines(start, end)) {
      // Over several lines: a tab on a folded line (js-yaml reads it as an empty line, the composer as a
      // misplaced indentation); a backslash before a line break (in double quotes an escaped line break, which
      // they fold apart before empty lines).
      if (this.flowDepth > 0 || /\t|\\\r?\n/.test(this.text.slice(start, end))) notPlain();
    }
    if (e.style === SCALAR_STYLE.DOUBLE_QUOTED) {
      // `\U` escapes beyond U+10FFFF: the composer refuses them, js-yaml wraps them around.
      const quoted = this.text.slice(start, end);
      if (quoted.includes('\\U') && [...quoted.matchAll(/\\U([0-9A-Fa-f]{8})/g)].some((m) => parseInt(m[1]!, 16) > 0x10ffff)) notPlain();
    }
    // A plain value alone on a line below its `key:` or `-`, after a comment with no space after its `#`: the
    // composer's lexer carries that value on into the next line (a key there is then an error); js-yaml ends it.
    if (!isKey && e.style === SCALAR_STYLE.PLAIN && this.gapTightComment && /^ *$/.test(this.text.slice(this.text.lastIndexOf('\n', start - 1) + 1, start))) notPlain();
    this.cursor = Math.max(this.cursor, end);
    return this.value(e);
  }

  value(e: ScalarEvent): unknown {
    const raw = getScalarValue(this.text, e);
    if (e.style === SCALAR_STYLE.PLAIN) return this.scalars.resolve(raw);
    if (e.style === SCALAR_STYLE.DOUBLE_QUOTED && this.limits.badText.test(raw)) return notPlain();
    return raw;
  }

  /** A block scalar's header: the first `|` or `>` after what came before, with only white space and indicators between. */
  private blockHeader(at: number): number {
    for (let k = this.cursor; k < this.text.length; k++) {
      const c = this.text.charCodeAt(k);
      if (c === PIPE || c === GT) {
        this.blockStart.set(at, k);
        return k;
      }
      if (c !== SPACE && c !== NL && c !== COLON && c !== DASH && !(c === CR && this.text.charCodeAt(k + 1) === NL)) break;
    }
    return notPlain();
  }

  /** Whether a line break lies inside [from, to) (the search stops at the first one after `from`). */
  private spansLines(from: number, to: number): boolean {
    const at = this.text.indexOf('\n', from);
    return at >= 0 && at < to;
  }

  /** Checks the text between the last scalar and `to`: structure only. */
  private gap(to: number): void {
    const t = this.text;
    this.gapTightComment = false;
    for (let k = this.cursor; k < to; k++) {
      const c = t.charCodeAt(k);
      switch (c) {
        case SPACE:
        case COLON:
        case COMMA:
          break;
        case NL:
          if (this.flowDepth > 0) notPlain();
          break;
        case CR:
          if (t.charCodeAt(k + 1) !== NL) notPlain();
          break;
        case LBRACKET:
        case LBRACE:
          this.flowDepth++;
          break;
        case RBRACKET:
        case RBRACE:
          if (--this.flowDepth < 0) notPlain();
          break;
        case HASH: {
          // A comment follows white space (or starts the line) and runs to the end of the line.
          const before = k === 0 ? NL : t.charCodeAt(k - 1);
          if (before !== SPACE && before !== NL) notPlain();
          if (!this.endsToken(k + 1)) this.gapTightComment = true;
          const nl = t.indexOf('\n', k);
          // Past `to` the next scalar would sit inside this comment: the events and the text disagree.
          if (nl < 0 ? to < t.length : nl >= to) notPlain();
          k = (nl < 0 ? t.length : nl) - 1;
          break;
        }
        case DASH:
        case DOT:
          // `---` at the start of a line; any other `-` is a sequence indicator, followed by white space or the end
          // of the line (js-yaml reads an indented `---` as a marker too). `...` is the composer's: before any
          // document it makes an empty one there, not in js-yaml's events. `.` belongs to no other gap.
          if (c === DASH && this.isMarker(k)) k += 2;
          else if (c === DOT || !this.endsToken(k + 1)) notPlain();
          break;
        default:
          notPlain();
      }
    }
    this.cursor = Math.max(this.cursor, to);
  }

  /** `---` or `...` at the start of a line, followed by white space or the end. */
  private isMarker(k: number): boolean {
    const t = this.text;
    const c = t.charCodeAt(k);
    if (k > 0 && t.charCodeAt(k - 1) !== NL) return false;
    return t.charCodeAt(k + 1) === c && t.charCodeAt(k + 2) === c && this.endsToken(k + 3);
  }

  /** Whether offset `k` is the end of the text, a space or a line break. */
  private endsToken(k: number): boolean {
    const c = this.text.charCodeAt(k);
    return Number.isNaN(c) || c === SPACE || c === NL || c === CR;
  }
}

/**
 * Reads every document of `text` into plain data (null-prototype objects), or returns undefined when the text
 * leaves the plain subset (or is empty) and must be composed.
 */
export function readPlainYaml(text: string, options: PlainYamlOptions, limits: PlainLimits): PlainDocuments | undefined {
  // A carriage return not followed by a line feed breaks lines for js-yaml and not for the yaml package.
  if (LONE_CR.test(text)) return undefined;
  // A byte order mark past the start: the composer skips one at the start of its first content line, js-yaml keeps it.
  if (text.includes('\ufeff')) return undefined;
  let events: Event[];
  try {
    events = parseEvents(text, {});
  } catch {
    // Refused by js-yaml: the composer says why, in its own words.
    return undefined;
  }
  if (!events.length) return undefined;
  const scalars = new PlainScalars(options);
  const reader = new EventReader(text, events, scalars, limits);
  let data: unknown[];
  try {
    data = reader.documents();
  } catch (err) {
    if (err === NOT_PLAIN) return undefined;
    throw err;
  }
  const index = new EventIndex(text, events, reader.endOf);
  return {
    data,
    scalarAt: (doc, path, key) => {
      const at = index.at(reader.roots[doc] ?? -1, path, key);
      if (at === undefined) return undefined;
      const e = events[at]!;
      // An empty value (`key:`) has no text of its own; the composer places it.
      if (e.type !== EVENT_ID.SCALAR || e.valueStart === e.valueEnd) return undefined;
      return {
        value: reader.value(e),
        type: STYLE_TYPE[e.style]!,
        start: isQuoted(e) ? e.valueStart - 1 : (reader.blockStart.get(at) ?? e.valueStart),
        end: isQuoted(e) ? e.valueEnd + 1 : isBlock(e) ? blockEnd(text, e) : e.valueEnd,
      };
    },
  };
}

/**
 * Where the composer's range of a block scalar ends. js-yaml's value range runs to the end of the last line the
 * scalar owns, trailing empty lines included; the yaml package's lexer (parse/lexer.js, parseBlockScalar) then
 * drops, unless the chomping is keep (`|+`), each trailing line that holds nothing beyond the indentation of the
 * scalar's first non-empty line, but never the first line after the header.
 */
function blockEnd(text: string, e: ScalarEvent): number {
  const pos = e.valueStart;
  let indent = 0;
  for (let i = pos; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === SPACE) indent++;
    else if (c === NL) indent = 0;
    else if (c !== CR || text.charCodeAt(i + 1) !== NL) break;
  }
  let nl = e.valueEnd > pos && text.charCodeAt(e.valueEnd - 1) === NL ? e.valueEnd - 1 : e.valueEnd;
  if (e.chomping !== CHOMPING_MODE.KEEP) {
    for (;;) {
      let i = nl - 1;
      if (text.charCodeAt(i) === CR) i--;
      const lastChar = i;
      while (text.charCodeAt(i) === SPACE) i--;
      if (text.charCodeAt(i) === NL && i >= pos && i + 1 + indent > lastChar) nl = i;
      else break;
    }
  }
  return Math.min(nl + 1, text.length);
}

/** The index of the event after the node that starts at `at`. */
const after = (events: readonly Event[], endOf: Int32Array, at: number) => (events[at]!.type === EVENT_ID.SCALAR ? at + 1 : endOf[at]! + 1);

/** Whether a key event reads as `name` (keys read here are one-line strings; a plain key's text is its value). */
function keyIs(text: string, e: Event, name: string): boolean {
  if (e.type !== EVENT_ID.SCALAR) return false;
  if (e.style === SCALAR_STYLE.PLAIN) return e.valueEnd - e.valueStart === name.length && text.startsWith(name, e.valueStart);
  return getScalarValue(text, e) === name;
}

/**
 * Finds the event of the node (or key) at a data path, through each collection's children, listed the first time
 * a position inside that collection is asked for: a group of 10,000 rules is not walked again for each finding.
 */
class EventIndex {
  /** Per collection event: the event index of each item (sequences) or of each key (mappings). */
  private readonly children = new Map<number, Int32Array>();
  /** Per mapping event with many keys: key text to the key's event index. */
  private readonly keys = new Map<number, Map<string, number>>();

  constructor(
    private readonly text: string,
    private readonly events: readonly Event[],
    private readonly endOf: Int32Array,
  ) {}

  /** The event at `path` below the node at `root` (undefined where the path leaves the data). */
  at(root: number, path: readonly (string | number)[], key: boolean): number | undefined {
    let at = root;
    for (let s = 0; s < path.length; s++) {
      if (at < 0) return undefined;
      const e = this.events[at]!;
      const seg = path[s]!;
      if (e.type === EVENT_ID.MAPPING) {
        const k = this.keyEvent(at, String(seg));
        if (k === undefined) return undefined;
        at = key && s === path.length - 1 ? k : k + 1;
      } else if (e.type === EVENT_ID.SEQUENCE && typeof seg === 'number') {
        const item = this.childrenOf(at)[seg];
        if (item === undefined) return undefined;
        at = item;
      } else return undefined;
    }
    return at;
  }

  private childrenOf(at: number): Int32Array {
    let out = this.children.get(at);
    if (!out) {
      const isMap = this.events[at]!.type === EVENT_ID.MAPPING;
      const found: number[] = [];
      for (let child = at + 1; child < this.endOf[at]!; child = after(this.events, this.endOf, isMap ? child + 1 : child)) found.push(child);
      this.children.set(at, (out = Int32Array.from(found)));
    }
    return out;
  }

  private keyEvent(at: number, name: string): number | undefined {
    const keys = this.childrenOf(at);
    if (keys.length <= SCAN_LIMIT) return keys.find((k) => keyIs(this.text, this.events[k]!, name));
    let byName = this.keys.get(at);
    if (!byName) {
      byName = new Map();
      // Keys are unique here: the reader leaves a mapping with a repeated key to the composer.
      for (const k of keys) byName.set(getScalarValue(this.text, this.events[k] as ScalarEvent), k);
      this.keys.set(at, byName);
    }
    return byName.get(name);
  }
}

/** Up to this many keys a mapping (a rule: alert, expr, for, labels, annotations) is searched, not indexed. */
const SCAN_LIMIT = 16;
