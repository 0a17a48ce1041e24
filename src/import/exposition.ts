// A scraped exposition (Prometheus text 0.0.4 or OpenMetrics 1.0) as metric families with their samples.
//
// Sample lines (names, label escaping, values) and HELP text are read by parse-prometheus-text-format, the
// state machine ported from Prometheus' Python client. That library knows only text 0.0.4 families: it has no
// UNIT, no OpenMetrics types (info, stateset, gaugehistogram), no _total/_created/_info sample suffixes, and it
// folds a labelled histogram's buckets into one set. So the TYPE and UNIT lines are read here, every TYPE line
// is withheld from it (each sample name then comes back as its own family, labels intact), and the samples are
// grouped into families by the suffixes the declared type allows.
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { pushAll } from '../util/arrays.js';

export type ExposedType = 'counter' | 'gauge' | 'histogram' | 'gaugehistogram' | 'summary' | 'info' | 'stateset' | 'unknown';

export interface Sample {
  /** The sample's own name, e.g. x_bucket, x_total. */
  name: string;
  labels: Readonly<Record<string, string>>;
  value: number;
}

export interface ExposedFamily {
  /** The family name: the TYPE line's name, or the sample name of an untyped series. */
  name: string;
  type: ExposedType;
  help: string;
  unit?: string;
  samples: Sample[];
  /** Line of the TYPE line (or first sample), 1-based, for messages. */
  line: number;
}

export interface Exposition {
  format: 'openmetrics' | 'text';
  families: ExposedFamily[];
}

export class ExpositionError extends Error {
  constructor(
    message: string,
    /** 1-based line of the input, when known. */
    readonly line?: number,
  ) {
    super(message);
  }
}

/** Sample-name suffixes each declared type owns, OpenMetrics and text 0.0.4 together. */
const SUFFIXES: Record<ExposedType, readonly string[]> = {
  counter: ['', '_total', '_created'],
  gauge: [''],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  summary: ['', '_count', '_sum', '_created'],
  info: ['_info', ''],
  stateset: [''],
  unknown: [''],
};

const TYPES = new Set<string>(Object.keys(SUFFIXES));

function numberOf(v: string | undefined): number {
  if (v === undefined) return NaN;
  if (v === '+Inf' || v === 'Inf') return Infinity;
  if (v === '-Inf') return -Infinity;
  return Number(v);
}

/** `# TYPE name type` / `# UNIT name unit`: whitespace-separated tokens after the keyword. */
function metadata(line: string): { kind: string; name: string; rest: string } | undefined {
  const m = /^#\s+(TYPE|UNIT|HELP|EOF)(?:\s+(\S+))?(?:\s(.*))?$/.exec(line);
  if (!m) return undefined;
  return { kind: m[1]!, name: m[2] ?? '', rest: (m[3] ?? '').trim() };
}

/**
 * Reads an exposition. U+2028 and U+2029 are ordinary characters in it (only \n ends a line), but JavaScript's
 * `.` stops at them, so the library (and the metadata pattern above) would lose a HELP or label value holding one:
 * they are read as private-use stand-ins that the text does not hold, and put back in the result.
 */
export function parseExposition(text: string, contentType = ''): Exposition {
  const [ls, ps] = unusedPrivateUse(text);
  const back = (v: unknown): unknown =>
    typeof v === 'string' ? v.replaceAll(ls, '\u2028').replaceAll(ps, '\u2029') : Array.isArray(v) ? v.map(back) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, back(x)])) : v;
  return back(parseExpositionLines(text.replaceAll('\u2028', ls).replaceAll('\u2029', ps), contentType)) as Exposition;
}

/** Two private-use characters the text does not contain. */
function unusedPrivateUse(text: string): [string, string] {
  const free: string[] = [];
  for (let c = 0xe000; free.length < 2; c++) if (!text.includes(String.fromCharCode(c))) free.push(String.fromCharCode(c));
  return [free[0]!, free[1]!];
}

function parseExpositionLines(text: string, contentType: string): Exposition {
  const lines = text.split('\n');
  const openmetrics = /openmetrics/i.test(contentType) || lines.some((l) => l.trim() === '# EOF') || lines.some((l) => /^#\s+UNIT\s/.test(l));
  const declared = new Map<string, { type: ExposedType; unit?: string; line: number }>();
  const order: string[] = [];
  const kept: string[] = [];
  /** Line number in the input of each kept line, for the library's errors. */
  const keptAt: number[] = [];
  const firstLine = new Map<string, number>();
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line.startsWith('#')) {
      const meta = metadata(line);
      if (!meta || meta.kind === 'EOF') return;
      if (meta.kind === 'HELP') {
        kept.push(line);
        keptAt.push(i + 1);
        return;
      }
      const entry = declared.get(meta.name) ?? { type: 'unknown' as ExposedType, line: i + 1 };
      if (meta.kind === 'TYPE') {
        const t = meta.rest.toLowerCase() === 'untyped' ? 'unknown' : meta.rest.toLowerCase();
        if (!TYPES.has(t)) throw new ExpositionError(`unknown metric type "${meta.rest}"`, i + 1);
        entry.type = t as ExposedType;
      } else if (meta.rest) entry.unit = meta.rest;
      if (!declared.has(meta.name)) order.push(meta.name);
      declared.set(meta.name, entry);
      return;
    }
    if (line) {
      const name = line.split(/[\s{]/, 1)[0]!;
      if (!firstLine.has(name)) firstLine.set(name, i + 1);
    }
    kept.push(line);
    keptAt.push(i + 1);
  });
  kept.push(''); // the library drops the last sample when the text does not end in a newline

  let parsed;
  try {
    parsed = parsePrometheusTextFormat(kept.join('\n'));
  } catch (err) {
    // The library names the line it could not read, not its number: find it.
    const message = (err as Error).message;
    const bad = message.replace(/^Encountered invalid line: /, '');
    const at = kept.indexOf(bad);
    throw at >= 0 ? new ExpositionError(`cannot read "${bad.slice(0, 120)}"`, keptAt[at]) : new ExpositionError(message);
  }
  const help = new Map<string, string>();
  const bySampleName = new Map<string, Sample[]>();
  for (const f of parsed) {
    if (f.help && !help.has(f.name)) help.set(f.name, openmetrics ? f.help.replace(/\\"/g, '"') : f.help);
    if (!f.metrics.length) continue;
    const list = bySampleName.get(f.name) ?? [];
    for (const s of f.metrics) list.push({ name: f.name, labels: s.labels ?? {}, value: numberOf(s.value) });
    bySampleName.set(f.name, list);
  }

  const claimed = new Set<string>();
  const families: ExposedFamily[] = [];
  for (const name of order) {
    const d = declared.get(name)!;
    const samples: Sample[] = [];
    for (const suffix of SUFFIXES[d.type]) {
      const sn = name + suffix;
      // A text 0.0.4 counter is declared with its _total name; its stem belongs to no one else.
      if (claimed.has(sn) || (suffix !== '' && declared.has(sn))) continue;
      const got = bySampleName.get(sn);
      if (!got) continue;
      claimed.add(sn);
      pushAll(samples, got);
    }
    families.push({ name, type: d.type, help: help.get(name) ?? '', ...(d.unit ? { unit: d.unit } : {}), samples, line: d.line });
  }
  for (const [name, samples] of bySampleName) {
    if (claimed.has(name)) continue;
    families.push({ name, type: 'unknown', help: help.get(name) ?? '', samples, line: firstLine.get(name) ?? 0 });
  }
  // Text 0.0.4 from the Python client declares each _created series as a gauge family of its own.
  const stems = new Set(families.filter((f) => f.type === 'counter' || f.type === 'histogram' || f.type === 'summary').map((f) => f.name.replace(/_total$/, '')));
  const own = families.filter((f) => !(f.type === 'gauge' && f.name.endsWith('_created') && stems.has(f.name.slice(0, -'_created'.length))));
  return { format: openmetrics ? 'openmetrics' : 'text', families: own };
}
