// What the values seen for a label say about it: an enum, a bound with headroom, and whether it looks unbounded.

/** At most this many distinct values seen (and none looking like ids) make a label an enum. */
export const ENUM_MAX = 20;

export interface LabelShape {
  values?: string[];
  maxValues?: number;
  /** Why the label looks unbounded (ids, UUIDs, timestamps, URLs with ids); absent when it does not. */
  unbounded?: string;
  comment: string;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;
const HEX_ID = /^(?=.*\d)[0-9a-f]{16,}$/i;
const NUMERIC_ID = /^\d{5,}$/;
const EPOCH = /^1\d{9}(\d{3})?(\.\d+)?$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[a-z]{2,}$/i;
// A path or URL segment that is an id: digits, a UUID or a long hex/base64 token (route templates use {id}).
const URL_WITH_ID = /(^|\/)(\d{2,}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{16,}|[A-Za-z0-9_-]{24,})(\/|\?|$)/i;
const ID_NAME = /(^|_)(id|ids|uuid|guid|uid|session|token|trace|span|email|user|username|ip|address|url|timestamp|ts)$/i;

/** Each kind of id-like value, as a test of one value; URLs only count when the value is a path or URL. */
const KINDS: [(v: string) => boolean, string][] = [
  [(v) => UUID.test(v), 'UUIDs'],
  [(v) => EPOCH.test(v) || ISO_TIME.test(v), 'timestamps'],
  [(v) => NUMERIC_ID.test(v), 'numeric ids'],
  [(v) => HEX_ID.test(v), 'hex ids'],
  [(v) => EMAIL.test(v), 'e-mail addresses'],
  [(v) => v.includes('/') && URL_WITH_ID.test(v), 'paths or URLs with ids in them'],
];

/** The first reason the values (or the name) look unbounded: half or more of the values seen are of one id kind. */
export function unboundedReason(name: string, values: readonly string[]): string | undefined {
  if (!values.length) return undefined;
  for (const [test, what] of KINDS) {
    const hits = values.filter(test);
    if (hits.length * 2 >= values.length) return `its values look like ${what} (e.g. "${hits[0]}")`;
  }
  if (ID_NAME.test(name) && values.length > 3) return `its name says it holds ${name.split('_').at(-1)} values`;
  return undefined;
}

/** Headroom over what was seen: twice as many, at least ten more, rounded up to a multiple of ten. */
export function boundWithHeadroom(seen: number): number {
  return Math.ceil(Math.max(seen * 2, seen + 10) / 10) * 10;
}

/** `infoOnly`: the label is on info metrics alone, which describe a build or a host and change with it. */
export function shapeLabel(name: string, seen: readonly string[], infoOnly = false): LabelShape {
  const values = [...new Set(seen)];
  const unbounded = unboundedReason(name, values);
  const n = values.length;
  const counted = `${n} value${n === 1 ? '' : 's'} seen`;
  if (infoOnly && !unbounded) {
    const maxValues = boundWithHeadroom(n);
    return { maxValues, comment: `${counted}; an info label (a version, a build) changes with each release, so a bound of ${maxValues}, not an enum` };
  }
  if (!unbounded && n > 0 && n <= ENUM_MAX) return { values: values.sort(compareValues), comment: `${counted}; declared as an enum` };
  const maxValues = boundWithHeadroom(n);
  if (unbounded) return { maxValues, unbounded, comment: `${counted}; looks unbounded: ${unbounded}. Bound set to ${maxValues}; normalise or drop this label in the app` };
  return { maxValues, comment: `${counted} (more than ${ENUM_MAX}); bound set to ${maxValues} for headroom` };
}

/** Numbers by value, the rest alphabetically: status codes and sizes read in order. */
function compareValues(a: string, b: string): number {
  const x = Number(a);
  const y = Number(b);
  if (a.trim() !== '' && b.trim() !== '' && Number.isFinite(x) && Number.isFinite(y)) return x - y;
  return a < b ? -1 : a > b ? 1 : 0;
}
