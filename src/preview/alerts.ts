// The index page's alerts: every alert `generate` writes, its state in Prometheus, and the preview panel that
// shows its metric, found from the links generate already puts in the annotations (dashboard_uid and panel_id,
// or the SLO dashboard's dashboard_url).
import type { Catalog } from '../model/catalog.js';
import { alertRuleFile } from '../emit/rules.js';
import type { PromAlertRule } from '../emit/rule-types.js';
import type { DataSource } from './source.js';

export type AlertState = 'firing' | 'pending' | 'inactive' | 'unknown';

export interface AlertEntry {
  name: string;
  severity: string;
  summary: string;
  state: AlertState;
  /** Why the state is unknown (Prometheus does not have the rule, or did not answer). */
  note?: string;
  /** The dashboard's uid and, when the annotation names one, the panel's id. */
  link?: { uid: string; panelId?: number };
}

interface RulesData {
  groups: { rules: { type?: string; name?: string; state?: string; labels?: Record<string, string> }[] }[];
}

/** Where an alert's annotations point: dashboard_uid + panel_id, else the uid in a Grafana /d/<uid>/ URL. */
export function alertLink(annotations: Record<string, string> | undefined): AlertEntry['link'] {
  if (!annotations) return undefined;
  const uid = annotations['dashboard_uid'];
  const panel = Number(annotations['panel_id']);
  if (uid) return Number.isInteger(panel) && panel > 0 ? { uid, panelId: panel } : { uid };
  const fromUrl = /\/d\/([^/?#]+)/.exec(annotations['dashboard_url'] ?? '')?.[1];
  return fromUrl ? { uid: decodeURIComponent(fromUrl) } : undefined;
}

const STATES: readonly string[] = ['firing', 'pending', 'inactive'];

export async function alertEntries(catalog: Catalog, source: DataSource): Promise<AlertEntry[]> {
  const rules = alertRuleFile(catalog).groups.flatMap((g) => g.rules.filter((r): r is PromAlertRule => 'alert' in r));
  let live: Map<string, string> | undefined;
  let why = '';
  try {
    const data = (await source.fetch({ kind: 'rules' })) as RulesData;
    live = new Map();
    // In a shared Prometheus another team may have an alert of the same name: ours carry our namespace label.
    // Several servers (a topology's shards and replicas) report the same rule: the most urgent state wins.
    const urgency = (state: string) => (STATES.includes(state) ? STATES.indexOf(state) : STATES.length);
    for (const g of data.groups ?? [])
      for (const r of g.rules ?? []) {
        if (r.type !== 'alerting' || !r.name || !r.state || (r.labels?.['namespace'] ?? catalog.namespace) !== catalog.namespace) continue;
        const before = live.get(r.name);
        if (before === undefined || urgency(r.state) < urgency(before)) live.set(r.name, r.state);
      }
  } catch (err) {
    why = `rules not read: ${err instanceof Error ? err.message : String(err)}`;
  }
  return rules.map((r) => {
    const state = live?.get(r.alert);
    const link = alertLink(r.annotations);
    return {
      name: r.alert,
      severity: r.labels?.['severity'] ?? '',
      summary: r.annotations?.['summary'] ?? '',
      state: state && STATES.includes(state) ? (state as AlertState) : 'unknown',
      ...(state ? {} : { note: live ? 'Prometheus has not loaded this rule' : why }),
      ...(link ? { link } : {}),
    };
  });
}
