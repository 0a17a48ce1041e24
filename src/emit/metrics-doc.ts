// METRICS.md: the human reference of the catalog, per category.
import { basename } from 'node:path';
import type { Catalog, Metric } from '../model/catalog.js';
import { metricUsage } from '../model/usage.js';
import { renderTemplate } from '../util/templates.js';
import { formatDuration } from '../util/duration.js';
import type { Artifact } from './artifact.js';
import { GENERATED_BY } from './artifact.js';
import { htmlComment, markdownCode, markdownText } from './escape.js';

const cell = markdownText;
const codeValue = markdownCode;

function labelText(m: Metric): string {
  if (!m.labels.length) return '—';
  return m.labels.map((l) => `\`${l.name}\` ${l.values ? `(${l.values.map(codeValue).join(', ')})` : `(≤ ${l.maxValues} values)`}`).join('<br>');
}

export function emitMetricsDoc(catalog: Catalog): Artifact[] {
  const usage = metricUsage(catalog);
  const counts = new Map<string, number>();
  for (const m of catalog.metrics) counts.set(m.type, (counts.get(m.type) ?? 0) + 1);
  const categories = catalog.categories.map((c) => {
    const metrics = catalog.metrics.filter((m) => m.category === c.id);
    return {
      title: cell(c.title),
      description: c.description ? cell(c.description) : '',
      count: metrics.length,
      metrics: metrics.map((m) => {
        const u = usage.get(m.fullName)!;
        const used = [...u.alerts.map((a) => `alert ${a}`), ...u.panels.map((p) => `panel "${p.panel}" (${p.dashboard})`), ...u.slos.map((s) => `SLO ${s}`)];
        const details = [
          m.buckets ? `buckets ${m.buckets.join(', ')}` : '',
          m.percentiles ? `percentiles ${m.percentiles.join(', ')} over ${formatDuration(m.maxAgeSeconds!)}` : '',
          m.states ? `states ${m.states.map(codeValue).join(', ')}` : '',
          m.collector ? `collector ${codeValue(m.collector)} (cached ${formatDuration(catalog.collectors.get(m.collector)!.ttlSeconds)})` : 'instrumented',
          m.seedName ? `seed name ${codeValue(`${catalog.namespace}_${m.seedName}`)}` : '',
        ].filter(Boolean);
        return {
          name: m.fullName,
          type: m.type,
          unit: m.unit ?? '—',
          labels: labelText(m),
          help: cell(m.help),
          details: details.join('; '),
          usedBy: used.length ? cell(used.join(', ')) : '—',
          note: m.note ? cell(m.note) : '',
        };
      }),
    };
  });
  const view = {
    marker: `<!-- ${htmlComment(`${GENERATED_BY} ${basename(catalog.file)}. DO NOT EDIT.`)} -->`,
    title: cell(catalog.title),
    namespace: catalog.namespace,
    total: catalog.metrics.length,
    typeSummary: (['counter', 'gauge', 'histogram', 'summary', 'info', 'enum'] as const)
      .filter((t) => counts.get(t))
      .map((t) => `${counts.get(t)} ${counts.get(t) === 1 || t === 'info' ? t : t === 'summary' ? 'summaries' : `${t}s`}`)
      .join(', '),
    categories,
    labels: [...catalog.labels.values()].map((l) => ({
      id: codeValue(l.id),
      name: l.name,
      description: cell(l.description),
      domain: l.values ? l.values.map(codeValue).join(', ') : `at most ${l.maxValues} values`,
    })),
    alerts: catalog.alerts.map((a) => ({ name: cell(a.name), severity: cell(a.severity), for: a.for ?? '—', expr: codeValue(a.expr), note: a.note ? cell(a.note) : '' })),
  };
  return [{ path: 'METRICS.md', content: renderTemplate('metrics.md.hbs', view) }];
}
