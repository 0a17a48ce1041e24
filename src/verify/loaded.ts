// Is what Prometheus and Alertmanager run the generated configuration? Compares the rules Prometheus has loaded
// (/api/v1/rules) and the config it and Alertmanager run (/api/v1/status/config, /api/v2/status) with the files.
import { parse } from 'yaml';
import type { PromRuleFile } from '../emit/rule-types.js';
import { parsePromQL } from '../promql/ast.js';
import { parseDuration } from '../util/duration.js';

export interface LoadedRule {
  name: string;
  query: string;
  duration?: number;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  health: string;
  lastError?: string;
  type: 'alerting' | 'recording';
}

export interface LoadedGroup {
  name: string;
  file: string;
  rules: LoadedRule[];
}

/**
 * An expression's syntax tree without positions, durations in seconds: Prometheus prints the rules it loaded in
 * its own layout (`sum by (le) (…)`, `1m30s`), so texts are compared by structure, not by characters.
 */
export function canonicalExpr(expr: string): string {
  const parsed = parsePromQL(expr);
  if (!parsed.ok) return `unparsable:${expr.replace(/\s+/g, '')}`;
  return JSON.stringify(parsed.expr, (key, value: unknown) => {
    if (key === 'from' || key === 'to' || key.endsWith('Span')) return undefined;
    if ((key === 'range' || key === 'step' || key === 'value') && typeof value === 'string' && /^\d/.test(value)) return parseDuration(value) ?? value;
    if (key === 'labels' && Array.isArray(value)) return (value as { name: string }[]).map((l) => l.name);
    // A selector's matchers are a set: Prometheus prints them in its own order.
    if (key === 'matchers' && Array.isArray(value)) return (value as unknown[]).map((m) => JSON.stringify(m, (k, v: unknown) => (k === 'from' || k === 'to' || k.endsWith('Span') ? undefined : v))).sort();
    return value;
  });
}

const sameMap = (a: Record<string, string> | undefined, b: Record<string, string> | undefined) => JSON.stringify(Object.entries(a ?? {}).sort()) === JSON.stringify(Object.entries(b ?? {}).sort());

/** Differences between the generated rule files and the groups Prometheus evaluates, one line each. */
export function ruleDifferences(generated: PromRuleFile[], loaded: LoadedGroup[]): string[] {
  const byName = new Map(loaded.map((g) => [g.name, g]));
  const out: string[] = [];
  for (const g of generated.flatMap((f) => f.groups)) {
    const got = byName.get(g.name);
    if (!got) {
      out.push(`group ${g.name} is not loaded`);
      continue;
    }
    const names = (rules: { name: string }[]) => rules.map((r) => r.name).join(', ');
    const want = g.rules.map((r) => ('alert' in r ? { ...r, name: r.alert } : { ...r, name: r.record }));
    if (names(want) !== names(got.rules)) {
      out.push(`group ${g.name} has rules [${names(got.rules)}], generated [${names(want)}]`);
      continue;
    }
    want.forEach((w, i) => {
      const l = got.rules[i]!;
      const what: string[] = [];
      if (canonicalExpr(w.expr) !== canonicalExpr(l.query)) what.push(`expr is \`${l.query}\`, generated \`${w.expr}\``);
      if (!sameMap(w.labels, l.labels)) what.push('labels differ');
      if ('alert' in w) {
        if ((parseDuration(w.for ?? '0s') ?? 0) !== (l.duration ?? 0)) what.push(`for is ${l.duration ?? 0}s, generated ${w.for ?? '0s'}`);
        if (!sameMap(w.annotations, l.annotations)) what.push('annotations differ');
      }
      if (what.length) out.push(`${g.name}/${w.name}: ${what.join('; ')}`);
    });
  }
  return out;
}

interface PromConfig {
  global?: Record<string, unknown>;
  rule_files?: string[];
  scrape_configs?: { job_name: string; metrics_path?: string; scheme?: string; scrape_interval?: string }[];
}

/** The scrape jobs of the expected config that Prometheus runs differently (or not at all). */
export function configDifferences(expectedYaml: string, loadedYaml: string, opts: { compareIntervals: boolean }): string[] {
  const want = parse(expectedYaml) as PromConfig;
  const got = parse(loadedYaml) as PromConfig;
  const jobs = new Map((got.scrape_configs ?? []).map((s) => [s.job_name, s]));
  const out: string[] = [];
  const globalInterval = String(want.global?.['scrape_interval'] ?? '1m');
  for (const s of want.scrape_configs ?? []) {
    const l = jobs.get(s.job_name);
    if (!l) {
      out.push(`Prometheus has no scrape job ${s.job_name}`);
      continue;
    }
    if ((s.metrics_path ?? '/metrics') !== (l.metrics_path ?? '/metrics')) out.push(`job ${s.job_name} scrapes ${l.metrics_path}, generated ${s.metrics_path}`);
    if ((s.scheme ?? 'http') !== (l.scheme ?? 'http')) out.push(`job ${s.job_name} uses ${l.scheme}, generated ${s.scheme}`);
    if (opts.compareIntervals && parseDuration(s.scrape_interval ?? globalInterval) !== parseDuration(l.scrape_interval ?? '')) out.push(`job ${s.job_name} scrapes every ${l.scrape_interval}, configured ${s.scrape_interval ?? globalInterval}`);
  }
  if (opts.compareIntervals) {
    const wantEval = parseDuration(String(want.global?.['evaluation_interval'] ?? '1m'));
    const gotEval = parseDuration(String(got.global?.['evaluation_interval'] ?? '1m'));
    if (wantEval !== gotEval) out.push(`evaluation_interval is ${String(got.global?.['evaluation_interval'])}, configured ${String(want.global?.['evaluation_interval'])}`);
    const base = (f: string) => f.split('/').pop();
    const wantFiles = (want.rule_files ?? []).map(base).sort().join(', ');
    const gotFiles = (got.rule_files ?? []).map(base).sort().join(', ');
    if (wantFiles !== gotFiles) out.push(`rule files are [${gotFiles}], configured [${wantFiles}]`);
  }
  return out;
}

interface AmRoute {
  receiver?: string;
  matchers?: string[];
  continue?: boolean;
  routes?: AmRoute[];
}

const routeShape = (r: AmRoute | undefined): string =>
  r ? `${r.receiver ?? ''}${r.matchers?.length ? `{${r.matchers.map((m) => m.replace(/\s+/g, '')).join(',')}}` : ''}${r.routes?.length ? `[${r.routes.map(routeShape).join(' ')}]` : ''}` : '';

/** The routing tree and receivers of the generated alertmanager.yml against the one Alertmanager runs. */
export function alertmanagerDifferences(expectedYaml: string, loadedYaml: string): string[] {
  const want = parse(expectedYaml) as { route?: AmRoute; receivers?: { name: string }[] };
  const got = parse(loadedYaml) as { route?: AmRoute; receivers?: { name: string }[] };
  const out: string[] = [];
  // Alertmanager prints matchers in its own quoting (severity="critical"); shapes compare them without spaces.
  const norm = (s: string) => s.replace(/"/g, '');
  if (norm(routeShape(want.route)) !== norm(routeShape(got.route))) out.push(`Alertmanager routes are ${routeShape(got.route)}, generated ${routeShape(want.route)}`);
  const names = (r?: { name: string }[]) => (r ?? []).map((x) => x.name).sort().join(', ');
  if (names(want.receivers) !== names(got.receivers)) out.push(`Alertmanager receivers are [${names(got.receivers)}], generated [${names(want.receivers)}]`);
  return out;
}
