const UNITS: Record<string, number> = { y: 31536000, w: 604800, d: 86400, h: 3600, m: 60, s: 1, ms: 0.001 };
/** Seconds of each unit, in DURATION's group order. */
const UNIT_SECONDS = ['y', 'w', 'd', 'h', 'm', 's', 'ms'].map((k) => UNITS[k]!);
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/** Seconds in a Prometheus duration string (`1h30m`), or undefined when it is not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text);
  if (!m || text === '') return undefined;
  let sum = 0;
  for (let i = 0; i < UNIT_SECONDS.length; i++) if (m[i + 1] !== undefined) sum += Number(m[i + 1]) * UNIT_SECONDS[i]!;
  return sum;
}

/** The shortest Prometheus duration string for a number of seconds. */
export function formatDuration(seconds: number): string {
  if (seconds === 0) return '0s';
  let rest = Math.round(seconds * 1000);
  let out = '';
  for (const [unit, secs] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1], ['ms', 0.001]] as const) {
    const ms = secs * 1000;
    const n = Math.floor(rest / ms);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * ms;
    }
  }
  return out;
}
