// What the stack holds *now*: the active scrape targets, the metadata of their current scrape, and the series of
// their latest scrape. Nothing here reads the TSDB's history, so a renamed metric or label, or a restart that
// left old series in the head block, cannot make verify pass or fail on stale state.
import type { Api } from './http.js';

export interface LiveTarget {
  job: string;
  instance: string;
  health: string;
  lastError: string;
  /** RFC 3339 time of the latest scrape attempt. */
  lastScrape: string;
  scrapeUrl: string;
  scrapeInterval: string;
  /** Which of the stack's Prometheus servers scrapes it (0 with one server). */
  server: number;
}

export interface MetadataEntry {
  type: string;
  help: string;
}

/** Label names of every series a target exposed in its latest scrape, by series name. */
export type SeriesLabels = Map<string, Set<string>>;

export interface LiveView {
  targets: LiveTarget[];
  /** Family metadata Prometheus holds for the current targets of the catalog's jobs (family name -> entry). */
  metadata: Map<string, MetadataEntry>;
  /** Series of the latest successful scrape of each catalog target. */
  series: SeriesLabels;
}

interface TargetsData {
  activeTargets: { labels: Record<string, string>; health: string; lastError: string; lastScrape: string; scrapeUrl: string; scrapeInterval?: string }[];
}

/** The active targets of one server, or of several (the shards of a topology: each scrapes its share). */
export async function liveTargets(api: Api | readonly Api[]): Promise<LiveTarget[]> {
  const apis = Array.isArray(api) ? (api as readonly Api[]) : [api as Api];
  const each = await Promise.all(apis.map((a) => a.prom<TargetsData>('/api/v1/targets?state=active')));
  return each.flatMap((t, server) => t.activeTargets.map((x) => ({ job: x.labels['job'] ?? '', instance: x.labels['instance'] ?? '', health: x.health, lastError: x.lastError, lastScrape: x.lastScrape, scrapeUrl: x.scrapeUrl, scrapeInterval: x.scrapeInterval ?? '', server })));
}

const selectorEscape = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/**
 * The series of one target's latest scrape: a range selector of one second ending at the scrape's own timestamp.
 * Range selectors skip staleness markers, and the scrape before is at least one interval (>= 1 s) earlier, so
 * exactly the series of that scrape come back, however much older data the TSDB keeps.
 */
async function latestScrapeSeries(api: Api, t: LiveTarget, into: SeriesLabels): Promise<void> {
  const ms = Date.parse(t.lastScrape);
  if (!Number.isFinite(ms) || ms <= 0) return;
  // lastScrape has nanoseconds, the samples the millisecond: query half a millisecond later so both round the same way.
  const time = ((ms + 0.5) / 1000).toFixed(4);
  const expr = `{job="${selectorEscape(t.job)}",instance="${selectorEscape(t.instance)}"}[1s]`;
  const r = await api.prom<{ result: { metric: Record<string, string> }[] }>(`/api/v1/query?query=${encodeURIComponent(expr)}&time=${time}`);
  for (const s of r.result) {
    const name = s.metric['__name__'];
    if (!name) continue;
    let labels = into.get(name);
    if (!labels) into.set(name, (labels = new Set()));
    for (const l of Object.keys(s.metric)) if (l !== '__name__') labels.add(l);
  }
}

/** What the catalog's targets expose now; with several servers (one per shard), the union of their shares. */
export async function liveView(api: Api | readonly Api[], jobs: readonly string[]): Promise<LiveView> {
  const apis = Array.isArray(api) ? (api as readonly Api[]) : [api as Api];
  const targets = await liveTargets(apis);
  const ours = targets.filter((t) => jobs.includes(t.job));
  const metadata = new Map<string, MetadataEntry>();
  const series: SeriesLabels = new Map();
  await Promise.all([
    ...apis.flatMap((a) =>
      jobs.map(async (job) => {
        const md = await a.prom<{ metric: string; type: string; help: string }[]>(`/api/v1/targets/metadata?match_target=${encodeURIComponent(`{job="${selectorEscape(job)}"}`)}`);
        for (const m of md) if (!metadata.has(m.metric)) metadata.set(m.metric, { type: m.type, help: m.help });
      }),
    ),
    ...ours.filter((t) => t.health === 'up').map((t) => latestScrapeSeries(apis[t.server]!, t, series)),
  ]);
  return { targets, metadata, series };
}
