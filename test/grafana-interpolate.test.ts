// Dashboard queries as Grafana sends them, for verify and preview alike.
import { describe, expect, it } from 'vitest';
import { interpolateQuery } from '../src/emit/grafana/interpolate.js';

describe('interpolateQuery', () => {
  const t = { stepSeconds: 15, rangeSeconds: 3600 };
  it('fills the dashboard variables in every syntax Grafana has, at All', () => {
    expect(interpolateQuery('x{a=~"$a",b=~"${b}",c=~"${c:regex}",d=~"[[d]]"}', ['a', 'b', 'c', 'd'], t)).toBe('x{a=~".*",b=~".*",c=~".*",d=~".*"}');
  });
  it("fills Grafana's time macros (the rate window of four scrape intervals, at least a minute)", () => {
    expect(interpolateQuery('rate(x[$__rate_interval]) / $__interval / $__range', [], t)).toBe('rate(x[60s]) / 15s / 3600s');
  });
  it('leaves $ text that is no variable as written (a label value, a regex end anchor)', () => {
    expect(interpolateQuery('x{a="$dd", b=~"a$"}', ['a'], t)).toBe('x{a="$dd", b=~"a$"}');
  });
});
