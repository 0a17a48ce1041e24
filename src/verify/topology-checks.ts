// verify's checks of a stack past one Prometheus: the global view deduplicates the replicas, each shard scrapes
// its share of the targets, the Alertmanager peers form one cluster, a drill alert fired by both replicas is
// notified exactly once, and (with --failover) the same holds with one replica and one peer killed.
import { writeFile, rename } from 'node:fs/promises';
import type { Catalog } from '../model/catalog.js';
import { DRILL_ALERT, DRILL_LABEL } from '../emit/alertmanager.js';
import { SHARD_LABEL } from '../model/topology.js';
import type { DrillWebhook, Notification } from './drill-webhook.js';
import { startDrillWebhook } from './drill-webhook.js';
import { hashmod } from './hashmod.js';
import { parseDuration } from '../util/duration.js';
import { Api } from './http.js';
import type { LiveTarget } from './live.js';
import { liveTargets } from './live.js';
import type { Attempt, CheckResult, CheckRunner } from './verify.js';

export interface VerifyServer {
  name: string;
  url: string;
  shard: number;
  replica: number;
  /** The config file it should run (the runtime's copy). */
  config: string;
}

export interface VerifyTopology {
  servers: VerifyServer[];
  alertmanagers: { name: string; url: string }[];
  /** The global query view (VictoriaMetrics), when the topology has one. */
  globalUrl?: string;
  shards: number;
  replicas: number;
  /** The notification drill; only in a stack `up` runs natively (it owns the drill target and route). */
  drill?: {
    webhookPort: number;
    /** The file_sd file of the drill job. */
    targetsFile: string;
    /** Alertmanager's --cluster.peer-timeout: a peer's wait per position before it notifies in place of another. */
    peerTimeoutMs: number;
    /** Run the failure case: stop one Prometheus replica and one Alertmanager peer. */
    failover: boolean;
    /** Kills a component of the stack (SIGKILL, only while its pid is the process `up` started). */
    kill(component: string): Promise<void>;
  };
}

interface Context {
  catalog: Catalog;
  check: CheckRunner;
  /** One Api per server, in the order of topology.servers. */
  servers: Api[];
  /** The replica-0 server of each shard. */
  shardApis: Api[];
  jobs: string[];
}

/** A literal inside a PromQL regex matcher's double-quoted string: escaped for RE2, then for the string. */
const regexEscape = (v: string) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\/g, '\\\\').replace(/"/g, '\\"');
const addressOf = (t: LiveTarget) => new URL(t.scrapeUrl).host;
const NAME_COPY = 'devskyy_mon_series_name';
type Vector = { metric: Record<string, string>; value: [number, string] }[];

export function topologyChecks(topo: VerifyTopology, ctx: Context) {
  const { catalog, check } = ctx;
  const ns = catalog.namespace;
  const global = topo.globalUrl ? new Api(topo.globalUrl, topo.alertmanagers[0]!.url) : undefined;
  /** An instant query; `lookbackS` bounds how far back VictoriaMetrics looks for a series' last sample (its `step`; 5 m by default). */
  const query = (api: Api, expr: string, lookbackS?: number) => api.prom<{ result: Vector }>(`/api/v1/query?query=${encodeURIComponent(expr)}${lookbackS ? `&step=${lookbackS}s` : ''}`).then((d) => d.result);
  const peerApis = topo.alertmanagers.map((p) => ({ name: p.name, api: new Api(topo.servers[0]!.url, p.url) }));
  let webhook: DrillWebhook | undefined;
  // Each run's rounds are new alerts: Alertmanager remembers what it notified for a day (the drill route's repeat_interval).
  const runId = Date.now().toString(36);
  const round = (name: string) => `${name}-${runId}`;

  /** The catalog's targets as the shards scrape them now (the drill target aside). */
  const catalogTargets = async () => (await liveTargets(ctx.shardApis)).filter((t) => ctx.jobs.includes(t.job) || t.job === 'prometheus');

  const globalView = () =>
    check('global-view', 'through the global view every catalog series is present exactly once (replicas deduplicated)', async (): Promise<Attempt> => {
      if (!global) return { ok: true, final: true, detail: 'no global view in this topology', warnings: ['the store is not VictoriaMetrics: nothing deduplicates the replicas here'] };
      const targets = (await catalogTargets()).filter((t) => ctx.jobs.includes(t.job) && t.health === 'up');
      if (!targets.length) return { ok: false, detail: 'waiting for the shards to scrape the catalog\'s targets' };
      // Only the targets scraped now: series of an earlier run (other ports) in either store play no part.
      const selector = `{__name__=~"${ns}_.+",instance=~"${targets.map((t) => regexEscape(t.instance)).join('|')}"}`;
      // The global view is read as of the last few scrapes: what an earlier configuration wrote fades out of it.
      const intervalS = Math.max(1, ...targets.map((t) => parseDuration(t.scrapeInterval) ?? 1));
      const fresh = 3 * intervalS;
      const names = async (api: Api) => new Map((await query(api, `count by (__name__) (${selector})`, api === global ? fresh : undefined)).map((s) => [s.metric['__name__'] ?? '', Number(s.value[1])]));
      const onShards = new Map<string, number>();
      for (const m of await Promise.all(ctx.shardApis.map(names))) for (const [n, c] of m) onShards.set(n, (onShards.get(n) ?? 0) + c);
      const inView = await names(global);
      const missing = [...onShards.keys()].filter((n) => !inView.has(n)).sort();
      if (missing.length) return { ok: false, detail: `not in the global view yet: ${missing.slice(0, 6).join(', ')}${missing.length > 6 ? ` (+${missing.length - 6} more)` : ''}` };
      // Exactly once: no two series that differ only in the labels each server adds (replica, shard, monitor).
      // (An aggregation drops the metric name: a copy of it in an ordinary label keeps series of different names apart.)
      const twice = await query(global, `count without (${[catalog.topology.replicaLabel, SHARD_LABEL, 'monitor'].join(', ')}) (label_replace(${selector}, "${NAME_COPY}", "$1", "__name__", "(.+)")) > 1`, fresh);
      if (twice.length) {
        const shown = twice.slice(0, 4).map((s) => `${s.metric[NAME_COPY] ?? '?'}{instance="${s.metric['instance'] ?? ''}"} x${s.value[1]}`);
        return { ok: false, detail: `${twice.length} series are in the global view more than once (replicas not deduplicated): ${shown.join('; ')}` };
      }
      // Samples: both replicas write every scrape; deduplicated, a target has one sample per scrape interval.
      const windowS = Math.round(10 * intervalS);
      const counts = (await query(global, `count_over_time(up{instance=~"${targets.map((t) => regexEscape(t.instance)).join('|')}"}[${windowS}s])`)).map((s) => Number(s.value[1]));
      const most = Math.max(...counts);
      const least = Math.min(...counts);
      if (most > windowS / intervalS + 1) return { ok: false, detail: `up has ${most} samples in ${windowS}s at a ${intervalS}s interval: the replicas' samples are not deduplicated` };
      if (least < (windowS / intervalS) * 0.5) return { ok: false, detail: `waiting for ${windowS}s of samples in the global view to tell duplicates apart (${least} so far)` };
      return { ok: true, detail: `${onShards.size} series names of the shards' ${targets.length} targets, every series once (${[...inView.values()].reduce((a, b) => a + b, 0)} series); up: at most ${most} samples per ${windowS}s (one per ${intervalS}s scrape, ${topo.replicas} replicas writing)` };
    });

  const shardShare = () =>
    check('shard-share', `each of the ${topo.shards} shards scrapes only its share of the targets (hashmod of __address__)`, async (): Promise<Attempt> => {
      const perServer = await Promise.all(ctx.servers.map((a) => liveTargets(a)));
      const problems: string[] = [];
      const owners = new Map<string, Set<number>>();
      perServer.forEach((targets, i) => {
        const s = topo.servers[i]!;
        for (const t of targets.filter((x) => ctx.jobs.includes(x.job) || x.job === 'prometheus')) {
          const address = addressOf(t);
          const want = hashmod(address, topo.shards);
          if (want !== s.shard) problems.push(`${s.name} (shard ${s.shard}) scrapes ${t.job} ${address}, which hashes to shard ${want}`);
          const set = owners.get(`${t.job} ${address}`) ?? new Set<number>();
          set.add(s.shard);
          owners.set(`${t.job} ${address}`, set);
        }
      });
      const shardOf = new Map<number, number>();
      for (const set of owners.values()) for (const s of set) shardOf.set(s, (shardOf.get(s) ?? 0) + 1);
      const missing = ctx.jobs.filter((j) => ![...owners.keys()].some((k) => k.startsWith(`${j} `)));
      if (missing.length) return { ok: false, detail: `no shard scrapes ${missing.join(', ')} yet` };
      // Replicas of a shard scrape the same targets.
      for (let shard = 0; shard < topo.shards; shard++) {
        const sets = perServer.map((ts, i) => ({ i, ts })).filter((x) => topo.servers[x.i]!.shard === shard).map((x) => x.ts.filter((t) => ctx.jobs.includes(t.job) || t.job === 'prometheus').map((t) => `${t.job} ${addressOf(t)}`).sort().join(','));
        if (new Set(sets).size > 1) problems.push(`the replicas of shard ${shard} scrape different targets`);
      }
      const spread = Array.from({ length: topo.shards }, (_, s) => `shard ${s}: ${shardOf.get(s) ?? 0}`).join(', ');
      const idle = Array.from({ length: topo.shards }, (_, s) => s).filter((s) => !shardOf.get(s));
      return {
        ok: !problems.length,
        detail: problems.length ? problems.slice(0, 5).join('; ') : `${owners.size} targets, each scraped by exactly the shard its address hashes to (${spread})`,
        ...(idle.length && !problems.length ? { warnings: [`shard ${idle.join(', ')} has no target: ${owners.size} targets over ${topo.shards} shards`] } : {}),
      };
    });

  const cluster = () =>
    check(
      'alertmanager-cluster',
      `the ${topo.alertmanagers.length} Alertmanager peers form one cluster`,
      async (): Promise<Attempt> => {
        const problems: string[] = [];
        for (const p of peerApis) {
          const s = await p.api.am<{ cluster: { status: string; peers?: { name: string; address: string }[] } }>('/api/v2/status');
          const n = s.cluster.peers?.length ?? 0;
          if (s.cluster.status !== 'ready' || n !== topo.alertmanagers.length) problems.push(`${p.name}: cluster ${s.cluster.status}, ${n} of ${topo.alertmanagers.length} peers`);
        }
        return { ok: !problems.length, detail: problems.length ? problems.join('; ') : `every peer reports the cluster ready with all ${topo.alertmanagers.length} peers` };
      },
      ['alertmanager'],
    );

  /** Points the drill target at verify's endpoint, with the round's name as its `drill` label. */
  const writeTargets = async (groups: unknown[]) => {
    const d = topo.drill!;
    const tmp = `${d.targetsFile}.${process.pid}.tmp`;
    await writeFile(tmp, JSON.stringify(groups, null, 2) + '\n');
    await rename(tmp, d.targetsFile);
  };
  const startRound = async (round: string) => {
    webhook ??= await startDrillWebhook(topo.drill!.webhookPort);
    await writeTargets([{ targets: [`127.0.0.1:${topo.drill!.webhookPort}`], labels: { [DRILL_LABEL]: round } }]);
  };
  /** Ends the drill: no target left that nobody serves. */
  const stopDrill = async () => {
    if (!webhook) return;
    await writeTargets([]);
    await webhook.close();
    webhook = undefined;
  };
  const drillShard = () => hashmod(`127.0.0.1:${topo.drill!.webhookPort}`, topo.shards);

  /**
   * One drill round: the drill alert fires on every live replica of the shard that scrapes the drill target, then
   * exactly one notification of the round arrives and no second one within the time a later peer would take to send
   * in place of an earlier one ((peers - 1) x peer timeout, plus one more for gossip).
   */
  const notifyOnce = (id: string, title: string, round: string, liveReplicas: () => number[]) => {
    // Deduplication is proven only once every live replica has fired (the first one alone is notified at once):
    // the replicas seen firing are gathered over the attempts, and the duplicate window starts when all have.
    const firedEver = new Set<string>();
    let allFiredAt = 0;
    return check(
      id,
      title,
      async (): Promise<Attempt> => {
        if (!webhook) await startRound(round);
        const shard = drillShard();
        const replicas = liveReplicas();
        const firing: string[] = [];
        for (const i of replicas) {
          const alerts = await ctx.servers[i]!.prom<{ alerts: { labels: Record<string, string>; state: string }[] }>('/api/v1/alerts');
          if (alerts.alerts.some((a) => a.labels['alertname'] === DRILL_ALERT && a.labels[DRILL_LABEL] === round && a.state === 'firing')) firing.push(topo.servers[i]!.name);
        }
        const mine = (n: Notification) => n.groupLabels[DRILL_LABEL] === round;
        const got = webhook!.notifications.filter(mine);
        if (!got.length) {
          if (firing.length < replicas.length) return { ok: false, detail: `waiting for ${replicas.map((i) => topo.servers[i]!.name).join(' and ')} (shard ${shard}, which scrapes the drill target) to fire ${DRILL_ALERT}{${DRILL_LABEL}="${round}"}: firing on ${firing.length}` };
          return { ok: false, detail: `${DRILL_ALERT}{${DRILL_LABEL}="${round}"} fires on ${firing.join(' and ')}; waiting for the Alertmanager cluster to notify the webhook` };
        }
        for (const name of firing) firedEver.add(name);
        const windowMs = topo.alertmanagers.length * topo.drill!.peerTimeoutMs;
        const alerts = got.flatMap((n) => n.alerts);
        if (got.length > 1 || alerts.length !== 1) return { ok: false, final: true, detail: `${got.length} notifications of round ${round} with ${alerts.length} alerts, expected exactly one notification of one alert` };
        const waitingFor = replicas.map((i) => topo.servers[i]!.name).filter((n) => !firedEver.has(n));
        if (waitingFor.length) return { ok: false, detail: `notified once; waiting for ${waitingFor.join(' and ')} to fire too (deduplication is not proven until every replica has sent the alert)` };
        allFiredAt ||= Date.now();
        const left = allFiredAt + windowMs - Date.now();
        if (left > 0) return { ok: false, detail: `notified once, fired by ${[...firedEver].join(' and ')}; watching ${Math.ceil(left / 1000)}s more for a duplicate (${topo.alertmanagers.length} peers x ${topo.drill!.peerTimeoutMs / 1000}s peer timeout)` };
        return { ok: true, detail: `fired by ${[...firedEver].join(' and ')}, notified exactly once by the cluster (no duplicate within ${windowMs / 1000}s)` };
      },
      ['prometheus', 'alertmanager'],
    );
  };

  const ownerReplicas = () => topo.servers.map((s, i) => ({ s, i })).filter((x) => x.s.shard === drillShard()).map((x) => x.i);

  return {
    /** The checks of a healthy topology. */
    async steady(): Promise<CheckResult[]> {
      const all = [globalView(), ...(topo.shards > 1 ? [shardShare()] : []), ...(topo.alertmanagers.length > 1 ? [cluster()] : []), ...(topo.drill ? [notifyOnce('alert-notify-once', 'an alert fired by both replicas reaches the Alertmanager cluster and is notified exactly once', round('steady'), ownerReplicas)] : [])];
      return Promise.all(all);
    },

    /** The failure case: one Prometheus replica (of the drill's shard) and one Alertmanager peer killed. */
    async failover(): Promise<CheckResult[]> {
      const d = topo.drill!;
      try {
        const owners = ownerReplicas();
        // Only a redundant part can fail without taking the stack down: a replica when the shard has two or more,
        // a peer when the cluster has two or more.
        const victim = owners.length > 1 ? topo.servers[owners[owners.length - 1]!]! : undefined;
        const deadPeer = topo.alertmanagers.length > 1 ? topo.alertmanagers[0]! : undefined;
        const killed = [victim, deadPeer].flatMap((c) => (c ? [c.name] : []));
        if (!killed.length) {
          return [await check('failover-samples', 'a Prometheus replica or an Alertmanager peer can fail', () => Promise.resolve({ ok: false, final: true, detail: `this topology has no redundant part to fail (${owners.length} replica(s) of the drill's shard, ${topo.alertmanagers.length} Alertmanager peer(s)): the failure case needs 2 or more of either` }))];
        }
        for (const name of killed) await d.kill(name);
        const killedAt = Date.now();
        const what = killed.join(' and ');
        const liveServers = ctx.servers.filter((_, i) => topo.servers[i]!.name !== victim?.name);
        const results: CheckResult[] = [];
        results.push(
          await check('failover-samples', `with ${what} killed, the global view keeps receiving samples of every target`, async (): Promise<Attempt> => {
            if (!global) return { ok: true, final: true, detail: 'no global view in this topology' };
            const targets = (await liveTargets(liveServers)).filter((t) => ctx.jobs.includes(t.job) || t.job === 'prometheus');
            const instances = [...new Set(targets.map((t) => t.instance))];
            // Five scrape intervals after the kill, every target has samples from at least half of those scrapes.
            const intervalS = Math.max(1, ...targets.map((t) => parseDuration(t.scrapeInterval) ?? 1));
            const since = Math.floor((Date.now() - killedAt) / 1000);
            if (since < 5 * intervalS) return { ok: false, detail: `watching the global view for ${5 * intervalS}s after the kill (${since}s so far)` };
            const counts = new Map((await query(global, `count_over_time(up{instance=~"${instances.map(regexEscape).join('|')}"}[${since}s])`)).map((s) => [s.metric['instance'] ?? '', Number(s.value[1])]));
            const behind = instances.filter((i) => (counts.get(i) ?? 0) < (since / intervalS) * 0.5);
            return behind.length
              ? { ok: false, detail: `${behind.length} targets with fewer than ${Math.ceil((since / intervalS) * 0.5)} samples since the kill: ${behind.join(', ')}` }
              : { ok: true, detail: `${instances.length} targets, each with ${Math.min(...counts.values())} or more samples in the ${since}s since the kill (${intervalS}s scrapes)` };
          }),
        );
        await startRound(round('failover'));
        results.push(await notifyOnce('failover-notify-once', `with ${what} killed, an alert is still notified exactly once`, round('failover'), () => ownerReplicas().filter((i) => topo.servers[i]!.name !== victim?.name)));
        return results;
      } finally {
        await stopDrill();
      }
    },

    close: stopDrill,
  };
}
