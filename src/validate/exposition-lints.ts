// The lints `promtool check metrics` applies to an exposition (client_golang's promlint), applied to catalog
// names before anything is generated: a name that passes validate never fails promtool on the live exporter.
// Each rule was checked against promtool 2.42 (test/catalog-hardening.test.ts compares them on a word list).

/** Type names promlint refuses inside a metric name (as `_type_` or a `_type` suffix), whatever the type. */
const TYPE_WORDS = ['counter', 'gauge', 'summary', 'histogram'];
/** Abbreviated units promlint refuses as a name part. */
const ABBREVIATED_UNITS = ['s', 'ms', 'us', 'ns', 'sec', 'b', 'kb', 'mb', 'gb', 'tb', 'pb', 'm', 'h', 'd'];
const BASE_UNITS = ['amperes', 'bytes', 'celsius', 'grams', 'joules', 'kelvin', 'meters', 'metres', 'seconds', 'volts'];
const UNIT_PREFIXES = ['pico', 'nano', 'micro', 'milli', 'centi', 'deci', 'deca', 'hecto', 'kilo', 'kibi', 'mega', 'mebi', 'giga', 'gibi', 'tera', 'tebi', 'peta', 'pebi'];
const TIME_UNITS = ['minutes', 'hours', 'days', 'weeks'];

export interface NamingProblem {
  check: 'metric-type-in-name' | 'unit-abbreviated' | 'base-unit' | 'snake-case';
  message: string;
}

const parts = (name: string) => name.toLowerCase().split('_');

/** promlint's findings for a family name as exposed (`<namespace>_<name>`, counters with _total). */
export function metricNameProblems(name: string): NamingProblem[] {
  const out: NamingProblem[] = [];
  const lower = name.toLowerCase();
  for (const t of TYPE_WORDS) {
    if (lower.includes(`_${t}_`) || lower.endsWith(`_${t}`)) {
      out.push({ check: 'metric-type-in-name', message: `"${name}" contains the type word "${t}"; promtool check metrics rejects it (metric name should not include type '${t}')` });
    }
  }
  const words = parts(name);
  const abbr = words.slice(1).find((w) => ABBREVIATED_UNITS.includes(w));
  if (abbr) out.push({ check: 'unit-abbreviated', message: `"${name}" abbreviates a unit ("${abbr}"); promtool check metrics rejects it — spell the base unit out (seconds, bytes, meters)` });
  for (const w of words.slice(1)) {
    const base = baseUnitOf(w);
    if (base) out.push({ check: 'base-unit', message: `"${name}" uses ${w}; Prometheus metrics use base units: promtool check metrics wants "${base}"` });
  }
  if (/[a-z][A-Z]/.test(name)) out.push({ check: 'snake-case', message: `"${name}" is camelCase; promtool check metrics wants snake_case` });
  return out;
}

/** The base unit promlint wants instead of a name part, if the part is a prefixed or non-base unit. */
function baseUnitOf(word: string): string | undefined {
  if (TIME_UNITS.includes(word)) return 'seconds';
  if (word === 'bits' || UNIT_PREFIXES.some((p) => word === `${p}bits`)) return 'bytes';
  for (const unit of BASE_UNITS) {
    if (UNIT_PREFIXES.some((p) => word === `${p}${unit}`)) return unit;
  }
  return undefined;
}

/** promlint's finding for a label name. */
export function labelNameProblem(name: string): NamingProblem | undefined {
  return /[a-z][A-Z]/.test(name) ? { check: 'snake-case', message: `label "${name}" is camelCase; promtool check metrics wants snake_case` } : undefined;
}
