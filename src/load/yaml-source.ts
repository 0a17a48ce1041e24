import { Document, LineCounter, isMap, isPair, isScalar, isSeq, isAlias, parseAllDocuments, parseDocument, visit } from 'yaml';
import type { Node, Scalar } from 'yaml';
import type { Diagnostic, Position } from '../diagnostics.js';

/** Catalogs are small; a cap keeps a hostile file from exhausting memory before validation. */
export const MAX_SOURCE_BYTES = 2 * 1024 * 1024;
/** Legitimate catalogs reuse anchors a handful of times; billion-laughs files need thousands. */
export const MAX_ALIAS_COUNT = 200;
const UNSAFE_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export type PathSegment = string | number;

/** Limits and dialect of one kind of YAML input. Catalogs: the defaults. Rule files: larger, with merge keys. */
export interface YamlReadOptions {
  maxBytes?: number;
  maxAliasCount?: number;
  /** `<<: *anchor` merge keys, as go-yaml (and so Prometheus' rule loader) reads them. */
  merge?: boolean;
  /** Several `---` documents (Kubernetes manifests); otherwise a second document is an error. */
  multiDocument?: boolean;
}

export interface Span {
  start: Position;
  end: Position;
}

/** A parsed YAML file that can map any data path (or an offset inside a string) back to line and column. */
export class YamlSource {
  private constructor(
    readonly file: string,
    readonly text: string,
    readonly doc: Document.Parsed,
    private readonly lines: LineCounter,
  ) {}

  /** Parses safely: returns either the source and its plain data, or the diagnostics that make it unusable. */
  static parse(file: string, bytes: Uint8Array | string, options: YamlReadOptions = {}): { source?: YamlSource; data?: unknown; diagnostics: Diagnostic[] } {
    const r = YamlSource.parseDocuments(file, bytes, options);
    const first = r.documents[0];
    return { ...(first ? { source: first.source, data: first.data } : {}), diagnostics: r.diagnostics };
  }

  /** Every document of a file, each a YamlSource over the same text (so positions are the file's own). */
  static parseDocuments(file: string, bytes: Uint8Array | string, options: YamlReadOptions = {}): { documents: { source: YamlSource; data: unknown }[]; diagnostics: Diagnostic[] } {
    const maxBytes = options.maxBytes ?? MAX_SOURCE_BYTES;
    const maxAliasCount = options.maxAliasCount ?? MAX_ALIAS_COUNT;
    const fail = (check: string, message: string, start?: Position, hint?: string) => ({
      documents: [],
      diagnostics: [{ file, severity: 'error' as const, check, message, ...(start ? { start } : {}), ...(hint ? { hint } : {}) }],
    });
    const size = typeof bytes === 'string' ? Buffer.byteLength(bytes) : bytes.byteLength;
    if (size > maxBytes) {
      return fail('yaml-size', `file is ${size} bytes; the limit is ${maxBytes} bytes`);
    }
    let text: string;
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
    const yamlOptions = { lineCounter: lines, uniqueKeys: true, prettyErrors: false, strict: true, version: '1.2', schema: 'core', keepSourceTokens: false, merge: options.merge ?? false } as const;
    const parsed = parseAllDocuments(text, yamlOptions);
    // An empty file is one empty document (null), as for every YAML reader.
    const docs = parsed.length ? [...parsed] : [parseDocument(text, { ...yamlOptions, lineCounter: new LineCounter() })];
    const diagnostics: Diagnostic[] = [];
    const sources = docs.map((doc) => new YamlSource(file, text, doc, lines));
    if (!options.multiDocument && docs.length > 1) {
      const second = sources[1]!;
      diagnostics.push({ file, severity: 'error', check: 'yaml-syntax', message: 'Source contains multiple documents; please use YAML.parseAllDocuments()', ...second.spanOfOffsets(docs[1]!.range[0], docs[1]!.range[0] + 1) });
    }
    sources.forEach((source) => {
      const doc = source.doc;
      // The parser still returns data for duplicate keys and unknown tags; all of them are fatal here.
      for (const e of [...doc.errors, ...doc.warnings]) {
        const check = e.code === 'DUPLICATE_KEY' ? 'yaml-duplicate-key' : e.code === 'TAG_RESOLVE_FAILED' ? 'yaml-unknown-tag' : 'yaml-syntax';
        const message = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
        diagnostics.push({ file, severity: 'error', check, message, ...source.spanOfOffsets(e.pos[0], e.pos[1]) });
      }
      visit(doc, {
        Pair: (_k, pair) => {
          if (isScalar(pair.key) && typeof pair.key.value === 'string' && UNSAFE_KEYS.has(pair.key.value)) {
            diagnostics.push({ file, severity: 'error', check: 'yaml-unsafe-key', message: `key "${pair.key.value}" is not allowed`, ...source.spanOfNode(pair.key) });
          }
        },
        Scalar: (_k, node) => {
          if (node.tag && !node.tag.startsWith('tag:yaml.org,2002:')) {
            diagnostics.push({ file, severity: 'error', check: 'yaml-unknown-tag', message: `tag ${node.tag} is not supported`, ...source.spanOfNode(node) });
          }
        },
      });
    });
    if (diagnostics.length) return { documents: [], diagnostics: dedupe(diagnostics) };
    const documents: { source: YamlSource; data: unknown }[] = [];
    for (const source of sources) {
      try {
        documents.push({ source, data: source.doc.toJS({ maxAliasCount }) as unknown });
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        if (/alias/i.test(message)) {
          return fail('yaml-alias-limit', `too many alias expansions (more than ${maxAliasCount}); the file looks like an alias bomb`);
        }
        return fail('yaml-syntax', message);
      }
    }
    return { documents, diagnostics };
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
    const node = this.nodeAt(path);
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

function dedupe(diags: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diags.filter((d) => {
    const k = `${d.check}:${d.start?.line}:${d.start?.column}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
