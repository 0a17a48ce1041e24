// Go's fmt verbs as Prometheus' alert templates use them, so generated promtool tests can state the exact
// annotation text Prometheus will produce.

function goExponent(mantissa: string, exp: number): string {
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function special(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return undefined;
}

/** The exact decimal digits of a finite, non-zero double: |v| = digits × 10^exp. */
function exactDecimal(v: number): { digits: string; exp: number } {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, Math.abs(v));
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  let mantissa = bits & ((1n << 52n) - 1n);
  let e2: number;
  if (biased === 0) e2 = -1074;
  else {
    mantissa |= 1n << 52n;
    e2 = biased - 1075;
  }
  if (e2 >= 0) return { digits: (mantissa << BigInt(e2)).toString(), exp: 0 };
  // m / 2^k = m * 5^k / 10^k
  return { digits: (mantissa * 5n ** BigInt(-e2)).toString(), exp: e2 };
}

/**
 * fmt.Sprintf("%.<prec>g", v): Go rounds the exact binary value to `prec` significant digits, ties to even
 * (JavaScript's toPrecision rounds ties up, so 12345 would come out 1.235e+04 instead of Go's 1.234e+04).
 */
export function goG(v: number, prec: number): string {
  const sp = special(v);
  if (sp) return sp;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const p = Math.max(prec, 1);
  let { digits, exp } = exactDecimal(v);
  const trimmed = digits.replace(/0+$/, '');
  exp += digits.length - trimmed.length;
  digits = trimmed;
  if (digits.length > p) {
    const keep = digits.slice(0, p);
    const rest = digits.slice(p);
    const half = '5'.padEnd(rest.length, '0');
    const up = rest > half || (rest === half && Number(keep.at(-1)) % 2 === 1);
    let kept = up ? (BigInt(keep) + 1n).toString() : keep;
    exp += rest.length;
    if (kept.length > p) {
      kept = kept.slice(0, p);
      exp += 1;
    }
    digits = kept;
  }
  // value = 0.digits... shifted: first digit's power of ten
  const x = exp + digits.length - 1;
  const sign = v < 0 ? '-' : '';
  const body = digits.replace(/0+$/, '') || '0';
  if (x < -4 || x >= p) {
    const mant = body.length > 1 ? `${body[0]}.${body.slice(1)}` : body;
    return sign + goExponent(mant, x);
  }
  if (x >= 0) {
    const intPart = body.slice(0, x + 1).padEnd(x + 1, '0');
    const frac = body.slice(x + 1);
    return sign + intPart + (frac ? `.${frac}` : '');
  }
  return `${sign}0.${'0'.repeat(-x - 1)}${body}`;
}

/** fmt.Sprint(v) for a float64: the shortest representation, %e from exponent 21 or below -4. */
export function goV(v: number): string {
  const sp = special(v);
  if (sp) return sp;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const [m, e] = v.toExponential().split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= 21) return goExponent(m, exp);
  return String(v);
}

/** fmt.Sprintf("%.<n>f", v) */
export function goF(v: number, prec: number): string {
  return special(v) ?? v.toFixed(prec);
}

export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return goG(v, 4);
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y']) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return goG(v, 4) + prefix;
  }
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return goG(v, 4) + prefix;
}

export function humanize1024(v: number): string {
  if (Math.abs(v) <= 1 || !Number.isFinite(v)) return goG(v, 4);
  let prefix = '';
  for (const p of ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi']) {
    if (Math.abs(v) < 1024) break;
    prefix = p;
    v /= 1024;
  }
  return goG(v, 4) + prefix;
}

export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return goG(v, 4);
  if (v === 0) return `${goG(v, 4)}s`;
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    v = Math.abs(v);
    const whole = Math.trunc(v);
    const seconds = whole % 60;
    const minutes = Math.trunc(whole / 60) % 60;
    const hours = Math.trunc(whole / 3600) % 24;
    const days = Math.trunc(whole / 86400);
    if (days) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${goG(v, 4)}s`;
  }
  let prefix = '';
  for (const p of ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y']) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return `${goG(v, 4)}${prefix}s`;
}

export function humanizePercentage(v: number): string {
  return `${goG(v * 100, 4)}%`;
}
