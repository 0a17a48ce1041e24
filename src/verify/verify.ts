// verify: proof on the live stack that every target, metric, rule, panel and the alert path work. Every check
// reads what is live now (the latest scrape of each target, the rules and config loaded now), never history.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse } from 'yaml';
import type { Catalog, Metric } from '../model/catalog.js';
import { exposedSeriesNames } from '../model/catalog.js';
import { dashboardPlans } from '../emit/grafana/layout.js';
import { interpolateQuery } from '../emit/grafana/interpolate.js';
import { ALERTS_FILE, RECORDING_FILE } from '../emit/rules.js';
import { VERIFY_ALERT, VERIFY_LABEL, VERIFY_LABEL_VALUE, VERIFY_RECEIVER } from '../emit/alertmanager.js';
import type { PromRuleFile } from '../emit/rule-types.js';
import { parseDuration } from '../util/duration.js';
import { Api, ApiError, ComponentDown } from './http.js';
import type { LiveView } from './live.js';
import { liveTargets, liveView } from './live.js';
import type { LoadedGroup } from './loaded.js';
import { alertmanagerDifferences, configDifferences, ruleDifferences } from './loaded.js';
import type { VerifyTopology } from './topology-checks.js';
import { topologyChecks } from './topology-checks.js';

/** Runs one check until it passes, cannot change, or time is up. */
export type CheckRunner = (id: string, title: string, attempt: () => Promise<Attempt>, needs?: ('prometheus' | 'alertmanager')[]) => Promise<CheckResult>;

export interface CheckResult {
  id: string;
  title: string;
  /** False only for a failure; a check with warnings still passes. */
  ok: boolean;
  status: 'pass' | 'warn' | 'fail';
  detail: string;
  /** Passed, but something deserves a look (a metric registered without samples yet; a partial proof). */
  warnings: string[];
  /** Passed, and here is why an empty answer is fine (an error ratio with zero errors, an optional panel). */
  notes: string[];
}

export type VerifyEvent =
  | { kind: 'start'; id: string; title: string }
  | { kind: 'wait'; id: string; waitingFor: string }
  | { kind: 'down'; component: string; url: string; why: string }
  | { kind: 'done'; result: CheckResult };

/** What verify knows about a stack `up` manages: the runtime's copies of the configs, and its own test alert. */
export interface ManagedStack {
  /** The runtime's copy of prometheus.yml (the native runtime rewrites targets and, with --fast, intervals). */
  prometheusConfig: string;
  /** The runtime's copy of alertmanager.yml when it differs from the generated one (a topology's drill route). */
  alertmanagerConfig?: string;
  /** Whether the runtime loads the verification rule that fires the test alert. */
  verifyRule: boolean;
}

export interface VerifyOptions {
  catalog: Catalog;
  generatedDir: string;
  prometheusUrl: string;
  alertmanagerUrl: string;
  /** How long checks that wait for data (scrapes, rule evaluations) may keep trying. */
  timeoutMs: number;
  managed?: ManagedStack;
  /** A stack past one Prometheus: every server, every Alertmanager peer, the global view (see topology-checks.ts). */
  topology?: VerifyTopology;
  onEvent?: (e: VerifyEvent) => void;
}


/**
 * Where Prometheus files a family's metadata, and the types it may report: it scrapes OpenMetrics when offered
 * (counter families without _total, info and stateset types) and falls back to text 0.0.4 (all gauges).
 */
export function metadataKeys(m: Pick<Metric, 'fullName' | 'type'>): { names: string[]; types: string[] } {
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

/** The series whose label names define a family's: buckets carry `le`, a summary's _count has no `quantile`. */
const labelSeries = (m: Metric) => (m.type === 'histogram' ? `${m.fullName}_bucket` : m.type === 'summary' ? `${m.fullName}_count` : m.fullName);

/** Where a catalog metric stands on the live targets. */
export type Presence = 'samples' | 'registered' | 'absent';

export function presenceOf(m: Metric, live: LiveView): Presence {
  if (exposedSeriesNames(m).some((n) => live.series.has(n))) return 'samples';
  return metadataKeys(m).names.some((n) => live.metadata.has(n)) ? 'registered' : 'absent';
}

export interface Attempt {
  ok: boolean;
  detail: string;
  warnings?: string[];
  notes?: string[];
  /** Do not retry: the answer cannot change by waiting (a query with a syntax error, a partial proof by design). */
  final?: boolean;
  /** Passing, but the next scrapes may well turn a note into data (a rate over a single sample): look again while settling. */
  settle?: boolean;
}

/** Runs fn over items, at most `limit` at a time: a hundred panel queries in a few round trips, not a hundred. */
async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

const list = (items: string[], n: number) => items.slice(0, n).join('; ') + (items.length > n ? ` (+${items.length - n} more)` : '');

export async function verifyStack(o: VerifyOptions): Promise<CheckResult[]> {
  const started = Date.now();
  const deadline = started + o.timeoutMs;
  const api = new Api(o.prometheusUrl.replace(/\/$/, ''), o.alertmanagerUrl.replace(/\/$/, ''));
  const topo = o.topology;
  // In a topology: every server (rules, config), one per shard (what the targets expose), the global view (queries).
  const servers = topo ? topo.servers.map((s) => new Api(s.url, o.alertmanagerUrl.replace(/\/$/, ''))) : [api];
  const shardApis = topo ? topo.servers.flatMap((s, i) => (s.replica === 0 ? [servers[i]!] : [])) : [api];
  const queryApi = topo?.globalUrl ? new Api(topo.globalUrl, o.alertmanagerUrl.replace(/\/$/, '')) : api;
  const serverName = (i: number) => (topo ? `${topo.servers[i]!.name}: ` : '');
  const ns = o.catalog.namespace;
  const jobs = o.catalog.services.map((s) => s.name);
  const emit = o.onEvent ?? (() => undefined);
  const down = new Map<string, ComponentDown>();
  const readRules = async (f: string) => parse(await readFile(join(o.generatedDir, f), 'utf8')) as PromRuleFile;
  const ruleFiles = [await readRules(ALERTS_FILE), await readRules(RECORDING_FILE)];
  const optionalMetrics = new Set(o.catalog.metrics.filter((m) => m.optional).map((m) => m.fullName));

  // One live view per moment, shared by the checks that read it at about the same time.
  let view: { at: number; p: Promise<LiveView> } | undefined;
  const live = () => {
    if (!view || Date.now() - view.at > 300) view = { at: Date.now(), p: liveView(shardApis, jobs) };
    return view.p;
  };
  // Warnings (a metric without samples yet) may clear with the next scrapes: keep looking for two intervals.
  let settleMs = 2 * 1000 * (parseDuration(o.catalog.scrapeInterval) ?? 15);

  /** Runs one check until it passes, cannot change, or time is up; says once what it waits for. */
  async function check(id: string, title: string, attempt: () => Promise<Attempt>, needs: ('prometheus' | 'alertmanager')[] = ['prometheus']): Promise<CheckResult> {
    emit({ kind: 'start', id, title });
    let lastWait = '';
    let firstPassAt = 0;
    let last: Attempt;
    for (;;) {
      const gone = needs.map((c) => down.get(c)).find(Boolean);
      if (gone) {
        last = { ok: false, detail: `not checked: ${gone.message}` };
        break;
      }
      try {
        last = await attempt();
      } catch (err) {
        if (err instanceof ComponentDown) {
          if (!down.has(err.component)) {
            down.set(err.component, err);
            emit({ kind: 'down', component: err.component, url: err.url, why: err.why });
          }
          last = { ok: false, detail: `not checked: ${err.message}` };
          break;
        }
        last = { ok: false, detail: (err as Error).message };
      }
      const waiting = !last.ok || (last.warnings?.length ?? 0) > 0 || last.settle === true;
      if (last.final || !waiting || Date.now() >= deadline) break;
      if (last.ok) {
        firstPassAt ||= Date.now();
        if (Date.now() - firstPassAt >= settleMs) break;
      }
      // Say what it waits for when that changes in kind (counts going down are progress, not news).
      const waitingFor = last.ok ? (last.warnings?.length ? last.warnings.join('; ') : `settling: ${last.detail}`) : last.detail;
      const shape = waitingFor.replace(/\d+/g, '#');
      if (shape !== lastWait) {
        lastWait = shape;
        emit({ kind: 'wait', id, waitingFor: waitingFor.length > 300 ? `${waitingFor.slice(0, 300)}…` : waitingFor });
      }
      await sleep(250);
    }
    const warnings = last.warnings ?? [];
    const result: CheckResult = { id, title, ok: last.ok, status: !last.ok ? 'fail' : warnings.length ? 'warn' : 'pass', detail: last.detail, warnings, notes: last.notes ?? [] };
    emit({ kind: 'done', result });
    return result;
  }

  const targetsUp = () =>
    check('targets-up', 'every scrape target is up', async () => {
      // Only the catalog's jobs (and Prometheus' own): in a shared Prometheus other teams' targets are not ours to judge.
      const targets = (await liveTargets(servers)).filter((t) => jobs.includes(t.job) || t.job === 'prometheus');
      const down = targets.filter((x) => x.health !== 'up');
      const have = new Set(targets.map((x) => x.job));
      const missing = jobs.filter((j) => !have.has(j));
      const ok = targets.length > 0 && !down.length && !missing.length;
      const never = down.filter((x) => x.health === 'unknown');
      return {
        ok,
        detail: ok
          ? `${targets.length} targets up`
          : [
              ...missing.map((j) => `job ${j} has no target yet (Prometheus hands discovered targets to its scrapers every 5 s)`),
              ...never.map((x) => `waiting for the first scrape of ${x.job} (${x.scrapeUrl})`),
              ...down.filter((x) => x.health !== 'unknown').map((x) => `${x.job} ${x.scrapeUrl}: ${x.health}${x.lastError ? ` (${x.lastError})` : ''}`),
            ].join('; '),
      };
    });

  const families = () =>
    check('metric-families', `all ${o.catalog.metrics.length} catalog families on the targets with their types and HELP, none undeclared`, async () => {
      const v = await live();
      if (!v.series.size && !v.metadata.size) return { ok: false, detail: `waiting for a scrape of ${jobs.join(', ')}` };
      // Prometheus keeps a target's metadata after it goes down: only a target scraped successfully now shows its families.
      const down = v.targets.filter((t) => jobs.includes(t.job) && t.health !== 'up');
      if (down.length) return { ok: false, detail: `${down.map((t) => `${t.job} ${t.scrapeUrl}`).join(', ')} not up: its families cannot be read from a live scrape` };
      const problems: string[] = [];
      const notes: string[] = [];
      const known = new Set<string>();
      // The runtime's own families (overflow counter, collector bookkeeping) are declared in the model beside the catalog's.
      for (const m of o.catalog.runtimeMetrics) exposedSeriesNames(m).forEach((n) => known.add(n));
      for (const m of o.catalog.metrics) {
        exposedSeriesNames(m).forEach((n) => known.add(n));
        const keys = metadataKeys(m);
        const entry = keys.names.map((n) => v.metadata.get(n)).find(Boolean);
        if (!entry) {
          if (m.optional) notes.push(`${m.fullName} (optional) is not exposed`);
          else problems.push(`${m.fullName} is not exposed by ${jobs.join(', ')}`);
        } else if (!keys.types.includes(entry.type)) problems.push(`${m.fullName} is a ${entry.type}, declared ${m.type}`);
        else if (entry.help !== m.help) problems.push(`${m.fullName} HELP is "${entry.help}", declared "${m.help}"`);
      }
      // Undeclared: what the latest scrape holds, not what metadata may still remember of an earlier one.
      const extra = [...v.series.keys()].filter((n) => n.startsWith(`${ns}_`) && !known.has(n)).sort();
      for (const n of extra) problems.push(`${n} is exposed but not in the catalog`);
      return { ok: !problems.length, detail: problems.length ? list(problems, 8) : `${o.catalog.metrics.length} families`, notes };
    });

  const labels = () =>
    check('metric-labels', 'every family carries exactly its declared label names', async () => {
      const v = await live();
      if (!v.series.size) return { ok: false, detail: `waiting for a scrape of ${jobs.join(', ')}` };
      const problems: string[] = [];
      const noSamples: string[] = [];
      const notes: string[] = [];
      let checked = 0;
      for (const m of o.catalog.metrics) {
        const got = v.series.get(labelSeries(m));
        if (!got) {
          // Absent families fail metric-families; registered ones without a sample have no label set yet.
          if (presenceOf(m, v) === 'registered') (m.optional ? notes : noSamples).push(m.fullName);
          continue;
        }
        checked++;
        const want = new Set(['job', 'instance', ...m.labels.map((l) => l.name), ...(m.type === 'histogram' ? ['le'] : []), ...(m.type === 'enum' ? [m.fullName] : [])]);
        const missing = [...want].filter((l) => !got.has(l));
        const extra = [...got].filter((l) => !want.has(l));
        if (missing.length || extra.length) problems.push(`${m.fullName}: ${missing.length ? `missing ${missing.join(', ')}` : ''}${missing.length && extra.length ? '; ' : ''}${extra.length ? `undeclared ${extra.join(', ')}` : ''}`);
      }
      return {
        ok: !problems.length,
        detail: problems.length ? list(problems, 6) : `${checked} label sets`,
        warnings: noSamples.length ? [`registered but no samples yet (labels not checked): ${list(noSamples, 10)}`] : [],
        notes: notes.length ? [`optional, no samples: ${notes.join(', ')}`] : [],
      };
    });

  const wantGroups = ruleFiles.flatMap((f) => f.groups.map((g) => g.name));
  const loadedRules = (server: Api) => server.prom<{ groups: LoadedGroup[] }>('/api/v1/rules').then((d) => d.groups);
  // Every server evaluates every rule (each over the targets it scrapes): each one is checked.
  const rulesHealthy = () =>
    check('rules-healthy', `every rule group loaded, every rule evaluated without error${topo ? ` on all ${servers.length} servers` : ''}`, async () => {
      const problems: string[] = [];
      let n = 0;
      for (const [i, server] of servers.entries()) {
        const groups = await loadedRules(server);
        const loaded = new Map(groups.map((g) => [g.name, g]));
        for (const g of wantGroups) {
          const got = loaded.get(g);
          if (!got) {
            problems.push(`${serverName(i)}group ${g} not loaded`);
            continue;
          }
          for (const rule of got.rules) {
            if (rule.health === 'err' || rule.lastError) problems.push(`${serverName(i)}${g}/${rule.name}: ${rule.lastError ?? 'error'}`);
            else if (rule.health !== 'ok') problems.push(`${serverName(i)}${g}/${rule.name} not evaluated yet`);
          }
        }
        if (i === 0) n = groups.filter((g) => wantGroups.includes(g.name)).reduce((s, g) => s + g.rules.length, 0);
      }
      return { ok: !problems.length, detail: problems.length ? list(problems, 6) : `${wantGroups.length} groups, ${n} rules ok${topo ? ` on each of ${servers.length} servers` : ''}` };
    });

  const rulesCurrent = () =>
    check('rules-current', 'the rules Prometheus evaluates are the generated ones', async () => {
      const diff: string[] = [];
      for (const [i, server] of servers.entries()) diff.push(...ruleDifferences(ruleFiles, await loadedRules(server)).map((d) => `${serverName(i)}${d}`));
      return { ok: !diff.length, detail: diff.length ? `${list(diff, 4)} (devskyy-mon up reloads a stack it manages)` : `${wantGroups.length} groups as generated` };
    });

  const configCurrent = () =>
    check(
      'config-current',
      'Prometheus and Alertmanager run the generated configuration',
      async () => {
        const diff: string[] = [];
        for (const [i, server] of servers.entries()) {
          const file = topo ? topo.servers[i]!.config : o.managed ? o.managed.prometheusConfig : join(o.generatedDir, 'prometheus', 'prometheus.yml');
          const loaded = await server.prom<{ yaml: string }>('/api/v1/status/config');
          diff.push(...configDifferences(await readFile(file, 'utf8'), loaded.yaml, { compareIntervals: Boolean(o.managed) }).map((d) => `${serverName(i)}${d}`));
        }
        const amExpected = await readFile(o.managed?.alertmanagerConfig ?? join(o.generatedDir, 'alertmanager', 'alertmanager.yml'), 'utf8');
        for (const peer of topo?.alertmanagers ?? [{ name: 'alertmanager', url: api.alertmanagerUrl }]) {
          const am = await new Api(api.prometheusUrl, peer.url).am<{ config: { original: string } }>('/api/v2/status');
          diff.push(...alertmanagerDifferences(amExpected, am.config.original).map((d) => (topo ? `${peer.name}: ${d}` : d)));
        }
        return { ok: !diff.length, detail: diff.length ? `${list(diff, 4)}${o.managed ? ' (devskyy-mon up reloads a stack it manages)' : ''}` : `scrape jobs ${jobs.join(', ')}${o.managed ? ', intervals, rule files' : ''} and the Alertmanager routes as generated` };
      },
      ['prometheus', 'alertmanager'],
    );

  const alerts = ruleFiles[0]!.groups.flatMap((g) => g.rules).filter((r): r is { alert: string; expr: string } => 'alert' in r);
  const instant = (expr: string) => queryApi.prom<{ result: unknown[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}`);
  const alertExprs = () =>
    check('alert-expressions', 'every alert expression executes', async () => {
      const failures: string[] = [];
      await eachLimited(alerts, 6, async (a) => {
        try {
          await instant(a.expr);
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          failures.push(`${a.alert}: ${err.message}`);
        }
      });
      return { ok: !failures.length, detail: failures.length ? failures.join('; ') : `${alerts.length} expressions`, final: failures.length > 0 };
    });

  const optionalPanels = new Set(o.catalog.dashboards.flatMap((d) => d.panels.filter((p) => p.optional).map((p) => `${d.title} / ${p.title}`)));
  const byName = new Map(o.catalog.metrics.map((m) => [m.fullName, m]));
  const queryTime = { stepSeconds: parseDuration(o.catalog.scrapeInterval) ?? 15, rangeSeconds: 3600 };
  const panels = dashboardPlans(o.catalog).flatMap((d) => {
    const variables = d.variables.map((v) => v.name);
    return d.panels.flatMap((p) => p.targets.map((t) => ({ where: `${d.title} / ${p.title}`, expr: interpolateQuery(t.expr, variables, queryTime), metrics: p.metrics.map((n) => byName.get(n)).filter((m): m is Metric => m !== undefined) })));
  });
  const panelQueries = () =>
    check('panel-queries', 'every dashboard query executes and returns data, or has its metrics and nothing to show', async () => {
      const v = await live();
      const failures: string[] = [];
      const noSamples: string[] = [];
      const empty: string[] = [];
      const optional: string[] = [];
      let withData = 0;
      const answers = new Map<(typeof panels)[number], { result: unknown[] } | ApiError>();
      await eachLimited(panels, 6, async (p) => {
        answers.set(
          p,
          await instant(p.expr).catch((err: unknown) => {
            if (err instanceof ApiError) return err;
            throw err;
          }),
        );
      });
      for (const p of panels) {
        const r = answers.get(p)!;
        if (r instanceof ApiError) {
          failures.push(`${p.where}: ${r.message}`);
          continue;
        }
        if (r.result.length) {
          withData++;
          continue;
        }
        const isOptional = optionalPanels.has(p.where) || p.metrics.some((m) => optionalMetrics.has(m.fullName));
        const absent = p.metrics.filter((m) => presenceOf(m, v) === 'absent').map((m) => m.fullName);
        const registered = p.metrics.filter((m) => presenceOf(m, v) === 'registered').map((m) => m.fullName);
        if (isOptional) optional.push(p.where);
        else if (absent.length) failures.push(`${p.where}: no data, ${absent.join(', ')} not exposed by any target`);
        else if (registered.length) noSamples.push(`${p.where} (${registered.join(', ')})`);
        else if (p.metrics.length) empty.push(p.where);
        else failures.push(`${p.where}: no data`);
      }
      const notes = [...(empty.length ? [`empty result with every metric present (nothing to show, e.g. zero errors): ${list(empty, 5)}`] : []), ...(optional.length ? [`optional, no data: ${list(optional, 5)}`] : [])];
      // A target that is down explains panels without samples better than "not yet" (its metadata outlives it).
      const down = v.targets.filter((t) => jobs.includes(t.job) && t.health !== 'up').map((t) => `${t.job} ${t.scrapeUrl}`);
      const whyNoSamples = down.length ? `no data while ${list(down, 3)} is not up, for` : 'no data yet, metrics registered but without samples';
      return {
        ok: !failures.length,
        detail: failures.length ? list(failures, 5) : `${panels.length} queries: ${withData} with data${empty.length ? `, ${empty.length} empty with their metrics present` : ''}${noSamples.length ? `, ${noSamples.length} waiting for samples` : ''}${optional.length ? `, ${optional.length} optional without data` : ''}`,
        warnings: noSamples.length ? [`${whyNoSamples}: ${list(noSamples, 5)}`] : [],
        notes,
        settle: empty.length > 0,
        final: failures.some((f) => !f.includes('no data')),
      };
    });

  const alertPipeline = () =>
    check(
      'alert-pipeline',
      o.managed?.verifyRule ? 'Prometheus fires the verification alert and Alertmanager routes it to a receiver that notifies nobody' : 'Prometheus is connected to Alertmanager',
      async () => {
        const ams = await api.prom<{ activeAlertmanagers: { url: string }[] }>('/api/v1/alertmanagers');
        const amHost = new URL(api.alertmanagerUrl).host;
        const connected = ams.activeAlertmanagers.filter((a) => new URL(a.url).host === amHost);
        if (!ams.activeAlertmanagers.length) return { ok: false, detail: 'Prometheus has no active Alertmanager' };
        const listed = await api.am<{ labels: Record<string, string>; receivers: { name: string }[]; status: { state: string } }[]>(`/api/v2/alerts?filter=${encodeURIComponent(`${VERIFY_LABEL}="${VERIFY_LABEL_VALUE}"`)}`);
        const ours = listed.find((a) => a.labels['alertname'] === VERIFY_ALERT);
        if (ours) {
          const receivers = ours.receivers.map((r) => r.name);
          if (receivers.join() !== VERIFY_RECEIVER) return { ok: false, detail: `the verification alert reached Alertmanager but was routed to ${receivers.join(', ')}, not ${VERIFY_RECEIVER}`, final: true };
          return { ok: true, detail: `Prometheus fired ${VERIFY_ALERT} itself and sent it to ${ams.activeAlertmanagers.map((a) => a.url).join(', ')}; Alertmanager routed it to ${VERIFY_RECEIVER} (notifies nobody)` };
        }
        if (o.managed?.verifyRule) {
          const firing = await api.prom<{ alerts: { labels: Record<string, string>; state: string }[] }>('/api/v1/alerts');
          const state = firing.alerts.find((a) => a.labels['alertname'] === VERIFY_ALERT)?.state;
          return { ok: false, detail: state ? `${VERIFY_ALERT} is ${state} in Prometheus, waiting for Alertmanager to list it` : `waiting for Prometheus to evaluate the verification rule (${VERIFY_ALERT})` };
        }
        // Not our stack: posting an alert could page someone, so only the connection is proven.
        return {
          ok: connected.length > 0,
          final: true,
          detail: connected.length
            ? `Prometheus sends alerts to ${connected.map((a) => a.url).join(', ')}`
            : `Prometheus sends alerts to ${ams.activeAlertmanagers.map((a) => a.url).join(', ')}, not to ${api.alertmanagerUrl}`,
          warnings: connected.length ? [`delivery not proven: this stack is not managed by devskyy-mon up, so verify posts no test alert (it could notify people) and no ${VERIFY_ALERT} rule fires here`] : [],
        };
      },
      ['prometheus', 'alertmanager'],
    );

  // Targets first (everything else reads their scrapes), then every other check at once.
  const first = await targetsUp();
  const runner: CheckRunner = check;
  // Warnings settle within two of the targets' real scrape intervals (--fast copies use shorter ones).
  const intervals = (await liveTargets(shardApis).catch(() => [])).filter((t) => jobs.includes(t.job)).map((t) => parseDuration(t.scrapeInterval) ?? 0);
  if (intervals.length) settleMs = 2 * 1000 * Math.max(...intervals);
  const topoChecks = topo ? topologyChecks(topo, { catalog: o.catalog, check: runner, servers, shardApis, jobs }) : undefined;
  try {
    const rest = await Promise.all([families(), labels(), rulesHealthy(), rulesCurrent(), configCurrent(), alertExprs(), panelQueries(), alertPipeline(), ...(topoChecks ? [topoChecks.steady()] : [])]);
    const results = [first, ...rest.flat()];
    // The failure drill kills servers: it runs last, and only when everything else held.
    if (topoChecks && topo?.drill?.failover && results.every((r) => r.ok)) results.push(...(await topoChecks.failover()));
    return results;
  } finally {
    await topoChecks?.close();
  }
}
