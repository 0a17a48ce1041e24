// The imported catalog as YAML for people: block style, short lists inline, a comment on every inferred choice.
import { Document, isMap, isSeq } from 'yaml';
import type { Node, YAMLMap, YAMLSeq } from 'yaml';
import type { RawCatalog } from '../model/raw.js';
import type { DraftComments } from './infer-catalog.js';

const INLINE = new Set(['labels', 'buckets', 'percentiles', 'states', 'values', 'histogram_buckets', 'severities']);

/** Comment text: one `# ` line each; a comment never carries a line break into the YAML. */
const commentOf = (lines: readonly string[]) => lines.map((l) => ` ${l.replace(/[\r\n]+/g, ' ')}`).join('\n');

function inlineShortLists(node: unknown): void {
  if (isMap(node)) {
    for (const pair of (node as YAMLMap).items) {
      const key = (pair.key as { value?: unknown } | null)?.value;
      if (isSeq(pair.value) && typeof key === 'string' && INLINE.has(key)) (pair.value as YAMLSeq).flow = true;
      else inlineShortLists(pair.value);
    }
  } else if (isSeq(node)) for (const item of (node as YAMLSeq).items) inlineShortLists(item);
}

function itemAt(doc: Document, path: (string | number)[]): Node | undefined {
  return doc.getIn(path, true) as Node | undefined;
}

export function renderCatalog(raw: RawCatalog, comments: DraftComments, schemaRef?: string): string {
  const doc = new Document(raw, { aliasDuplicateObjects: false });
  inlineShortLists(doc.contents);
  for (const [i, lines] of comments.metrics) {
    const n = itemAt(doc, ['metrics', i]);
    if (n) n.commentBefore = commentOf(lines);
  }
  for (const [id, lines] of comments.labels) {
    const labels = doc.get('labels', true) as YAMLMap | undefined;
    const pair = labels?.items.find((p) => (p.key as { value?: unknown }).value === id);
    if (pair) (pair.key as Node).commentBefore = commentOf(lines);
  }
  for (const [i, lines] of comments.alerts) {
    const n = itemAt(doc, ['alerts', i]);
    if (n) n.commentBefore = commentOf(lines);
  }
  for (const [i, lines] of comments.recordingRules) {
    const n = itemAt(doc, ['recording_rules', i]);
    if (n) n.commentBefore = commentOf(lines);
  }
  for (const [key, lines] of comments.panels) {
    const [d, p] = key.split('/').map(Number);
    const n = itemAt(doc, ['dashboards', d!, 'panels', p!]);
    if (n) n.commentBefore = commentOf(lines);
  }
  const header = [...(schemaRef ? [`yaml-language-server: $schema=${schemaRef}`] : []), ...comments.header];
  if (header.length) doc.commentBefore = commentOf(header);
  return doc.toString({ lineWidth: 0, minContentWidth: 0 });
}
