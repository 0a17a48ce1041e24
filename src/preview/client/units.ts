// Grafana's unit formatting for the ids the generated dashboards use, so an axis or a stat reads as it would in
// Grafana. Ported from Grafana's value formats, packages/grafana-data/src/valueFormats/ (valueFormats.ts: toFixed,
// scaledUnits, simpleCountUnit, toFixedUnit, getValueFormat's "prefix:", "suffix:", "si:", "count:",
// "currency:" forms; categories.ts: the unit ids; symbolFormatters.ts: currency, SIPrefix, binaryPrefix;
// arithmeticFormatters.ts: toPercent, toPercentUnit; dateTimeFormatters.ts: toSeconds, toMilliSeconds,
// toMicroSeconds, toNanoSeconds). https://github.com/grafana/grafana/tree/main/packages/grafana-data/src/valueFormats
// Runs in the page (the preview's script) and in Node (tests); no DOM, no imports.

export interface FormattedValue {
  text: string;
  prefix?: string;
  suffix?: string;
}

export type ValueFormatter = (value: number, decimals?: number) => FormattedValue;

export function formattedValueToString(v: FormattedValue): string {
  return `${v.prefix ?? ''}${v.text}${v.suffix ?? ''}`;
}

function decimalsForValue(value: number): number {
  const log10 = Math.floor(Math.log(Math.abs(value)) / Math.LN10);
  let dec = -log10 + 1;
  const magn = Math.pow(10, -dec);
  const norm = value / magn;
  // Grafana: "special case for 2.5, requires an extra decimal"
  if (norm > 2.25) ++dec;
  if (value % 1 === 0) dec = 0;
  return Math.max(0, dec);
}

export function toFixed(value: number, decimals?: number): string {
  if (value === Number.NEGATIVE_INFINITY || value === Number.POSITIVE_INFINITY) return value.toLocaleString();
  const d = decimals ?? decimalsForValue(value);
  if (value === 0) return value.toFixed(d);
  const factor = d ? Math.pow(10, Math.max(0, d)) : 1;
  const formatted = String(Math.round(value * factor) / factor);
  if (formatted.includes('e')) return formatted;
  const decimalPos = formatted.indexOf('.');
  const precision = decimalPos === -1 ? 0 : formatted.length - decimalPos - 1;
  if (precision < d) return (precision ? formatted : formatted + '.') + String(factor).slice(1, d - precision + 1);
  return formatted;
}

const clamp = (n: number, lo: number, hi: number) => Math.min(Math.max(n, lo), hi);

function scaledUnits(factor: number, extArray: readonly string[], offset = 0): ValueFormatter {
  return (size, decimals) => {
    if (!Number.isFinite(size)) return { text: size.toLocaleString() };
    const siIndex = size === 0 ? 0 : Math.floor(Math.log10(Math.abs(size)) / Math.log10(factor));
    const suffix = extArray[clamp(offset + siIndex, 0, extArray.length - 1)] ?? '';
    return { text: toFixed(size / factor ** clamp(siIndex, -offset, extArray.length - offset - 1), decimals), suffix };
  };
}

function toFixedUnit(unit: string, asPrefix = false): ValueFormatter {
  return (size, decimals) => {
    const text = toFixed(size, decimals);
    if (!unit) return { text };
    return asPrefix ? { text, prefix: unit } : { text, suffix: ' ' + unit };
  };
}

function simpleCountUnit(symbol: string): ValueFormatter {
  const scaler = scaledUnits(1000, ['', 'K', 'M', 'B', 'T']);
  return (size, decimals) => {
    const v = scaler(size, decimals);
    return { ...v, suffix: `${v.suffix ?? ''} ${symbol}` };
  };
}

function currency(symbol: string, asSuffix = false): ValueFormatter {
  const scaler = scaledUnits(1000, ['', 'K', 'M', 'B', 'T']);
  return (value, decimals) => {
    const negative = value < 0;
    const scaled = scaler(Math.abs(value), decimals);
    if (asSuffix) scaled.suffix = `${scaled.suffix ?? ''}${symbol}`;
    else scaled.prefix = symbol;
    if (negative) scaled.prefix = `-${scaled.prefix ?? ''}`;
    return scaled;
  };
}

// Grafana's SIPrefix in steps of 1000 (its symbolFormatters.test.ts: 1000 V is "1 kV", 1e6 V "1 MV").
const SI_PREFIXES = ['f', 'p', 'n', 'µ', 'm', '', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const SI_BASE_INDEX = SI_PREFIXES.indexOf('');

function siPrefix(unit: string, offset = 0): ValueFormatter {
  return scaledUnits(1000, SI_PREFIXES.map((p) => ' ' + p + unit), SI_BASE_INDEX + offset);
}

function binaryPrefix(unit: string, offset = 0): ValueFormatter {
  return scaledUnits(1024, ['', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'].map((p) => ' ' + p + unit), offset);
}

/**
 * A duration in `base` seconds (1 for s, 1e-3 for ms...), scaled as Grafana's toSeconds does: ns up to years.
 * Differs from Grafana above the base unit for ms (Grafana's toMilliSeconds has no weeks) and µs (toMicroSeconds
 * stops at s); the generated dashboards use s.
 */
function duration(base: number): ValueFormatter {
  const steps: [limit: number, divisor: number, suffix: string][] = [
    [1e-6, 1e-9, ' ns'],
    [1e-3, 1e-6, ' µs'],
    [1, 1e-3, ' ms'],
    [60, 1, ' s'],
    [3600, 60, ' min'],
    [86400, 3600, ' hour'],
    [604800, 86400, ' day'],
    [31536000, 604800, ' week'],
  ];
  return (value, decimals) => {
    // Grafana (newer toSeconds): "If 0, use s unit instead of ns".
    if (value === 0) return { text: '0', suffix: steps.find(([, divisor]) => divisor === base)?.[2] ?? ' s' };
    const seconds = value * base;
    // Grafana's toSeconds goes down to ns; toMilliSeconds, toMicroSeconds and toNanoSeconds start at their own unit.
    const first = base === 1 ? 0 : steps.findIndex(([, divisor]) => divisor >= base);
    const abs = Math.abs(seconds);
    for (const [limit, divisor, suffix] of steps.slice(first)) if (abs < limit) return { text: toFixed(seconds / divisor, decimals), suffix };
    return { text: toFixed(seconds / 3.15569e7, decimals), suffix: ' year' };
  };
}

const FORMATS: Record<string, ValueFormatter> = {
  none: toFixedUnit(''),
  short: scaledUnits(1000, ['', ' K', ' Mil', ' Bil', ' Tri', ' Quadr', ' Quint', ' Sext', ' Sept']),
  percent: (v, d) => ({ text: toFixed(v, d), suffix: '%' }),
  percentunit: (v, d) => ({ text: toFixed(100 * v, d), suffix: '%' }),
  bits: binaryPrefix('b'),
  bytes: binaryPrefix('B'),
  kbytes: binaryPrefix('B', 1),
  mbytes: binaryPrefix('B', 2),
  decbits: siPrefix('b'),
  decbytes: siPrefix('B'),
  bps: siPrefix('bps'),
  Bps: siPrefix('B/s'),
  pps: siPrefix('pps'),
  ns: duration(1e-9),
  µs: duration(1e-6),
  ms: duration(1e-3),
  s: duration(1),
  hertz: siPrefix('Hz'),
  cps: simpleCountUnit('cps'),
  ops: simpleCountUnit('ops'),
  reqps: simpleCountUnit('reqps'),
  rps: simpleCountUnit('rps'),
  wps: simpleCountUnit('wps'),
  iops: simpleCountUnit('iops'),
  cpm: simpleCountUnit('cpm'),
  opm: simpleCountUnit('opm'),
  currencyUSD: currency('$'),
  currencyEUR: currency('€'),
  currencyGBP: currency('£'),
  celsius: toFixedUnit('°C'),
  fahrenheit: toFixedUnit('°F'),
  kelvin: toFixedUnit('K'),
  watt: siPrefix('W'),
  volt: siPrefix('V'),
};

/** Grafana's getValueFormat: a known id, one of the "prefix:", "suffix:", "si:", "count:", "currency:" forms, else the id as a suffix. */
export function valueFormat(id: string | undefined): ValueFormatter {
  if (!id) return toFixedUnit('');
  const known = Object.prototype.hasOwnProperty.call(FORMATS, id) ? FORMATS[id] : undefined;
  if (known) return known;
  const colon = id.indexOf(':');
  if (colon > 0) {
    const key = id.slice(0, colon);
    const sub = id.slice(colon + 1);
    if (key === 'prefix') return toFixedUnit(sub, true);
    if (key === 'suffix') return toFixedUnit(sub);
    if (key === 'count') return simpleCountUnit(sub);
    if (key === 'currency') return currency(sub);
    if (key === 'si') {
      const at = SI_PREFIXES.indexOf(sub.charAt(0));
      const offset = at < 0 || sub.length === 1 ? 0 : at - SI_BASE_INDEX;
      return siPrefix(offset === 0 ? sub : sub.slice(1), offset);
    }
  }
  return toFixedUnit(id);
}

/** A value as Grafana shows it with the panel's unit: "250 ms", "12.5%", "3.20 K reqps"; null and NaN as "No data". */
export function formatValue(unit: string | undefined, value: number | null, decimals?: number): string {
  if (value === null || Number.isNaN(value)) return 'No data';
  return formattedValueToString(valueFormat(unit)(value, decimals));
}
