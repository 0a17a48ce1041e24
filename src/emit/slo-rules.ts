// SLOs as SLI recording rules and multi-window, multi-burn-rate alerts (Google SRE workbook, chapter 5).
import type { Catalog, Slo } from '../model/catalog.js';
import type { PromAlertRule, PromRecordRule } from './rule-types.js';
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

function fiveMinuteRates(catalog: Catalog, slo: Slo): { errors: string; total: string } {
  if (slo.sli.kind === 'ratio') {
    return { errors: `sum(rate(${slo.sli.errors}[5m]))`, total: `sum(rate(${slo.sli.total}[5m]))` };
  }
  const h = slo.sli.histogram;
  const metric = catalog.metrics.find((m) => m.name === h || m.fullName === h)!;
  const m = slo.sli.matchers;
  const count = withMatchers(`${metric.fullName}_count`, m);
  const good = `${metric.fullName}_bucket{${[leMatcher(slo.sli.le), m].filter(Boolean).join(',')}}`;
  // Slow events are all events minus those within the threshold bucket.
  return { errors: `sum(rate(${count}[5m])) - sum(rate(${good}[5m]))`, total: `sum(rate(${count}[5m]))` };
}

export function sloRecordingRules(catalog: Catalog, slo: Slo): PromRecordRule[] {
  const labels = { slo: slo.name };
  const sel = (name: string) => `${name}{slo="${slo.name}"}`;
  const rates = fiveMinuteRates(catalog, slo);
  const rules: PromRecordRule[] = [
    { record: SLO_RECORDS.errors, expr: rates.errors, labels },
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

export function sloAlerts(slo: Slo, runbookBase?: string): PromAlertRule[] {
  const budget = errorBudget(slo);
  const ratio = (w: string) => `${SLO_RECORDS.ratio(w)}{slo="${slo.name}"}`;
  const threshold = (factor: number) => Number((factor * budget).toPrecision(6));
  const make = (kind: 'page' | 'ticket'): PromAlertRule => {
    const expr = BURN_RATES[kind].map(([long, short, f]) => `(${ratio(long)} > ${threshold(f)} and ${ratio(short)} > ${threshold(f)})`).join('\nor\n');
    const fast = kind === 'page';
    return {
      alert: `${pascal(slo.name)}ErrorBudgetBurn${fast ? 'Fast' : 'Slow'}`,
      expr,
      for: fast ? '2m' : '15m',
      labels: { severity: fast ? 'critical' : 'warning', slo: slo.name },
      annotations: {
        summary: `${slo.name} SLO (${slo.objective}% over ${slo.window}) is burning its error budget ${fast ? 'fast' : 'steadily'}`,
        description: `${goTemplateText(slo.description)}. Error ratio {{ $value | humanizePercentage }}; at this rate the ${slo.window} budget of ${(budget * 100).toPrecision(3)}% runs out ${fast ? 'within days' : 'before the window ends'}.`,
        ...(runbookBase ? { runbook_url: goTemplateText(`${runbookBase.replace(/\/$/, '')}/slo-${slo.name.replace(/_/g, '-')}`) } : {}),
      },
    };
  };
  return [make('page'), make('ticket')];
}
