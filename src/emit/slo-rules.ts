// SLOs as SLI recording rules and multi-window, multi-burn-rate alerts (Google SRE workbook, chapter 5).
import type { Catalog, Slo } from '../model/catalog.js';
import type { PromAlertRule, PromRecordRule } from './rule-types.js';
import { parsePromQL } from '../promql/ast.js';
import { goTemplateText } from './escape.js';

/** Windows the burn-rate alerts read; only 5m is computed from raw series, the rest from the 5m records. */
export const SLO_WINDOWS = ['5m', '30m', '1h', '2h', '6h', '1d', '3d'] as const;

/** [long window, short window, burn-rate factor] per alert, as in the workbook's table. */
export const BURN_RATES = {
  page: [['1h', '5m', 14.4], ['6h', '30m', 6]],
  ticket: [['1d', '2h', 3], ['3d', '6h', 1]],
} as const;

export const SLO_RECORDS = {
  errors: 'slo:sli_errors:rate5m',
  total: 'slo:sli_events:rate5m',
  ratio: (w: string) => `slo:sli_error:ratio_rate${w}`,
} as const;

export function sloRecordNames(_catalog?: Catalog): string[] {
  return [SLO_RECORDS.errors, SLO_RECORDS.total, ...SLO_WINDOWS.map(SLO_RECORDS.ratio)];
}

function pascal(s: string): string {
  return s.replace(/(^|_)([a-z0-9])/g, (_m, _u, c: string) => c.toUpperCase());
}

/** An le matcher that matches how both prom-client ("1") and the Python client ("1.0") write a bound. */
export function leMatcher(le: number): string {
  const text = String(le);
  return Number.isInteger(le) ? `le=~"${text}(\\\\.0)?"` : `le="${text}"`;
}

function withMatchers(fullName: string, matchers?: string): string {
  return matchers ? `${fullName}{${matchers}}` : fullName;
}

/** The labels that tell one SLO's series and alerts apart in a Prometheus shared by many catalogs (Sloth's sloth_service / sloth_slo). */
export function sloLabels(catalog: Catalog, slo: Slo): { namespace: string; service: string; slo: string } {
  return { namespace: catalog.namespace, service: slo.service, slo: slo.name };
}

/** `{namespace="…",service="…",slo="…"}`: selects one SLO's records and nothing of another catalog's. */
export function sloSelector(catalog: Catalog, slo: Slo): string {
  return `{${Object.entries(sloLabels(catalog, slo)).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',')}}`;
}

/**
 * With several services in a catalog, an SLO counts only its own service's series: the job label is the service name
 * in every target (scrape job, ServiceMonitor relabeling). A selector that already matches on job is left alone.
 */
export function serviceMatcher(catalog: Catalog, slo: Slo): string | undefined {
  return catalog.services.length > 1 ? `job=${JSON.stringify(slo.service)}` : undefined;
}

function scoped(selector: string, matcher: string | undefined): string {
  const parsed = parsePromQL(selector);
  if (!matcher || !parsed.ok || parsed.expr.kind !== 'selector' || parsed.expr.matchers.some((m) => m.label === 'job')) return selector;
  const open = selector.indexOf('{');
  if (open < 0) return `${selector.trimEnd()}{${matcher}}`;
  const empty = selector.slice(open + 1).trimStart().startsWith('}');
  return `${selector.slice(0, open + 1)}${matcher}${empty ? '' : ','}${selector.slice(open + 1)}`;
}

function fiveMinuteRates(catalog: Catalog, slo: Slo): { errors: string; total: string } {
  const job = serviceMatcher(catalog, slo);
  if (slo.sli.kind === 'ratio') {
    return { errors: `sum(rate(${scoped(slo.sli.errors, job)}[5m]))`, total: `sum(rate(${scoped(slo.sli.total, job)}[5m]))` };
  }
  const h = slo.sli.histogram;
  const metric = catalog.metrics.find((m) => m.name === h || m.fullName === h)!;
  const m = [job, slo.sli.matchers].filter(Boolean).join(',') || undefined;
  const count = withMatchers(`${metric.fullName}_count`, m);
  const good = `${metric.fullName}_bucket{${[leMatcher(slo.sli.le), m].filter(Boolean).join(',')}}`;
  // Slow events are all events minus those within the threshold bucket.
  return { errors: `sum(rate(${count}[5m])) - sum(rate(${good}[5m]))`, total: `sum(rate(${count}[5m]))` };
}

export function sloRecordingRules(catalog: Catalog, slo: Slo): PromRecordRule[] {
  const labels = sloLabels(catalog, slo);
  const sel = (name: string) => `${name}${sloSelector(catalog, slo)}`;
  const rates = fiveMinuteRates(catalog, slo);
  const rules: PromRecordRule[] = [
    // A healthy service has no error series at all: "or 0 * total" makes the error rate 0, not absent, wherever
    // there are events, so the SLI, the burn-rate alerts and the budget panels read 0 instead of going blank.
    { record: SLO_RECORDS.errors, expr: `${rates.errors} or 0 * ${rates.total}`, labels },
    { record: SLO_RECORDS.total, expr: rates.total, labels },
    { record: SLO_RECORDS.ratio('5m'), expr: `${sel(SLO_RECORDS.errors)} / ${sel(SLO_RECORDS.total)}`, labels },
  ];
  for (const w of SLO_WINDOWS.slice(1)) {
    // A ratio of sums over the recorded 5m rates: exact enough, and reads a handful of samples, not raw series.
    rules.push({
      record: SLO_RECORDS.ratio(w),
      expr: `sum_over_time(${sel(SLO_RECORDS.errors)}[${w}]) / sum_over_time(${sel(SLO_RECORDS.total)}[${w}])`,
      labels,
    });
  }
  return rules;
}

export function errorBudget(slo: Slo): number {
  return Number((1 - slo.objective / 100).toPrecision(6));
}

/** One burn-rate condition of an alert: both windows above factor × budget. */
export interface BurnWindow {
  burn: 'fast' | 'slow';
  long: string;
  short: string;
  factor: number;
  /** The error ratio both windows must exceed. */
  threshold: number;
}

export function burnWindows(slo: Slo): BurnWindow[] {
  const budget = errorBudget(slo);
  const of = (burn: 'fast' | 'slow', rows: typeof BURN_RATES.page | typeof BURN_RATES.ticket): BurnWindow[] =>
    rows.map(([long, short, factor]) => ({ burn, long, short, factor, threshold: Number((factor * budget).toPrecision(6)) }));
  return [...of('fast', BURN_RATES.page), ...of('slow', BURN_RATES.ticket)];
}

/** A fast burn pages with the catalog's first (highest) severity, a slow burn takes the second. */
export function sloSeverity(catalog: Catalog, burn: 'fast' | 'slow'): string {
  const s = catalog.alerting.severities;
  return burn === 'fast' ? s[0]! : (s[1] ?? s[0]!);
}

export function sloAlertName(slo: Slo, burn: 'fast' | 'slow'): string {
  return `${pascal(slo.name)}ErrorBudgetBurn${burn === 'fast' ? 'Fast' : 'Slow'}`;
}

export interface SloAlertLinks {
  runbookBase?: string;
  /** The SLO's dashboard, for the dashboard_url annotation. */
  dashboardUrl?: string;
}

export function sloAlerts(catalog: Catalog, slo: Slo, links: SloAlertLinks = {}): PromAlertRule[] {
  const budget = errorBudget(slo);
  const ratio = (w: string) => `${SLO_RECORDS.ratio(w)}${sloSelector(catalog, slo)}`;
  const windows = burnWindows(slo);
  const make = (burn: 'fast' | 'slow'): PromAlertRule => {
    const expr = windows
      .filter((w) => w.burn === burn)
      .map((w) => `(${ratio(w.long)} > ${w.threshold} and ${ratio(w.short)} > ${w.threshold})`)
      .join('\nor\n');
    const fast = burn === 'fast';
    return {
      alert: sloAlertName(slo, burn),
      expr,
      for: fast ? '2m' : '15m',
      // burn tells the fast/slow pair apart for inhibition, whatever severities the catalog uses.
      labels: { burn, ...sloLabels(catalog, slo), severity: sloSeverity(catalog, burn) },
      annotations: {
        summary: `${slo.service} ${slo.name} SLO (${slo.objective}% over ${slo.window}) is burning its error budget ${fast ? 'fast' : 'steadily'}`,
        description: `${goTemplateText(slo.description)}. Error ratio {{ $value | humanizePercentage }}; at this rate the ${slo.window} budget of ${(budget * 100).toPrecision(3)}% runs out ${fast ? 'within days' : 'before the window ends'}.`,
        ...(links.runbookBase ? { runbook_url: goTemplateText(`${links.runbookBase.replace(/\/$/, '')}/slo-${slo.name.replace(/_/g, '-')}`) } : {}),
        ...(links.dashboardUrl ? { dashboard_url: links.dashboardUrl } : {}),
      },
    };
  };
  return [make('fast'), make('slow')];
}
