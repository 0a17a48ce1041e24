// Comparing what Prometheus and Alertmanager run with the generated files: by structure, not by layout.
import { describe, expect, it } from 'vitest';
import { alertmanagerDifferences, canonicalExpr, configDifferences, ruleDifferences } from '../src/verify/loaded.js';

describe('canonicalExpr', () => {
  it('equals for the layouts Prometheus prints back', () => {
    expect(canonicalExpr('sum(rate(x_total[5m])) by (le)')).toBe(canonicalExpr('sum by (le) (rate(x_total[5m]))'));
    expect(canonicalExpr('rate(x_total[300s]) > 0.5')).toBe(canonicalExpr('rate(x_total[5m])   >   0.5'));
    expect(canonicalExpr('x{a="1", b=~"5.."}')).toBe(canonicalExpr("x{a='1',b=~\"5..\"}"));
  });
  it('equals for matchers in another order (Prometheus prints a selector\'s matchers in its own order)', () => {
    expect(canonicalExpr('sum(rate(x_bucket{le="0.5",job="devskyy"}[5m]))')).toBe(canonicalExpr('sum(rate(x_bucket{job="devskyy",le="0.5"}[5m]))'));
    expect(canonicalExpr('x{a="1",b="2"}')).not.toBe(canonicalExpr('x{a="2",b="1"}'));
  });
  it('differs on a threshold, a window, a matcher or a grouping label', () => {
    const base = 'sum by (le) (rate(x_bucket{job="a"}[5m])) > 100';
    for (const other of ['sum by (le) (rate(x_bucket{job="a"}[5m])) > 200', 'sum by (le) (rate(x_bucket{job="a"}[10m])) > 100', 'sum by (le) (rate(x_bucket{job="b"}[5m])) > 100', 'sum by (le, job) (rate(x_bucket{job="a"}[5m])) > 100'])
      expect(canonicalExpr(other), other).not.toBe(canonicalExpr(base));
  });
  it('differs on every modifier Prometheus keeps: offset, @, bool, vector matching, subquery step', () => {
    const pairs = [
      ['rate(x[5m] offset 1h)', 'rate(x[5m])'],
      ['x @ 100', 'x'],
      ['x > bool 1', 'x > 1'],
      ['a * on(b) group_left(c) d', 'a * on(b) group_left d'],
      ['a * on(b) group_left(c) d', 'a * on(b) group_right(c) d'],
      ['a + ignoring(c) b', 'a + on(c) b'],
      ['max_over_time(x[5m:1m])', 'max_over_time(x[5m:30s])'],
      ['max_over_time(x[5m:1m])', 'max_over_time(x[5m:])'],
      ['sum without (a) (x)', 'sum by (a) (x)'],
      ['-x', 'x'],
    ];
    for (const [a, b] of pairs) expect(canonicalExpr(a), `${a} vs ${b}`).not.toBe(canonicalExpr(b!));
    expect(canonicalExpr('max_over_time(x[5m:60s])')).toBe(canonicalExpr('max_over_time(x[5m:1m])'));
  });
});

describe('ruleDifferences', () => {
  const generated = [{ groups: [{ name: 'g', rules: [{ alert: 'High', expr: 'x > 200', for: '5m', labels: { severity: 'warning' }, annotations: { summary: 's' } }, { record: 'r:x', expr: 'sum(x)' }] }] }];
  const loaded = (query: string, duration = 300) => [{ name: 'g', file: 'f', rules: [{ name: 'High', query, duration, labels: { severity: 'warning' }, annotations: { summary: 's' }, health: 'ok', type: 'alerting' as const }, { name: 'r:x', query: 'sum(x)', health: 'ok', type: 'recording' as const }] }];
  it('finds none when Prometheus runs the generated rules', () => {
    expect(ruleDifferences(generated, loaded('x > 200'))).toEqual([]);
  });
  it('names the rule whose loaded expression or `for` is not the generated one', () => {
    expect(ruleDifferences(generated, loaded('x > 100'))).toEqual(['g/High: expr is `x > 100`, generated `x > 200`']);
    expect(ruleDifferences(generated, loaded('x > 200', 60))[0]).toContain('for is 60s, generated 5m');
    expect(ruleDifferences(generated, [])).toEqual(['group g is not loaded']);
  });
});

describe('configDifferences / alertmanagerDifferences', () => {
  const want = 'global: { scrape_interval: 1s, evaluation_interval: 1s }\nrule_files: [alerts.yml, verify_rules.yml]\nscrape_configs:\n  - { job_name: app, metrics_path: /metrics }\n';
  it('compare scrape jobs, intervals and rule files', () => {
    expect(configDifferences(want, 'global: { scrape_interval: 1s, evaluation_interval: 1s }\nrule_files: [/s/alerts.yml, /s/verify_rules.yml]\nscrape_configs:\n  - { job_name: app, metrics_path: /metrics, scrape_interval: 1s }\n', { compareIntervals: true })).toEqual([]);
    const d = configDifferences(want, 'global: { evaluation_interval: 15s }\nrule_files: [/s/alerts.yml]\nscrape_configs:\n  - { job_name: app, metrics_path: /m, scrape_interval: 15s }\n', { compareIntervals: true });
    expect(d.join('\n')).toMatch(/scrapes \/m/);
    expect(d.join('\n')).toMatch(/every 15s, configured 1s/);
    expect(d.join('\n')).toMatch(/evaluation_interval is 15s/);
    expect(d.join('\n')).toMatch(/rule files are \[alerts.yml\]/);
    expect(configDifferences(want, 'scrape_configs: []\n', { compareIntervals: false })).toEqual(['Prometheus has no scrape job app']);
  });
  it('compare the routing tree and receivers whatever the quoting', () => {
    const gen = 'route: { receiver: "null", routes: [{ receiver: v, matchers: [\'x="1"\'] }] }\nreceivers: [{ name: "null" }, { name: v }]\n';
    expect(alertmanagerDifferences(gen, 'route:\n  receiver: "null"\n  routes:\n  - receiver: v\n    matchers:\n    - x="1"\nreceivers:\n- name: "null"\n- name: v\n')).toEqual([]);
    expect(alertmanagerDifferences(gen, 'route: { receiver: "null" }\nreceivers: [{ name: "null" }]\n')).toHaveLength(2);
  });
});
