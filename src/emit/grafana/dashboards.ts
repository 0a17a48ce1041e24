// Grafana dashboards as JSON, built with Grafana's own typed builders from the layout model.
import { CustomVariableBuilder, DashboardBuilder, DatasourceVariableBuilder, QueryVariableBuilder, ThresholdsConfigBuilder, ThresholdsMode, VariableRefresh, VariableSort } from '@grafana/grafana-foundation-sdk/dashboard';
import { GraphThresholdsStyleConfigBuilder, GraphThresholdsStyleMode } from '@grafana/grafana-foundation-sdk/common';
import type { Dashboard, DataSourceRef, Threshold } from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder, PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as GaugePanel } from '@grafana/grafana-foundation-sdk/gauge';
import { PanelBuilder as HeatmapPanel } from '@grafana/grafana-foundation-sdk/heatmap';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as StateTimelinePanel } from '@grafana/grafana-foundation-sdk/statetimeline';
import { PanelBuilder as TablePanel } from '@grafana/grafana-foundation-sdk/table';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import type { Catalog } from '../../model/catalog.js';
import type { Artifact } from '../artifact.js';
import { jsonArtifact } from '../artifact.js';
import type { DashboardPlan, PanelPlan, PanelTarget } from './layout.js';
import { dashboardPlans, datasourceUid } from './layout.js';

const PANELS = {
  timeseries: TimeseriesPanel,
  stat: StatPanel,
  gauge: GaugePanel,
  table: TablePanel,
  heatmap: HeatmapPanel,
  'state-timeline': StateTimelinePanel,
} as const;

const FORMATS: Record<NonNullable<PanelTarget['format']>, PromQueryFormat> = {
  time_series: PromQueryFormat.TimeSeries,
  table: PromQueryFormat.Table,
  heatmap: PromQueryFormat.Heatmap,
};

function query(t: PanelTarget, ds: DataSourceRef): DataqueryBuilder {
  const q = new DataqueryBuilder().refId(t.refId).expr(t.expr).datasource(ds);
  if (t.legend) q.legendFormat(t.legend);
  if (t.format) q.format(FORMATS[t.format]);
  if (t.instant) q.instant();
  else q.range();
  return q;
}

/** A timeseries builder that draws the given values as coloured lines (alert thresholds); the base step is transparent. */
function timeseriesWithLines(lines: NonNullable<PanelPlan['thresholds']>): TimeseriesPanel {
  const steps: Threshold[] = [{ value: null, color: 'transparent' }, ...lines.map((t) => ({ value: t.value, color: t.color }))];
  return new TimeseriesPanel().thresholds(new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps)).thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Line));
}

function panel(p: PanelPlan, ds: DataSourceRef) {
  const b = (p.thresholds?.length && p.type === 'timeseries' ? timeseriesWithLines(p.thresholds) : new PANELS[p.type]()).id(p.id).title(p.title).datasource(ds).gridPos(p.grid);
  if (p.description) b.description(p.description);
  if (p.unit) b.unit(p.unit);
  for (const t of p.targets) b.withTarget(query(t, ds));
  return b;
}

/** The dashboards' datasource variable: every panel reads ${datasource}; its default is the target's Prometheus uid. */
export const DATASOURCE_VARIABLE = 'datasource';
export const DATASOURCE_REF: DataSourceRef = { type: 'prometheus', uid: `\${${DATASOURCE_VARIABLE}}` };

/**
 * One dashboard's JSON. Panels point at the ${datasource} variable, whose default is `defaultDatasource` (the provisioned
 * datasource here; kube-prometheus-stack's "prometheus" in the Kubernetes target), so one file works on any Grafana.
 */
export function dashboardJson(catalog: Catalog, plan: DashboardPlan, defaultDatasource = datasourceUid(catalog)): Dashboard {
  const ds = DATASOURCE_REF;
  const d = new DashboardBuilder(plan.title).uid(plan.uid).tags(plan.tags).refresh('30s').time({ from: 'now-1h', to: 'now' }).timezone('browser').readonly();
  if (plan.description) d.description(plan.description);
  d.withVariable(new DatasourceVariableBuilder(DATASOURCE_VARIABLE).label('Data source').type('prometheus').current({ selected: true, text: defaultDatasource, value: defaultDatasource }));
  for (const v of plan.variables) {
    d.withVariable(
      v.query
        ? new QueryVariableBuilder(v.name).label(v.label).query(v.query).datasource(ds).refresh(VariableRefresh.OnTimeRangeChanged).multi(true).includeAll(true).allValue('.*').sort(VariableSort.AlphabeticalAsc)
        : new CustomVariableBuilder(v.name).label(v.label).values(v.values!.map((x) => x.replace(/,/g, '\\,')).join(',')).multi(true).includeAll(true).allValue('.*'),
    );
  }
  for (const p of plan.panels) d.withPanel(panel(p, ds));
  return d.build();
}

export function emitDashboards(catalog: Catalog): Artifact[] {
  return dashboardPlans(catalog).map((plan) => jsonArtifact(plan.file, dashboardJson(catalog, plan)));
}
