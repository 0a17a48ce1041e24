// Go's fmt verbs as Prometheus' alert templates use them, so generated promtool tests can state the exact
// annotation text Prometheus will produce.

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

function goExponent(mantissa: string, exp: number): string {
  return `${mantissa}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
}

function special(v: number): string | undefined {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return undefined;
}

/** fmt.Sprintf("%.<prec>g", v) */
export function goG(v: number, prec: number): string {
  const sp = special(v);
  if (sp) return sp;
  if (v === 0) return Object.is(v, -0) ? '-0' : '0';
  const p = Math.max(prec, 1);
  const [m, e] = v.toExponential(p - 1).split('e') as [string, string];
  const exp = Number(e);
  if (exp < -4 || exp >= p) return goExponent(trimZeros(m), exp);
  return trimZeros(v.toFixed(Math.max(0, p - 1 - exp)));
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
