// From exposed families to catalog entries: names, types, units, labels, buckets, percentiles, categories.
import type { RawCatalog, RawLabel, RawMetric, RawService } from '../model/raw.js';
import { LABEL_NAME, METRIC_NAME, UNIT_SUFFIX } from '../validate/names.js';
import type { ExposedFamily, Exposition } from './exposition.js';
import { shapeLabel } from './label-shape.js';

/** Process and language-runtime families every client library adds; summarised, not copied. */
export const STANDARD_PREFIXES = ['process_', 'nodejs_', 'go_', 'python_', 'promhttp_', 'jvm_'] as const;

/** Units the catalog knows (schema enum). */
const CATALOG_UNITS = new Set(['seconds', 'bytes', 'percent', 'ratio', 'usd', 'count', 'score', 'celsius', 'meters', 'volts', 'amperes', 'joules', 'grams']);

const ACRONYMS: Record<string, string> = { cpu: 'CPU', http: 'HTTP', db: 'Database', gc: 'GC', ml: 'ML', gdpr: 'GDPR', tcp: 'TCP', udp: 'UDP', ip: 'IP', nf: 'Netfilter', os: 'OS', arp: 'ARP', api: 'API', io: 'I/O' };

export interface ImportFinding {
  severity: 'warning' | 'info';
  /** The family, label, rule or panel it is about. */
  subject: string;
  message: string;
}

/** Comments the catalog carries for people, keyed by where they go. */
export interface DraftComments {
  header: string[];
  metrics: Map<number, string[]>;
  labels: Map<string, string[]>;
  alerts: Map<number, string[]>;
  recordingRules: Map<number, string[]>;
  panels: Map<string, string[]>;
}

export interface SkippedFamily {
  name: string;
  reason: string;
}

export interface MetricsDraft {
  raw: RawCatalog;
  comments: DraftComments;
  findings: ImportFinding[];
  /** Standard and runtime families, per prefix (as shown: go_*, process_*, ...). */
  summarised: { prefix: string; families: string[] }[];
  skipped: SkippedFamily[];
  /** Families whose series the catalog's exporter exposes under another name: exposed -> catalog full name. */
  renamed: { exposed: string; catalog: string }[];
}

/** The scrape target; its job name defaults to the namespace. */
export type ServiceDraft = Omit<RawService, 'name'> & { name?: string };

export interface InferOptions {
  namespace?: string;
  service: ServiceDraft;
  title?: string;
  /** Leave untyped families out (by default they become gauges: Prometheus treats untyped samples as gauges). */
  skipUntyped?: boolean;
}

export function emptyComments(): DraftComments {
  return { header: [], metrics: new Map(), labels: new Map(), alerts: new Map(), recordingRules: new Map(), panels: new Map() };
}

const standardPrefix = (name: string) => STANDARD_PREFIXES.find((p) => name.startsWith(p));

/** The namespace: the first name token most families share (standard families aside). */
export function inferNamespace(names: readonly string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const n of names) {
    if (standardPrefix(n)) continue;
    const token = n.split('_', 1)[0]!;
    if (token && token !== n) counts.set(token, (counts.get(token) ?? 0) + 1);
  }
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}


/** Families the devskyy-mon exporter runtime adds itself; importing them would declare them twice. */
function runtimeFamily(ns: string, name: string): boolean {
  return name === `${ns}_metrics_overflow` || name === `${ns}_metrics_overflow_total` || name.startsWith(`${ns}_scrape_collector_`);
}

/** Label names with a value somewhere: Prometheus drops a label whose value is empty, so it never stores it. */
function labelNamesOf(f: ExposedFamily): { names: string[]; empty: string[] } {
  const names = new Set<string>();
  const all = new Set<string>();
  for (const s of f.samples) {
    for (const [k, v] of Object.entries(s.labels)) {
      all.add(k);
      if (v !== '') names.add(k);
    }
  }
  return { names: [...names], empty: [...all].filter((k) => !names.has(k)) };
}

function distinct(values: readonly string[]): string[] {
  return [...new Set(values)];
}

const numeric = (v: string) => (v === '+Inf' ? Infinity : Number(v));

function sameList(a: readonly number[] | undefined, b: readonly number[] | undefined): boolean {
  return !!a && !!b && a.length === b.length && a.every((x, i) => x === b[i]);
}

function mostCommon(lists: readonly number[][]): number[] | undefined {
  const counts = new Map<string, { list: number[]; n: number }>();
  for (const l of lists) {
    const k = l.join(',');
    const c = counts.get(k) ?? { list: l, n: 0 };
    c.n++;
    counts.set(k, c);
  }
  return [...counts.values()].sort((a, b) => b.n - a.n)[0]?.list;
}

/** The catalog unit: OpenMetrics' UNIT when the catalog knows it, else the one the name's suffix implies. */
function unitOf(f: ExposedFamily, name: string, notes: string[]): string | undefined {
  const stem = name.replace(/_total$/, '');
  const fromSuffix = Object.entries(UNIT_SUFFIX).find(([, s]) => stem.endsWith(s))?.[0];
  if (f.unit) {
    if (CATALOG_UNITS.has(f.unit) && (!UNIT_SUFFIX[f.unit] || stem.endsWith(UNIT_SUFFIX[f.unit]!))) {
      notes.push(`unit ${f.unit} from the OpenMetrics UNIT line`);
      return f.unit;
    }
    notes.push(`OpenMetrics UNIT "${f.unit}" is not a catalog unit or does not match the name; ${fromSuffix ? `unit ${fromSuffix} from the name` : 'no unit declared'}`);
  }
  return fromSuffix;
}

interface Pending {
  metric: RawMetric;
  family: ExposedFamily;
  labelNames: string[];
  notes: string[];
  group: string;
}

/** Builds the metrics half of a catalog from an exposition. */
export function inferMetrics(expo: Exposition, o: InferOptions): MetricsDraft {
  const findings: ImportFinding[] = [];
  const skipped: SkippedFamily[] = [];
  const summarised = new Map<string, string[]>();
  const renamed: { exposed: string; catalog: string }[] = [];
  const ns = o.namespace ?? inferNamespace(expo.families.map((f) => f.name));
  if (!ns) throw new Error('the exposition has no families outside the standard process and runtime ones; pass --namespace');
  const prefix = `${ns}_`;
  const pending: Pending[] = [];

  for (const f of expo.families) {
    const std = standardPrefix(f.name);
    if (std && !f.name.startsWith(prefix)) {
      summarised.set(`${std}*`, [...(summarised.get(`${std}*`) ?? []), f.name]);
      continue;
    }
    if (runtimeFamily(ns, f.name)) {
      if (f.name === `${prefix}scrape_collector_success` && f.samples.length) {
        const ids = distinct(f.samples.map((s) => s.labels['collector'] ?? '').filter(Boolean));
        findings.push({ severity: 'info', subject: f.name, message: `the source runs ${ids.length} devskyy-mon collector(s) (${ids.join(', ')}); which metrics they fill is not in an exposition: declare them under collectors: and set collector: on those metrics` });
      }
      const reserved = `${prefix}scrape_collector_* and ${prefix}metrics_overflow_total (names the devskyy-mon exporter runtime adds itself)`;
      summarised.set(reserved, [...(summarised.get(reserved) ?? []), f.name]);
      continue;
    }
    if (!f.name.startsWith(prefix)) {
      skipped.push({ name: f.name, reason: `outside the namespace ${ns} (the catalog exposes every metric as ${prefix}<name>)` });
      continue;
    }
    const stem = f.name.slice(prefix.length);
    const notes: string[] = [];
    const help = f.help || `${f.name} (the exporter exposes no HELP)`;
    if (!f.help) findings.push({ severity: 'warning', subject: f.name, message: 'no HELP exposed; a placeholder HELP was written, so verify will report the HELP as different' });
    let metric: RawMetric | undefined;
    const labelSet = labelNamesOf(f);
    let labelNames = labelSet.names;
    if (labelSet.empty.length) notes.push(`label${labelSet.empty.length > 1 ? 's' : ''} ${labelSet.empty.join(', ')} always empty: not declared (Prometheus drops empty labels)`);
    const samplesSeen = f.samples.length;
    switch (f.type) {
      case 'counter': {
        const name = stem.endsWith('_total') ? stem : `${stem}_total`;
        const exposesTotal = f.samples.some((s) => s.name.endsWith('_total'));
        if (!exposesTotal && samplesSeen) {
          notes.push(`exposed as ${f.name} without _total; the catalog names counters with _total, so the generated exporter exposes ${prefix}${name}`);
          findings.push({ severity: 'warning', subject: f.name, message: `counter without _total renamed ${prefix}${name} (seed_name ${stem}); verify against the source will not find ${prefix}${name}` });
        }
        metric = { name, type: 'counter', help, category: '' };
        if (stem !== name) metric.seed_name = stem;
        break;
      }
      case 'gauge': {
        const values = f.samples.map((s) => s.value);
        const selfLabel = labelNames.length >= 1 && labelNames.includes(f.name) && values.every((v) => v === 0 || v === 1);
        if (stem.endsWith('_info') && labelNames.length && values.every((v) => v === 1)) {
          metric = { name: stem, type: 'info', help, category: '' };
          notes.push('a gauge named _info, always 1, with labels: declared an info metric (text 0.0.4 has no info type)');
        } else if (selfLabel) {
          const states = distinct(f.samples.map((s) => s.labels[f.name]!));
          metric = { name: stem, type: 'enum', help, category: '', states };
          labelNames = labelNames.filter((l) => l !== f.name);
          notes.push(`a 0/1 gauge labelled with its own name: declared an enum (a stateset) with the ${states.length} states seen`);
        } else metric = { name: stem, type: 'gauge', help, category: '' };
        break;
      }
      case 'unknown':
        if (o.skipUntyped) {
          skipped.push({ name: f.name, reason: 'untyped (--skip-untyped)' });
          continue;
        }
        metric = { name: stem, type: 'gauge', help, category: '' };
        notes.push('untyped in the exposition: declared a gauge, as Prometheus treats untyped samples (it reports the type as unknown)');
        findings.push({ severity: 'info', subject: f.name, message: 'untyped; declared a gauge' });
        break;
      case 'histogram': {
        const buckets = distinct(f.samples.filter((s) => s.name.endsWith('_bucket') && s.labels['le'] !== undefined).map((s) => s.labels['le']!))
          .map(numeric)
          .filter((b) => Number.isFinite(b))
          .sort((a, b) => a - b);
        metric = { name: stem, type: 'histogram', help, category: '', ...(buckets.length ? { buckets } : {}) };
        labelNames = labelNames.filter((l) => l !== 'le');
        if (buckets.length) notes.push(`${buckets.length} buckets as exposed`);
        break;
      }
      case 'summary': {
        const qs = distinct(f.samples.filter((s) => s.labels['quantile'] !== undefined).map((s) => s.labels['quantile']!))
          .map(Number)
          .filter((q) => q > 0 && q < 1)
          .sort((a, b) => a - b);
        metric = { name: stem, type: 'summary', help, category: '', ...(qs.length ? { percentiles: qs } : {}) };
        labelNames = labelNames.filter((l) => l !== 'quantile');
        if (!qs.length) {
          notes.push('no quantiles exposed (count and sum only, as the Python client does); the catalog always declares percentiles, so the defaults apply');
          findings.push({ severity: 'info', subject: f.name, message: 'summary without quantiles: the generated exporter will add the default percentiles' });
        } else notes.push(`percentiles ${qs.join(', ')} as exposed`);
        break;
      }
      case 'info': {
        const name = stem.endsWith('_info') ? stem : `${stem}_info`;
        metric = { name, type: 'info', help, category: '' };
        if (name !== stem) metric.seed_name = stem;
        break;
      }
      case 'stateset': {
        const states = distinct(f.samples.map((s) => s.labels[f.name]).filter((v): v is string => v !== undefined));
        labelNames = labelNames.filter((l) => l !== f.name);
        if (!states.length) {
          skipped.push({ name: f.name, reason: 'a stateset with no samples: its states are unknown' });
          continue;
        }
        metric = { name: stem, type: 'enum', help, category: '', states };
        notes.push(`an OpenMetrics stateset: declared an enum with the ${states.length} states seen`);
        break;
      }
      case 'gaugehistogram':
        skipped.push({ name: f.name, reason: 'gaugehistogram: the catalog has no gauge histogram type' });
        continue;
    }
    if (!metric) continue;
    if (!METRIC_NAME.test(metric.name) || metric.name.includes(':')) {
      skipped.push({ name: f.name, reason: `"${metric.name}" is not a metric name the catalog accepts` });
      continue;
    }
    const reserved = /_(count|sum|bucket)$/.exec(metric.name);
    if (reserved && metric.type !== 'histogram' && metric.type !== 'summary') {
      skipped.push({ name: f.name, reason: `a ${metric.type} ending in _${reserved[1]}: Prometheus reads that as part of a histogram or summary, and the catalog rejects it` });
      continue;
    }
    if (metric.type !== 'counter' && metric.name.endsWith('_total')) {
      skipped.push({ name: f.name, reason: `a ${f.type === 'unknown' ? 'untyped series' : metric.type} ending in _total: only counters may (the catalog rejects it)` });
      continue;
    }
    const badLabel = labelNames.find((l) => !LABEL_NAME.test(l) || l.startsWith('__'));
    if (badLabel) {
      skipped.push({ name: f.name, reason: `label "${badLabel}" is not one a catalog may declare` });
      continue;
    }
    if (!samplesSeen) {
      notes.push('no samples exposed: its label names are unknown, none declared');
      findings.push({ severity: 'warning', subject: f.name, message: 'no samples: imported without labels; check them in the code' });
    }
    const unit = unitOf(f, metric.name, notes);
    if (unit) metric.unit = unit;
    if (metric.seed_name) notes.push(`seed_name: the exposition's family name is ${f.name}`);
    const full = `${prefix}${metric.name}`;
    const queried = metric.type === 'histogram' || metric.type === 'summary' ? f.name === full : f.samples.some((s) => s.name === full);
    if (samplesSeen && !queried) renamed.push({ exposed: f.samples[0]!.name, catalog: full });
    pending.push({ metric, family: f, labelNames, notes, group: metric.name.split('_', 1)[0]!.toLowerCase() });
  }

  // Labels: one definition per exposed name, from every value seen on any family.
  const seen = new Map<string, { values: string[]; families: string[]; infoOnly: boolean }>();
  for (const p of pending) {
    for (const l of p.labelNames) {
      const entry = seen.get(l) ?? { values: [], families: [], infoOnly: true };
      entry.families.push(`${prefix}${p.metric.name}`);
      entry.infoOnly &&= p.metric.type === 'info';
      for (const s of p.family.samples) {
        const v = s.labels[l];
        if (v !== undefined && v !== '' && v !== '__overflow__') entry.values.push(v);
      }
      seen.set(l, entry);
    }
  }
  const labels: Record<string, RawLabel> = {};
  const labelComments = new Map<string, string[]>();
  for (const [name, e] of [...seen.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const shape = shapeLabel(name, e.values, e.infoOnly);
    const fams = distinct(e.families);
    labels[name] = {
      description: `The ${name} label of ${fams.length === 1 ? fams[0] : `${fams[0]} and ${fams.length - 1} more famil${fams.length === 2 ? 'y' : 'ies'}`}.`,
      ...(shape.values ? { values: shape.values } : { max_values: shape.maxValues! }),
    };
    labelComments.set(name, [shape.comment]);
    if (shape.unbounded) findings.push({ severity: 'warning', subject: `label ${name}`, message: `looks unbounded: ${shape.unbounded} (on ${fams.join(', ')})` });
  }

  // Categories: name groups (the first word after the namespace) with two or more families; the rest in "other".
  const groupSize = new Map<string, number>();
  for (const p of pending) groupSize.set(p.group, (groupSize.get(p.group) ?? 0) + 1);
  const categoryOf = (g: string) => ((groupSize.get(g) ?? 0) >= 2 && /^[a-z][a-z0-9]*$/.test(g) ? g : 'other');
  const used = distinct(pending.map((p) => categoryOf(p.group)));
  const onlyOther = used.length === 1 && used[0] === 'other';
  const catId = (g: string) => (onlyOther ? 'metrics' : categoryOf(g));
  const categories = distinct(pending.map((p) => catId(p.group)))
    .sort((a, b) => (a === 'other' ? 1 : b === 'other' ? -1 : a.localeCompare(b)))
    .map((id) => ({ id, title: ACRONYMS[id] ?? id.charAt(0).toUpperCase() + id.slice(1), description: id === 'other' ? 'Families outside the name groups above.' : id === 'metrics' ? `Every family named ${prefix}* in the exposition.` : `Families named ${prefix}${id}_* in the exposition.` }));
  const catOrder = new Map(categories.map((c, i) => [c.id, i]));

  // Buckets and percentiles: the most common set becomes the default; others stay on their metric.
  const histBuckets = mostCommon(pending.filter((p) => p.metric.buckets).map((p) => p.metric.buckets!));
  const sumPercentiles = mostCommon(pending.filter((p) => p.metric.percentiles).map((p) => p.metric.percentiles!));
  for (const p of pending) {
    p.metric.category = catId(p.group);
    if (p.labelNames.length) p.metric.labels = [...p.labelNames].sort();
    if (sameList(p.metric.buckets, histBuckets)) {
      delete p.metric.buckets;
      p.notes = p.notes.map((n) => (/buckets as exposed$/.test(n) ? `${n} (the most common set, declared once under defaults.histogram_buckets)` : n));
    }
    if (sameList(p.metric.percentiles, sumPercentiles)) {
      delete p.metric.percentiles;
      p.notes = p.notes.map((n) => (/^percentiles .* as exposed$/.test(n) ? `${n} (the most common set, declared once under defaults.summary)` : n));
    }
  }
  const ordered = pending.map((p, i) => ({ p, i })).sort((a, b) => catOrder.get(a.p.metric.category)! - catOrder.get(b.p.metric.category)! || a.i - b.i);
  const metricComments = new Map<number, string[]>();
  ordered.forEach(({ p }, i) => {
    if (p.notes.length) metricComments.set(i, p.notes);
  });

  const raw: RawCatalog = {
    apiVersion: 'devskyy-mon/v1',
    namespace: ns,
    title: o.title ?? ns,
    ...(histBuckets || sumPercentiles
      ? { defaults: { ...(histBuckets ? { histogram_buckets: histBuckets } : {}), ...(sumPercentiles ? { summary: { percentiles: sumPercentiles } } : {}) } }
      : {}),
    services: [{ name: o.service.name ?? ns, ...o.service }],
    categories,
    ...(Object.keys(labels).length ? { labels } : {}),
    metrics: ordered.map(({ p }) => p.metric),
  };
  if (!raw.metrics.length) throw new Error(`no family under the namespace ${ns} could be imported`);
  const comments = emptyComments();
  comments.metrics = metricComments;
  comments.labels = labelComments;
  return { raw, comments, findings, summarised: [...summarised.entries()].map(([p, families]) => ({ prefix: p, families })), skipped, renamed };
}
