// Rules the JSON Schema cannot express: Prometheus naming, references, collisions, buckets, expressions.
import { LABEL_MEANINGS, OVERFLOW_VALUE, labelMeaning } from '@devskyy-mon/runtime/spec';
import type { Diagnostic, Severity } from '../diagnostics.js';
import type { PathSegment, YamlSource } from '../load/yaml-source.js';
import type { RawCatalog, RawMetric } from '../model/raw.js';
import { exposedSeriesNames } from '../model/catalog.js';
import { parseDuration } from '../util/duration.js';
import { NOTIFICATION_TEMPLATE_FUNCS, scanGoTemplate } from '../rules/go-template.js';
import { didYouMean } from '../util/suggest.js';
import { ROLES } from '../model/roles.js';
import { LABEL_NAME, METRIC_NAME, UNIT_SUFFIX, ALERT_NAME, RECORD_NAME } from './names.js';
import { TARGET_LABELS } from '../promql/series-index.js';
import { labelNameProblem, metricNameProblems } from './exposition-lints.js';
import { grafanaUidProblem, labelKeyProblem, labelValueProblem, namespaceProblem } from './kubernetes-names.js';
import { checkTopology } from './topology.js';
import { HOST, IPV4, RESERVED_SERVICE_NAMES, SERVICE_NAME, URL_PATH, unpinnedImage, unsafeLink } from './stack-names.js';

export type Report = (check: string, message: string, path: readonly PathSegment[], opts?: { key?: boolean; severity?: Severity; hint?: string }) => void;

function reporter(source: YamlSource, out: Diagnostic[]): Report {
  return (check, message, path, opts = {}) => {
    out.push({
      file: source.file,
      severity: opts.severity ?? 'error',
      check,
      message,
      ...source.locate(path, opts.key ?? false),
      ...(opts.hint ? { hint: opts.hint } : {}),
    });
  };
}

function checkNumbers(report: Report, kind: 'buckets' | 'percentiles', values: readonly number[] | undefined, path: readonly PathSegment[]): void {
  if (!values) return;
  values.forEach((v, i) => {
    if (!Number.isFinite(v)) report(kind, `${kind} must be finite numbers; +Inf is added automatically`, [...path, i]);
    else if (kind === 'percentiles' && (v <= 0 || v >= 1)) report('percentiles', `percentile ${v} must be between 0 and 1 (exclusive), e.g. 0.99`, [...path, i]);
    if (i > 0 && kind === 'buckets' && v <= values[i - 1]!) {
      report('buckets', v === values[i - 1] ? `bucket ${v} appears twice` : `buckets must be sorted ascending: ${v} follows ${values[i - 1]}`, [...path, i]);
    }
    if (kind === 'percentiles' && values.indexOf(v) !== i) report('percentiles', `percentile ${v} appears twice`, [...path, i]);
  });
}

function checkMetric(raw: RawCatalog, m: RawMetric, i: number, report: Report): void {
  const at = (...p: PathSegment[]) => ['metrics', i, ...p];
  const full = `${raw.namespace}_${m.name}`;
  if (!METRIC_NAME.test(m.name) || m.name.includes(':')) {
    report('metric-name', `"${m.name}" is not a valid Prometheus metric name (letters, digits and _, not starting with a digit; colons are for recording rules)`, at('name'));
    return;
  }
  if (m.name.startsWith(`${raw.namespace}_`)) {
    report('metric-name', `"${m.name}" repeats the namespace; it would be exposed as ${full}`, at('name'), { severity: 'warning', hint: `write "${m.name.slice(raw.namespace.length + 1)}"` });
  }
  if (m.type === 'counter' && !m.name.endsWith('_total')) {
    report('counter-suffix', `counter "${m.name}" must end in _total`, at('name'), {
      hint: `name it "${m.name}_total" (Prometheus' clients append _total; record the old name as seed_name)`,
    });
  }
  if (m.type !== 'counter' && m.name.endsWith('_total')) report('counter-suffix', `only counters end in _total; "${m.name}" is a ${m.type}`, at('name'));
  const suffix = /_(count|sum|bucket)$/.exec(m.name);
  if (suffix && m.type !== 'histogram' && m.type !== 'summary') {
    report('reserved-suffix', `a ${m.type} must not end in _${suffix[1]}: Prometheus reads that as part of a histogram or summary (promtool check metrics rejects it)`, at('name'));
  }
  if (m.type === 'info' && !m.name.endsWith('_info')) {
    report('info-suffix', `info metric "${m.name}" must end in _info`, at('name'), { hint: `name it "${m.name}_info", as Prometheus' Python client exposes it` });
  }
  // Names the generated exporter exposes must pass promtool check metrics; a catalog that only describes other
  // exporters (every service external, as `import` writes for node_exporter) cannot rename theirs: a warning there.
  const theirs = raw.services.length > 0 && raw.services.every((s) => s.exporter === 'external');
  for (const p of metricNameProblems(full)) report(p.check, p.message, at('name'), theirs ? { severity: 'warning' } : {});
  const stem = m.name.replace(/_total$/, '');
  if (m.unit && UNIT_SUFFIX[m.unit] && !stem.endsWith(UNIT_SUFFIX[m.unit]!)) {
    report('unit-suffix', `metric with unit ${m.unit} must end in ${UNIT_SUFFIX[m.unit]}${m.type === 'counter' ? ' (before _total)' : ''}`, at('name'));
  }
  if (!m.unit) {
    const implied = Object.entries(UNIT_SUFFIX).find(([, s]) => stem.endsWith(s));
    if (implied) report('unit-suffix', `"${m.name}" ends in ${implied[1]} but declares no unit`, at('name'), { severity: 'warning', hint: `add unit: ${implied[0]}` });
  }
  const onlyFor: [keyof RawMetric, RawMetric['type']][] = [['buckets', 'histogram'], ['percentiles', 'summary'], ['max_age', 'summary'], ['age_buckets', 'summary'], ['states', 'enum']];
  for (const [field, type] of onlyFor) {
    if (m[field] !== undefined && m.type !== type) report('field-type', `${field} applies to ${type} metrics only; this is a ${m.type}`, at(field), { key: true });
  }
  if (m.type === 'enum') {
    if (!m.states?.length) report('enum-states', `enum "${m.name}" needs at least one state`, m.states ? at('states') : at('type'));
    m.states?.forEach((s, j) => {
      if (m.states!.indexOf(s) !== j) report('enum-states', `state "${s}" appears twice`, at('states', j));
    });
  }
  checkNumbers(report, 'buckets', m.buckets, at('buckets'));
  checkNumbers(report, 'percentiles', m.percentiles, at('percentiles'));
  if (m.aggregate && m.type !== 'gauge') report('field-type', `aggregate applies to gauges only; ${m.type} values always combine by ${m.type === 'info' || m.type === 'enum' ? 'taking the first' : 'summing'}`, at('aggregate'), { key: true });

  if (m.type === 'enum' && (m.labels ?? []).length) report('enum-labels', 'an enum has no labels of its own: its one label is the state, named after the metric (Python\'s Enum)', at('labels'));
  const seenNames = new Map<string, string>();
  (m.labels ?? []).forEach((id, j) => {
    const def = raw.labels?.[id];
    if (!def) {
      report('label-unknown', `label "${id}" is not defined under labels${didYouMean(id, Object.keys(raw.labels ?? {}))}`, at('labels', j));
      return;
    }
    const name = def.name ?? id;
    if (seenNames.has(name)) report('label-duplicate', `labels "${seenNames.get(name)}" and "${id}" are both exposed as "${name}"`, at('labels', j));
    seenNames.set(name, id);
    if (m.type === 'histogram' && name === 'le') report('label-reserved', 'histograms cannot have a label named "le"; Prometheus uses it for bucket bounds', at('labels', j));
    if (m.type === 'summary' && name === 'quantile') report('label-reserved', 'summaries cannot have a label named "quantile"; Prometheus uses it for percentiles', at('labels', j));
    if (m.type === 'enum' && name === full) report('label-reserved', `an enum uses its own name "${full}" as the state label`, at('labels', j));
  });
  if (m.collector !== undefined && !raw.collectors?.[m.collector]) {
    report('collector-unknown', `collector "${m.collector}" is not defined under collectors${didYouMean(m.collector, Object.keys(raw.collectors ?? {}))}`, at('collector'));
  }
  if (m.role !== undefined) {
    const role = ROLES[m.role];
    if (!role) report('role-unknown', `role "${m.role}" is not one the runtime knows${didYouMean(m.role, Object.keys(ROLES))}`, at('role'));
    else if (!role.types.includes(m.type)) report('role-type', `role ${m.role} needs a ${role.types.join(' or ')}, not a ${m.type}`, at('role'));
    else if (role.system && (!m.collector || raw.collectors?.[m.collector]?.builtin !== 'system')) {
      report('role-type', `role ${m.role} is filled by the builtin system collector; set collector to one with builtin: system`, at('role'));
    } else if (m.role.startsWith('http_')) {
      // The runtime fills a request label by its meaning; one it cannot fill would always be "".
      (m.labels ?? []).forEach((id, j) => {
        const def = raw.labels?.[id];
        if (def && !labelMeaning({ name: def.name ?? id, ...(def.meaning ? { meaning: def.meaning } : {}) })) {
          report('role-label', `role ${m.role} is recorded by the runtime, which cannot fill label "${def.name ?? id}"; give the label a meaning (${LABEL_MEANINGS.join(', ')})`, at('labels', j));
        }
      });
    }
  }
  if (!raw.categories.some((c) => c.id === m.category)) {
    report('category-unknown', `category "${m.category}" is not defined under categories${didYouMean(m.category, raw.categories.map((c) => c.id))}`, at('category'));
  }
}

/**
 * Durations that must be longer than 0s. Prometheus reads 0s in a scrape or evaluation interval as "use the
 * built-in default" (1m, 10s), not as what the catalog says; Alertmanager refuses a zero group_interval or
 * repeat_interval; the runtime refuses a summary window of 0s (at import of the generated module); a range of 0s
 * (an SLO window) does not parse; a collector timeout of 0s abandons every run. A `for`, `keep_firing_for`,
 * `group_wait` or collector `ttl` of 0s means "none" and stays allowed.
 */
function checkPositiveDurations(raw: RawCatalog, report: Report): void {
  const positive = (value: string | undefined, path: PathSegment[], why: string) => {
    if (value !== undefined && parseDuration(value) === 0) report('duration-zero', `${path.filter((p) => typeof p === 'string').slice(-1)[0]} must be longer than ${value}: ${why}`, path);
  };
  const PROM_DEFAULT = 'Prometheus reads 0s as its built-in default, not as no time';
  positive(raw.defaults?.scrape_interval, ['defaults', 'scrape_interval'], PROM_DEFAULT);
  positive(raw.defaults?.scrape_timeout, ['defaults', 'scrape_timeout'], PROM_DEFAULT);
  positive(raw.defaults?.evaluation_interval, ['defaults', 'evaluation_interval'], PROM_DEFAULT);
  positive(raw.alerting?.interval, ['alerting', 'interval'], `${PROM_DEFAULT} (the evaluation interval)`);
  raw.services.forEach((s, i) => {
    positive(s.interval, ['services', i, 'interval'], PROM_DEFAULT);
    positive(s.timeout, ['services', i, 'timeout'], PROM_DEFAULT);
  });
  const WINDOW = 'the exporter runtime refuses a summary whose sliding window is empty (maxAgeSeconds must be positive), and the generated module would throw when the app imports it';
  positive(raw.defaults?.summary?.max_age, ['defaults', 'summary', 'max_age'], WINDOW);
  raw.metrics.forEach((m, i) => positive(m.max_age, ['metrics', i, 'max_age'], WINDOW));
  for (const [id, c] of Object.entries(raw.collectors ?? {})) positive(c.timeout, ['collectors', id, 'timeout'], 'every collector run would be abandoned at once and its metrics never filled');
  (raw.slos ?? []).forEach((s, i) => positive(s.window, ['slos', i, 'window'], 'the error budget is counted over this range, and Prometheus refuses a range of 0s'));
  const AM = 'Alertmanager refuses a zero interval (amtool check-config fails)';
  positive(raw.alertmanager?.group_interval, ['alertmanager', 'group_interval'], AM);
  positive(raw.alertmanager?.repeat_interval, ['alertmanager', 'repeat_interval'], AM);
}

/**
 * Label names a rule's `labels` write into the rule file. Prometheus refuses invalid names (and __name__); the
 * rest are labels Prometheus or the generated rules set themselves, where the catalog's value would be dropped or
 * would break what relies on the generated one.
 */
function checkRuleLabels(report: Report, labels: Readonly<Record<string, string>> | undefined, rule: PathSegment[], alert?: { alert: string; namespace: string }): void {
  for (const k of Object.keys(labels ?? {})) {
    const at = [...rule, 'labels', k];
    if (!LABEL_NAME.test(k)) report('label-name', `"${k}" is not a valid Prometheus label name (letters, digits and _, not starting with a digit)`, at, { key: true });
    else if (k.startsWith('__')) report('label-reserved', `label names starting with __ are reserved for Prometheus`, at, { key: true });
    else if (!alert) continue;
    else if (k === 'alertname') report('label-reserved', `Prometheus sets alertname to the alert's name; this label would be overwritten`, at, { key: true });
    else if (k === 'severity') {
      report('label-reserved', `severity is the alert's own field (severity: ${alert.alert}); the generated rule writes that one and drops this label`, at, { key: true, hint: `set the alert's severity field instead` });
    } else if (k === 'namespace') {
      report('label-reserved', `the generated rules set namespace to the catalog's namespace (${alert.namespace}): Alertmanager grouping, inhibition and a shared Prometheus tell this catalog's alerts apart by it`, at, { key: true });
    } else if (k === 'slo') report('label-reserved', `the generated SLO alerts set slo to the SLO's name; an alert of your own with this label would be taken for one of them`, at, { key: true });
  }
}

/** Alertmanager's group_by: label names, or "..." alone (group by every label); amtool refuses anything else. */
function checkGroupBy(report: Report, groupBy: readonly string[] | undefined): void {
  if (!groupBy) return;
  groupBy.forEach((name, i) => {
    const at = ['alertmanager', 'group_by', i];
    if (name === '...') {
      if (groupBy.length > 1) report('alertmanager/group-by', `"..." groups by every label and cannot be combined with other labels`, at);
    } else if (!LABEL_NAME.test(name)) report('alertmanager/group-by', `"${name}" is not a valid label name (letters, digits and _, not starting with a digit)`, at);
    else if (groupBy.indexOf(name) !== i) report('alertmanager/group-by', `label "${name}" appears twice`, at);
  });
}

/** The `kubernetes` section, as the API server and Grafana will read it (the operator target writes it verbatim). */
function checkKubernetes(report: Report, k: RawCatalog['kubernetes']): void {
  if (!k) return;
  const problem = (check: string, what: string, text: string, why: string | undefined, path: PathSegment[], key = false) => {
    if (why) report(check, `${what} "${text}" ${why}`, path, { key });
  };
  if (k.namespace !== undefined) problem('kubernetes/namespace', 'namespace', k.namespace, namespaceProblem(k.namespace), ['kubernetes', 'namespace']);
  if (k.release !== undefined) problem('kubernetes/label', 'release (the value of the release label)', k.release, labelValueProblem(k.release), ['kubernetes', 'release']);
  if (k.dashboard_label !== undefined) problem('kubernetes/label', 'dashboard_label (a label key)', k.dashboard_label, labelKeyProblem(k.dashboard_label), ['kubernetes', 'dashboard_label']);
  if (k.datasource_uid !== undefined) problem('kubernetes/datasource-uid', 'datasource_uid', k.datasource_uid, grafanaUidProblem(k.datasource_uid), ['kubernetes', 'datasource_uid']);
  for (const [key, value] of Object.entries(k.common_labels ?? {})) {
    problem('kubernetes/label', 'label key', key, labelKeyProblem(key), ['kubernetes', 'common_labels', key], true);
    problem('kubernetes/label', `label value of ${key}`, value, labelValueProblem(value), ['kubernetes', 'common_labels', key]);
  }
}

/**
 * Alert names. Prometheus takes any text as an alert name (it is the alertname label's value); the convention, in
 * Prometheus' docs and the monitoring mixins, is a CamelCase identifier, and a name outside it gets a warning that
 * says the rule. Characters beyond letters, digits, _, :, -, . and single spaces are refused (names people read in
 * pagers and file names; the generated METRICS.md and runbook links escape what is accepted).
 */
function checkAlertName(report: Report, name: string, at: PathSegment[]): void {
  if (ALERT_NAME.test(name)) return;
  const RULE = 'alert names are CamelCase identifiers by convention (letters, digits and _, not starting with a digit, e.g. HighRequestLatency)';
  if (!/^[A-Za-z0-9_:.-]+( [A-Za-z0-9_:.-]+)*$/.test(name)) {
    report('alert-name', `"${name}" cannot be an alert name here: use letters, digits, _, :, -, . and single spaces between words (${RULE})`, at);
  } else {
    report('alert-name', `"${name}" does not follow the convention: ${RULE}; Prometheus accepts it`, at, { severity: 'warning' });
  }
}

/** Semantic rules on a schema-valid catalog. Expression checks live in validate/expressions.ts. */
export function checkSemantics(raw: RawCatalog, source: YamlSource, setAside: ReadonlyMap<string, ReadonlyMap<number, unknown>> = new Map()): Diagnostic[] {
  const out: Diagnostic[] = [];
  /**
   * A list with the places of items set aside for breaking the schema filled again by those items as written, when
   * the fields a check of names across items reads have the schema's types: a service set aside for its port still
   * counts when another service takes its name.
   */
  const named = <T>(section: string, list: readonly T[], fields: Readonly<Record<string, 'string' | 'number'>>): readonly T[] => {
    const aside = setAside.get(section);
    if (!aside?.size) return list;
    // Sparse like the list itself, so each item keeps its index (diagnostics locate items by index).
    const out: T[] = new Array<T>(list.length);
    for (let i = 0; i < list.length; i++) {
      if (i in list) out[i] = list[i]!;
      else {
        const it = aside.get(i);
        // Only the listed fields are read from it, and they have the types T declares for them.
        if (typeof it === 'object' && it !== null && Object.entries(fields).every(([k, t]) => typeof (it as Record<string, unknown>)[k] === t)) out[i] = it as T;
      }
    }
    return out;
  };
  const report = reporter(source, out);
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(raw.namespace)) report('namespace', `namespace "${raw.namespace}" is not a valid metric name prefix`, ['namespace']);

  const si = parseDuration(raw.defaults?.scrape_interval ?? '15s')!;
  const st = parseDuration(raw.defaults?.scrape_timeout ?? '10s')!;
  if (st > si) report('scrape-timeout', `scrape_timeout (${raw.defaults?.scrape_timeout ?? '10s'}) is longer than scrape_interval; Prometheus rejects this`, ['defaults', 'scrape_timeout']);
  checkNumbers(report, 'buckets', raw.defaults?.histogram_buckets, ['defaults', 'histogram_buckets']);
  checkNumbers(report, 'percentiles', raw.defaults?.summary?.percentiles, ['defaults', 'summary', 'percentiles']);
  checkPositiveDurations(raw, report);

  const dup = <T>(items: readonly T[], key: (t: T) => string, check: string, what: string, path: (i: number) => PathSegment[]) => {
    const seen = new Set<string>();
    items.forEach((it, i) => {
      const k = key(it);
      if (seen.has(k)) report(check, `${what} "${k}" is defined twice`, path(i));
      seen.add(k);
    });
  };
  raw.services.forEach((s, i) => {
    const at = (k: string) => ['services', i, k];
    // Prometheus refuses a job whose timeout is longer than its interval; an inherited timeout is cut to the
    // interval (see model/build.ts), an explicit one is the user's to fix.
    const interval = s.interval ?? raw.defaults?.scrape_interval ?? '15s';
    if (s.timeout !== undefined && parseDuration(s.timeout)! > parseDuration(interval)!) {
      report('scrape-timeout', `timeout (${s.timeout}) is longer than this service's scrape interval (${interval}${s.interval === undefined ? ', from defaults.scrape_interval' : ''}); Prometheus rejects this`, at('timeout'));
    }
    if (!SERVICE_NAME.test(s.name)) {
      report('service-name', `service name "${s.name}" cannot be a Compose service and a file name: use lowercase letters, digits, - and _ (at most 63, starting with a letter or digit)`, at('name'));
    } else if (RESERVED_SERVICE_NAMES.includes(s.name)) {
      report('service-name', `"${s.name}" is a service of the generated stack itself; name yours differently (e.g. ${s.name}-app)`, at('name'));
    }
    if (s.host !== undefined && !HOST.test(s.host)) report('service-host', `host "${s.host}" is not a host name or IP address (an IPv6 address goes in brackets); Prometheus scrapes host:port`, at('host'));
    if (s.path !== undefined && !URL_PATH.test(s.path)) report('service-path', `path "${s.path}" is not a URL path Prometheus can scrape (letters, digits, -._~!$&'()*+,;=:@/ and %XX escapes; no query or fragment)`, at('path'));
    if (s.image !== undefined) {
      const why = unpinnedImage(s.image);
      if (why) report('image-unpinned', `image "${s.image}" ${why}`, at('image'), { hint: 'pin a version tag (myapp:1.4.2) or a digest (myapp@sha256:…)' });
    }
  });
  for (const c of ['prometheus', 'alertmanager', 'grafana'] as const) {
    const image = raw.stack?.[c]?.image;
    const why = image === undefined ? undefined : unpinnedImage(image);
    if (why) report('image-unpinned', `image "${image}" ${why}`, ['stack', c, 'image'], { hint: 'pin a version tag (prom/prometheus:v2.53.2) or a digest (…@sha256:…)' });
  }
  if (raw.stack?.bind !== undefined && !IPV4.test(raw.stack.bind)) report('stack-bind', `bind "${raw.stack.bind}" is not an IPv4 address (e.g. 127.0.0.1)`, ['stack', 'bind']);
  const link = (url: string | undefined, path: PathSegment[]) => {
    const why = url === undefined ? undefined : unsafeLink(url);
    if (why) report('link-scheme', `link "${url}" ${why}`, path);
  };
  link(raw.alerting?.runbook_base_url, ['alerting', 'runbook_base_url']);
  (raw.alerts ?? []).forEach((a, i) => link(a.runbook, ['alerts', i, 'runbook']));
  const webhook = raw.alertmanager?.webhook_url;
  if (webhook !== undefined && !/^https?:\/\//i.test(webhook)) report('link-scheme', `webhook_url "${webhook}" must be an http or https URL; Alertmanager posts alerts to it`, ['alertmanager', 'webhook_url']);
  dup(named('services', raw.services, { name: 'string' }), (s) => s.name, 'service-duplicate', 'service', (i) => ['services', i, 'name']);
  dup(named('services', raw.services, { port: 'number' }), (s) => String(s.port), 'service-duplicate', 'port', (i) => ['services', i, 'port']);
  dup(named('categories', raw.categories, { id: 'string' }), (c) => c.id, 'category-duplicate', 'category', (i) => ['categories', i, 'id']);

  for (const [id, l] of Object.entries(raw.labels ?? {})) {
    const name = l.name ?? id;
    const at = l.name ? ['labels', id, 'name'] : ['labels', id];
    if (!LABEL_NAME.test(name)) report('label-name', `"${name}" is not a valid Prometheus label name`, at, { key: !l.name });
    else if (name.startsWith('__')) report('label-reserved', `label names starting with __ are reserved for Prometheus`, at, { key: !l.name });
    else if (TARGET_LABELS.includes(name)) {
      report('label-reserved', `"${name}" is a label Prometheus attaches to every scraped series; the exporter's own "${name}" would be renamed exported_${name} and every query on it would miss`, at, {
        key: !l.name,
        hint: `choose another name (e.g. ${name === 'job' ? 'task' : 'node'}_${name === 'job' ? 'name' : 'id'}), or keep the id and set name:`,
      });
    } else {
      const camel = labelNameProblem(name);
      if (camel) report(camel.check, camel.message, at, { key: !l.name });
    }
    l.values?.forEach((v, j) => {
      if (l.values!.indexOf(v) !== j) report('label-values', `value "${v}" appears twice`, ['labels', id, 'values', j]);
      else if (v === OVERFLOW_VALUE) report('label-values', `"${OVERFLOW_VALUE}" is the value the runtime records for values outside the label's domain; it cannot be one of them`, ['labels', id, 'values', j]);
    });
    if (!raw.metrics.some((m) => m.labels?.includes(id))) report('label-unused', `label "${id}" is not used by any metric`, ['labels', id], { key: true, severity: 'warning' });
  }
  for (const [id] of Object.entries(raw.collectors ?? {})) {
    if (!raw.metrics.some((m) => m.collector === id)) report('collector-unused', `collector "${id}" fills no metric`, ['collectors', id], { key: true, severity: 'warning' });
  }

  raw.metrics.forEach((m, i) => checkMetric(raw, m, i, report));
  const roleOwners = new Map<string, number>();
  raw.metrics.forEach((m, i) => {
    if (!m.role) return;
    if (roleOwners.has(m.role)) report('role-duplicate', `role ${m.role} is already held by ${raw.metrics[roleOwners.get(m.role)!]!.name}`, ['metrics', i, 'role']);
    else roleOwners.set(m.role, i);
  });

  // Two metrics must not expose the same series name, counting _bucket/_sum/_count/_created/_total variants.
  const owners = new Map<string, number>();
  raw.metrics.forEach((m, i) => {
    if (!METRIC_NAME.test(m.name)) return;
    const names = exposedSeriesNames({ fullName: `${raw.namespace}_${m.name}`, type: m.type });
    // The stem without _total also collides (Prometheus' clients treat "x" and "x_total" as one family).
    if (m.type === 'counter') names.push(`${raw.namespace}_${m.name.replace(/_total$/, '')}`);
    for (const n of new Set(names)) {
      const other = owners.get(n);
      if (other !== undefined && other !== i) {
        report('metric-collision', `${raw.namespace}_${m.name} collides with ${raw.namespace}_${raw.metrics[other]!.name}: both expose ${n}`, ['metrics', i, 'name']);
        break;
      }
      owners.set(n, i);
    }
  });

  const severities = raw.alerting?.severities ?? ['critical', 'warning', 'info'];
  (raw.alerts ?? []).forEach((a, i) => {
    checkAlertName(report, a.name, ['alerts', i, 'name']);
  });
  (raw.alerts ?? []).forEach((a, i) => checkRuleLabels(report, a.labels, ['alerts', i], { alert: a.severity, namespace: raw.namespace }));
  (raw.recording_rules ?? []).forEach((r, i) => checkRuleLabels(report, r.labels, ['recording_rules', i]));
  checkGroupBy(report, raw.alertmanager?.group_by);
  checkKubernetes(report, raw.kubernetes);
  dup(named('alerts', raw.alerts ?? [], { name: 'string' }), (a) => a.name, 'rules/duplicate-alert', 'alert', (i) => ['alerts', i, 'name']);
  (raw.recording_rules ?? []).forEach((r, i) => {
    if (!RECORD_NAME.test(r.record)) report('record-name', `"${r.record}" is not a valid metric name for a recording rule`, ['recording_rules', i, 'record']);
  });
  dup(named('recording_rules', raw.recording_rules ?? [], { record: 'string' }), (r) => r.record + JSON.stringify(r.labels ?? {}), 'record-duplicate', 'recording rule', (i) => ['recording_rules', i, 'record']);
  dup(named('dashboards', raw.dashboards ?? [], { id: 'string' }), (d) => d.id, 'dashboard-duplicate', 'dashboard', (i) => ['dashboards', i, 'id']);
  dup(named('slos', raw.slos ?? [], { name: 'string' }), (s) => s.name, 'slo-duplicate', 'SLO', (i) => ['slos', i, 'name']);
  const serviceNames = raw.services.map((s) => s.name);
  (raw.slos ?? []).forEach((s, i) => {
    if (s.service !== undefined && !serviceNames.includes(s.service)) report('slo/service-unknown', `service "${s.service}" is not one of the catalog's services (${serviceNames.join(', ')})${didYouMean(s.service, serviceNames)}`, ['slos', i, 'service']);
  });
  const am = raw.alertmanager;
  const receiverNames = (am?.receivers ?? []).map((r) => r.name);
  dup(am?.receivers ?? [], (r) => r.name, 'alertmanager/receiver-duplicate', 'receiver', (i) => ['alertmanager', 'receivers', i, 'name']);
  if (am?.receivers?.length && am.webhook_url) report('alertmanager/webhook-url', 'webhook_url is only used when no receivers are declared; declare it as a webhook receiver instead', ['alertmanager', 'webhook_url']);
  const knownReceiver = (name: string, path: PathSegment[]) => {
    if (!receiverNames.includes(name)) report('alertmanager/receiver-unknown', `receiver "${name}" is not declared in alertmanager.receivers${didYouMean(name, receiverNames)}`, path);
  };
  // Alertmanager reads these receiver fields as Go templates (tmpl_string): a mistake there passes amtool and
  // fails every notification at send time, so they are read here as Alertmanager's parser would.
  (am?.receivers ?? []).forEach((r, i) => {
    const fields: [string, string, string | undefined][] = 'slack' in r ? [['slack', 'channel', r.slack.channel]] : 'email' in r ? [['email', 'to', r.email.to], ['email', 'from', r.email.from]] : [];
    for (const [kind, field, text] of fields) {
      const problem = typeof text === 'string' ? scanGoTemplate(text, NOTIFICATION_TEMPLATE_FUNCS, []).errors[0] : undefined;
      if (problem) report('alertmanager/template', `${kind}.${field} is an Alertmanager template and does not parse: ${problem.message} (write {{ "{{" }} for a literal {{)`, ['alertmanager', 'receivers', i, kind, field]);
    }
  });
  if (am?.receiver !== undefined) knownReceiver(am.receiver, ['alertmanager', 'receiver']);
  (am?.routes ?? []).forEach((r, i) => {
    knownReceiver(r.receiver, ['alertmanager', 'routes', i, 'receiver']);
    if (r.severity !== undefined && !severities.includes(r.severity)) report('alertmanager/severity-unknown', `severity "${r.severity}" is not one of ${severities.join(', ')}${didYouMean(r.severity, severities)}`, ['alertmanager', 'routes', i, 'severity']);
  });
  checkTopology(raw, report);
  return out;
}
