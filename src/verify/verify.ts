// verify: proof on the live stack that every target, metric, rule, panel and the alert path work.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import type { Catalog } from '../model/catalog.js';
import { dashboardPlans } from '../emit/grafana/layout.js';
import { ALERTS_FILE, RECORDING_FILE } from '../emit/rules.js';
import type { PromRuleFile } from '../emit/rule-types.js';
import { getJson, postJson } from './http.js';

export interface CheckResult {
  id: string;
  title: string;
  ok: boolean;
  detail: string;
}

export interface VerifyOptions {
  catalog: Catalog;
  generatedDir: string;
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** How long checks that wait for data (scrapes, rule evaluations) may keep trying. */
  timeoutMs: number;
  onCheck?: (r: CheckResult) => void;
}

interface ApiResponse<T> {
  status: string;
  data: T;
  error?: string;
}

/** Families the exporter runtime adds to the catalog's own. */
export function runtimeFamilies(ns: string): string[] {
  return [`${ns}_metrics_overflow_total`, `${ns}_scrape_collector_success`, `${ns}_scrape_collector_errors_total`, `${ns}_scrape_collector_duration_seconds`];
}

/**
 * Where Prometheus files a family's metadata, and the types it may report: it scrapes OpenMetrics when offered
 * (counter families without _total, info and stateset types) and falls back to text 0.0.4 (all gauges).
 */
export function metadataKeys(m: Pick<Catalog['metrics'][number], 'fullName' | 'type'>): { names: string[]; types: string[] } {
  switch (m.type) {
    case 'counter':
      return { names: [m.fullName.replace(/_total$/, ''), m.fullName], types: ['counter'] };
    case 'info':
      return { names: [m.fullName.replace(/_info$/, ''), m.fullName], types: ['info', 'gauge'] };
    case 'enum':
      return { names: [m.fullName], types: ['stateset', 'gauge'] };
    case 'gauge':
      // An exporter that declares no type (untyped, e.g. node_exporter's netstat and vmstat families) is
      // reported as unknown; Prometheus treats its samples as a gauge's.
      return { names: [m.fullName], types: ['gauge', 'unknown'] };
    default:
      return { names: [m.fullName], types: [m.type] };
  }
}

async function until(deadline: number, attempt: () => Promise<CheckResult>): Promise<CheckResult> {
  let last: CheckResult;
  for (;;) {
    try {
      last = await attempt();
    } catch (err) {
      last = { id: '?', title: '?', ok: false, detail: (err as Error).message };
    }
    if (last.ok || Date.now() >= deadline) return last;
    await sleep(500);
  }
}

async function query(prom: string, expr: string): Promise<ApiResponse<{ result: unknown[] }>> {
  const res = await fetch(`${prom}/api/v1/query?query=${encodeURIComponent(expr)}`, { signal: AbortSignal.timeout(10_000) });
  return (await res.json()) as ApiResponse<{ result: unknown[] }>;
}

export async function verifyStack(o: VerifyOptions): Promise<CheckResult[]> {
  const deadline = Date.now() + o.timeoutMs;
  const prom = o.prometheusUrl.replace(/\/$/, '');
  const am = o.alertmanagerUrl.replace(/\/$/, '');
  const ns = o.catalog.namespace;
  const results: CheckResult[] = [];
  const record = (r: CheckResult) => {
    results.push(r);
    o.onCheck?.(r);
  };
  const readRules = async (f: string) => parse(await readFile(join(o.generatedDir, f), 'utf8')) as PromRuleFile;
  const ruleFiles = [await readRules(ALERTS_FILE), await readRules(RECORDING_FILE)];

  record(
    await until(deadline, async () => {
      const t = await getJson<ApiResponse<{ activeTargets: { labels: { job: string; instance: string }; health: string; lastError: string }[] }>>(`${prom}/api/v1/targets?state=active`);
      const targets = t.data.activeTargets;
      const down = targets.filter((x) => x.health !== 'up');
      const jobs = new Set(targets.map((x) => x.labels.job));
      const missing = o.catalog.services.map((s) => s.name).filter((j) => !jobs.has(j));
      const ok = targets.length > 0 && !down.length && !missing.length;
      return {
        id: 'targets-up',
        title: 'every scrape target is up',
        ok,
        detail: ok ? `${targets.length} targets up` : [...missing.map((j) => `job ${j} has no target`), ...down.map((x) => `${x.labels.job} ${x.labels.instance}: ${x.health}${x.lastError ? ` (${x.lastError})` : ''}`)].join('; '),
      };
    }),
  );

  record(
    await until(deadline, async () => {
      const md = await getJson<ApiResponse<Record<string, { type: string; help: string }[]>>>(`${prom}/api/v1/metadata`);
      const problems: string[] = [];
      const known = new Set<string>();
      for (const fullName of runtimeFamilies(ns)) metadataKeys({ fullName, type: fullName.endsWith('_total') ? 'counter' : 'gauge' }).names.forEach((n) => known.add(n));
      for (const m of o.catalog.metrics) {
        const keys = metadataKeys(m);
        keys.names.forEach((n) => known.add(n));
        const entry = keys.names.map((n) => md.data[n]?.[0]).find(Boolean);
        if (!entry) problems.push(`${m.fullName} missing`);
        else if (!keys.types.includes(entry.type)) problems.push(`${m.fullName} is a ${entry.type}, declared ${m.type}`);
        else if (entry.help !== m.help) problems.push(`${m.fullName} HELP is "${entry.help}", declared "${m.help}"`);
      }
      const extra = Object.keys(md.data).filter((n) => n.startsWith(`${ns}_`) && !known.has(n));
      for (const n of extra) problems.push(`${n} is exposed but not in the catalog`);
      return { id: 'metric-families', title: `all ${o.catalog.metrics.length} catalog families present with their types and HELP, none undeclared`, ok: !problems.length, detail: problems.length ? problems.slice(0, 8).join('; ') + (problems.length > 8 ? ` (+${problems.length - 8} more)` : '') : `${o.catalog.metrics.length} families` };
    }),
  );

  record(
    await until(deadline, async () => {
      const problems: string[] = [];
      for (const m of o.catalog.metrics) {
        const series = m.type === 'histogram' ? `${m.fullName}_bucket` : m.type === 'summary' ? `${m.fullName}_count` : m.fullName;
        const r = await getJson<ApiResponse<string[]>>(`${prom}/api/v1/labels?match[]=${encodeURIComponent(series)}`);
        const got = new Set(r.data.filter((l) => l !== '__name__'));
        const want = new Set(['job', 'instance', ...m.labels.map((l) => l.name), ...(m.type === 'histogram' ? ['le'] : []), ...(m.type === 'enum' ? [m.fullName] : [])]);
        const missing = [...want].filter((l) => !got.has(l));
        const extra = [...got].filter((l) => !want.has(l));
        if (missing.length || extra.length) problems.push(`${m.fullName}: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `undeclared ${extra.join(', ')}` : ''}`);
      }
      return { id: 'metric-labels', title: 'every family carries exactly its declared label names', ok: !problems.length, detail: problems.length ? problems.slice(0, 6).join('; ') : `${o.catalog.metrics.length} label sets` };
    }),
  );

  const wantGroups = ruleFiles.flatMap((f) => f.groups.map((g) => g.name));
  record(
    await until(deadline, async () => {
      const r = await getJson<ApiResponse<{ groups: { name: string; rules: { name: string; health: string; lastError?: string }[] }[] }>>(`${prom}/api/v1/rules`);
      const loaded = new Map(r.data.groups.map((g) => [g.name, g]));
      const problems: string[] = [];
      for (const g of wantGroups) {
        const got = loaded.get(g);
        if (!got) {
          problems.push(`group ${g} not loaded`);
          continue;
        }
        for (const rule of got.rules) {
          if (rule.health === 'err' || rule.lastError) problems.push(`${g}/${rule.name}: ${rule.lastError ?? 'error'}`);
          else if (rule.health !== 'ok') problems.push(`${g}/${rule.name} not evaluated yet`);
        }
      }
      const rules = r.data.groups.reduce((n, g) => n + g.rules.length, 0);
      return { id: 'rules-healthy', title: 'every rule group loaded, every rule evaluated without error', ok: !problems.length, detail: problems.length ? problems.slice(0, 6).join('; ') : `${wantGroups.length} groups, ${rules} rules ok` };
    }),
  );

  const alerts = ruleFiles[0]!.groups.flatMap((g) => g.rules).filter((r): r is { alert: string; expr: string } => 'alert' in r);
  record(
    await until(deadline, async () => {
      const failures: string[] = [];
      for (const a of alerts) {
        const r = await query(prom, a.expr);
        if (r.status !== 'success') failures.push(`${a.alert}: ${r.error}`);
      }
      return { id: 'alert-expressions', title: 'every alert expression executes', ok: !failures.length, detail: failures.length ? failures.join('; ') : `${alerts.length} expressions` };
    }),
  );

  const panels = dashboardPlans(o.catalog).flatMap((d) => d.panels.flatMap((p) => p.targets.map((t) => ({ where: `${d.title} / ${p.title}`, expr: t.expr.replace(/\$\w+/g, '.*') }))));
  record(
    await until(deadline, async () => {
      const failures: string[] = [];
      const empty: string[] = [];
      for (const p of panels) {
        const r = await query(prom, p.expr);
        if (r.status !== 'success') failures.push(`${p.where}: ${r.error}`);
        else if (!r.data.result.length) empty.push(p.where);
      }
      const ok = !failures.length && !empty.length;
      return {
        id: 'panel-queries',
        title: 'every dashboard query executes and returns data',
        ok,
        detail: ok ? `${panels.length} queries with data` : [...failures, ...empty.slice(0, 5).map((w) => `${w}: no data`)].join('; ') + (empty.length > 5 ? ` (+${empty.length - 5} more without data)` : ''),
      };
    }),
  );

  record(
    await until(deadline, async () => {
      const ams = await getJson<ApiResponse<{ activeAlertmanagers: { url: string }[] }>>(`${prom}/api/v1/alertmanagers`);
      if (!ams.data.activeAlertmanagers.length) return { id: 'alert-pipeline', title: 'a test alert reaches Alertmanager', ok: false, detail: 'Prometheus has no active Alertmanager' };
      const id = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
      await postJson(`${am}/api/v2/alerts`, [
        { labels: { alertname: 'DevskyyMonVerify', severity: o.catalog.alerting.severities.at(-1) ?? 'info', verify_id: id }, annotations: { summary: 'devskyy-mon verify test alert' }, endsAt: new Date(Date.now() + 60_000).toISOString() },
      ]);
      for (let i = 0; i < 20; i++) {
        const listed = await getJson<{ labels: Record<string, string> }[]>(`${am}/api/v2/alerts?filter=${encodeURIComponent(`verify_id="${id}"`)}`);
        if (listed.length) return { id: 'alert-pipeline', title: 'a test alert reaches Alertmanager', ok: true, detail: `Prometheus sends to ${ams.data.activeAlertmanagers.map((x) => x.url).join(', ')}; test alert listed by Alertmanager` };
        await sleep(100);
      }
      return { id: 'alert-pipeline', title: 'a test alert reaches Alertmanager', ok: false, detail: 'Alertmanager accepted the test alert but does not list it' };
    }),
  );
  return results;
}
