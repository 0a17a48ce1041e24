// The text format 0.0.4 and OpenMetrics 1.0 bodies of a prom-client registry.
//
// The runtime's own families render from their own storage, each series' labels escaped once when it is made;
// over HTTP, a registry with no moved series serves its last gzip-compressed body again. Metrics the runtime does not own (an
// application's prom-client metrics, collectDefaultMetrics) are written by prom-client's public API. The text
// body is byte for byte what `registry.metrics()` returns for the same registry.
//
// Formats: https://prometheus.io/docs/instrumenting/exposition_formats/ (0.0.4) and
// https://github.com/OpenObservability/OpenMetrics/blob/main/specification/OpenMetrics.md (1.0).
import type { MetricObjectWithValues, MetricValue, Registry } from 'prom-client';
import { escapeLabel, escapeText, Family, formatValue, labelText } from './families.js';
import type { MetricType } from './spec.js';

export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

/** The OpenMetrics versions whose text this runtime writes (0.0.1 and 1.0.0 share the syntax it uses). */
const OPENMETRICS_VERSIONS = new Set(['0.0.1', '1.0.0']);

/**
 * Content negotiation (RFC 9110 §12.5.1): OpenMetrics when the Accept header gives application/openmetrics-text a
 * weight above 0 and at least the weight of the text format (text/plain, or a wildcard); else the text format.
 * Entries naming a version the runtime does not write (OpenMetrics other than 0.0.1/1.0.0, text other than 0.0.4)
 * are passed over, as client_golang's expfmt.Negotiate does; with nothing acceptable the answer is text 0.0.4.
 */
export function wantsOpenMetrics(accept: string): boolean {
  let om = 0;
  let text = 0;
  for (const part of accept.split(',')) {
    const [type = '', ...params] = part.split(';').map((x) => x.trim().toLowerCase());
    const param = (name: string) => params.find((p) => p.startsWith(`${name}=`))?.slice(name.length + 1);
    const q = Number(param('q') ?? 1) || 0;
    const version = param('version');
    // A version this runtime does not write is passed over, as client_golang's expfmt.Negotiate does.
    if (type === 'application/openmetrics-text') {
      if (version === undefined || OPENMETRICS_VERSIONS.has(version)) om = Math.max(om, q);
    } else if (type === 'text/plain') {
      if (version === undefined || version === '0.0.4') text = Math.max(text, q);
    } else if (type === 'text/*' || type === '*/*') text = Math.max(text, q);
  }
  return om > 0 && om >= text;
}

/** OpenMetrics HELP/TYPE: counter families without _total, info and enum (stateset) with their own types. */
export function openMetricsHeader(name: string, help: string, kind: string, promType: string): string {
  let family = name;
  let type = promType;
  if (kind === 'counter') family = name.replace(/_total$/, '');
  if (kind === 'info') {
    family = name.replace(/_info$/, '');
    type = 'info';
  }
  if (kind === 'enum') type = 'stateset';
  return `# HELP ${family} ${escapeLabel(help)}\n# TYPE ${family} ${type}`;
}

function textHeader(name: string, help: string, type: string): string {
  const n = escapeText(name);
  return `# HELP ${n} ${escapeText(help)}\n# TYPE ${n} ${type}`;
}

/**
 * Families as JSON (prom-client's getMetricsAsJSON(), or aggregated ones) written in either format, with catalog
 * kinds (info, enum) typed as OpenMetrics types them. Text output equals prom-client's writer.
 */
export function formatFamilies(families: readonly MetricObjectWithValues<MetricValue<string>>[], openMetrics: boolean, kinds: ReadonlyMap<string, MetricType> = new Map()): string {
  const out: string[] = [];
  for (const f of families) {
    const type = String(f.type);
    const lines = [openMetrics ? openMetricsHeader(f.name, f.help, kinds.get(f.name) ?? type, type) : textHeader(f.name, f.help, type)];
    for (const v of f.values) {
      const name = (v as { metricName?: string }).metricName ?? f.name;
      const l = labelText(v.labels as Record<string, string | number>);
      lines.push(`${name}${l ? `{${l}}` : ''} ${formatValue(v.value, openMetrics ? 'NaN' : 'Nan')}`);
    }
    out.push(lines.join('\n'));
  }
  return openMetrics ? `${out.join('\n')}${out.length ? '\n' : ''}# EOF\n` : `${out.join('\n\n')}\n`;
}

/** Receives the body piece by piece, as it is rendered. */
export type Sink = (chunk: string) => void;

/** Rendered chunks stay below V8's large-object size: joining many small chunks is faster than a few big ones. */
const CHUNK = 64 * 1024;

interface Part {
  /** A runtime family: rendered from its storage. */
  family?: Family;
  header: string;
  /** Another metric, already written by prom-client (without its final newline). */
  text?: string;
}

/** A registry's body in one format, ready to render; `changed` when it differs from the last one. */
export interface Prepared {
  readonly openMetrics: boolean;
  readonly parts: readonly Part[];
  readonly changed: boolean;
  readonly cache: BodyCache;
  /** The cache generation this body belongs to (a body is kept only by the scrape that saw the latest change). */
  readonly gen: number;
}

/**
 * What a registry's last body in one format was made of, and that body gzip-compressed (about a tenth of its size:
 * a scrape that finds nothing changed is served from it). The uncompressed body is not kept: it would cost the
 * exposition's size in heap per format.
 */
export interface BodyCache {
  gen: number;
  /** What the parts were when last prepared: metric, family version, or foreign text. */
  stamp: unknown[];
  gzip?: Buffer | undefined;
}

const caches = { text: new WeakMap<Registry, BodyCache>(), om: new WeakMap<Registry, BodyCache>() };
const PROBE = 'devskyy_mon_default_labels_probe';
const probe = { name: PROBE, help: '', type: 'gauge', get: () => ({ name: PROBE, help: '', type: 'gauge', values: [{ value: 0, labels: {} }] }) };

/**
 * Does the registry add default labels (Registry.setDefaultLabels) to every series? prom-client has no public
 * getter for them; a probe metric, registered only for the synchronous part of one getSingleMetricAsString call
 * (so no other reader of the registry can see it), shows them.
 */
async function hasDefaultLabels(registry: Registry): Promise<boolean> {
  registry.registerMetric(probe as never);
  let text: Promise<string>;
  try {
    text = registry.getSingleMetricAsString(PROBE);
  } finally {
    registry.removeSingleMetric(PROBE);
  }
  return (await text).includes('{');
}

/**
 * Runs the families' collect hooks, and writes the metrics the runtime does not own; undefined when the registry
 * has default labels, which only prom-client's own writer applies.
 */
export async function prepare(registry: Registry, openMetrics: boolean, kinds: ReadonlyMap<string, MetricType>): Promise<Prepared | undefined> {
  if (await hasDefaultLabels(registry)) return undefined;
  const metrics = registry.getMetricsAsArray() as unknown as { name: string; help: string; type: string; collect?: unknown; get(): Promise<MetricObjectWithValues<MetricValue<string>>> }[];
  await Promise.all(metrics.map((m) => (m instanceof Family && m.collect ? m.collect() : undefined)));
  const parts: Part[] = [];
  const stamp: unknown[] = [];
  for (const m of metrics) {
    if (m instanceof Family) {
      const kind = kinds.get(m.name) ?? m.type;
      parts.push({ family: m, header: openMetrics ? openMetricsHeader(m.name, m.help, kind, m.type) : textHeader(m.name, m.help, m.type) });
      stamp.push(m, m.stamp());
      continue;
    }
    const text = openMetrics ? formatFamilies([await m.get()], true, kinds).replace(/\n# EOF\n$/, '') : await registry.getSingleMetricAsString(m.name);
    parts.push({ header: '', text });
    stamp.push(m, text);
  }
  const registries = openMetrics ? caches.om : caches.text;
  let cache = registries.get(registry);
  if (!cache) registries.set(registry, (cache = { gen: 0, stamp: [] }));
  const changed = stamp.length !== cache.stamp.length || stamp.some((x, i) => !Object.is(x, cache.stamp[i]));
  if (changed) {
    cache.gen++;
    cache.stamp = stamp;
    cache.gzip = undefined;
  }
  return { openMetrics, parts, changed, cache, gen: cache.gen };
}

/** Renders the prepared body, handing it to `sink` in chunks of about CHUNK characters. */
export function render(p: Prepared, sink: Sink): void {
  const om = p.openMetrics;
  let pieces: string[] = [];
  let size = 0;
  p.parts.forEach((part, f) => {
    // Text separates families by a blank line; OpenMetrics does not, and ends with # EOF.
    if (f > 0) pieces.push(om ? '\n' : '\n\n');
    if (part.text !== undefined) {
      pieces.push(part.text);
      size += part.text.length;
      return;
    }
    pieces.push(part.header);
    for (const t of part.family!.texts(om)) {
      pieces.push(t);
      size += t.length;
      if (size >= CHUNK) {
        sink(pieces.join(''));
        pieces = [];
        size = 0;
      }
    }
  });
  pieces.push(om ? `${p.parts.length ? '\n' : ''}# EOF\n` : '\n');
  sink(pieces.join(''));
}

export function renderWhole(p: Prepared): string {
  const chunks: string[] = [];
  render(p, (c) => void chunks.push(c));
  return chunks.join('');
}

/** The registry's whole body in one format. */
export async function exposition(registry: Registry, openMetrics: boolean, kinds: ReadonlyMap<string, MetricType> = new Map()): Promise<string> {
  const p = await prepare(registry, openMetrics, kinds);
  if (!p) return openMetrics ? formatFamilies(await registry.getMetricsAsJSON(), true, kinds) : registry.metrics();
  return renderWhole(p);
}
