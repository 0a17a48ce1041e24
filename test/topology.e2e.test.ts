// The DevSkyy HA catalog on real engines: 4 Prometheus servers (2 shards x 2 replicas), a 3-peer Alertmanager
// cluster and VictoriaMetrics from Debian, on 127.0.0.1 with free ports; verify with the failure case; then down.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { pidsWithEnv } from '../src/runtime/processes.js';
import { STATE_ENV } from '../src/runtime/state.js';
import { BIN, ROOT, stopStacksAfterEach, tempDir } from './support/helpers.js';

const which = (b: string) => spawnSync('sh', ['-c', `command -v ${b}`], { encoding: 'utf8' }).stdout.trim();
const HA = join(ROOT, 'stacks', 'devskyy-ha', 'catalog.yaml');
const stacks = stopStacksAfterEach((dir) => cli(['down'], dir));

/** The CLI with a hang guard only: a healthy run ends long before it (the stack waits for conditions, not time). */
async function cli(args: string[], cwd: string, env: Record<string, string> = { PATH: process.env['PATH']! }) {
  const r = await execa('node', [BIN, ...args], { cwd, env, reject: false, timeout: 900_000 });
  return { code: r.exitCode ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}


function haDir(): string {
  const dir = tempDir('ha-');
  stacks.push(dir);
  copyFileSync(HA, join(dir, 'catalog.yaml'));
  return dir;
}

describe.skipIf(!which('victoria-metrics'))('devskyy-ha natively: replicas, shards, an Alertmanager cluster and VictoriaMetrics', () => {
  it('comes up with --ports auto, verifies every check including the failure case, shows the cluster, and down leaves nothing', async () => {
    const dir = haDir();
    const up = await cli(['up', '--runtime', 'native', '--fast', '--ports', 'auto', '--timeout', '240'], dir);
    expect(up.code, up.stdout + up.stderr).toBe(0);
    for (const id of ['targets-up', 'metric-families', 'metric-labels', 'rules-healthy', 'rules-current', 'config-current', 'alert-expressions', 'panel-queries', 'alert-pipeline', 'global-view', 'alertmanager-cluster', 'alert-notify-once']) expect(up.stdout).toMatch(new RegExp(`PASS {2}${id}`));
    // With --ports auto the targets' addresses, and so their hashmod shares, differ every run: all 7 land on one of
    // the 2 shards about once in 64 runs, which verify reports as a warning ("shard 0 has no target"). Each target
    // scraped by exactly its shard is checked either way.
    expect(up.stdout).toMatch(/(PASS|WARN) {2}shard-share .*7 targets, each scraped by exactly the shard its address hashes to/);
    expect(up.stdout).not.toMatch(/FAIL {2}shard-share/);
    // Deduplication is proven only when both replicas of the drill's shard fired.
    expect(up.stdout).toMatch(/PASS {2}alert-notify-once .*fired by prometheus-\d-\d and prometheus-\d-\d, notified exactly once/);

    const status = JSON.parse((await cli(['status', '--format', 'json'], dir)).stdout) as { components: { name: string; state: string; health: string }[]; alertmanagerCluster: { name: string; status: string; peers: string[] }[]; targets: { server: string; job: string }[] | null };
    // Every server's targets, each marked with the server that scrapes it.
    expect(new Set(status.targets?.map((t) => t.server))).toEqual(new Set(['prometheus-0-0', 'prometheus-0-1', 'prometheus-1-0', 'prometheus-1-1']));
    const running = status.components.filter((c) => c.state === 'running').map((c) => c.name).sort();
    expect(running).toEqual(['alertmanager-0', 'alertmanager-1', 'alertmanager-2', 'exporter:devskyy', 'exporter:devskyy-eu', 'exporter:devskyy-us', 'prometheus-0-0', 'prometheus-0-1', 'prometheus-1-0', 'prometheus-1-1', 'victoriametrics']);
    expect(status.alertmanagerCluster.map((p) => `${p.name} ${p.status} ${p.peers.length}`)).toEqual(['alertmanager-0 ready 3', 'alertmanager-1 ready 3', 'alertmanager-2 ready 3']);

    // global-view can fail: replicas writing their replica label to the store are two series, not one.
    const state = JSON.parse(readFileSync(join(dir, '.devskyy-mon', 'state.json'), 'utf8')) as { components: { name: string; url: string }[] };
    for (const c of state.components.filter((x) => /^prometheus-\d-1$/.test(x.name))) {
      const file = join(dir, '.devskyy-mon', 'prometheus', `${c.name}.yml`);
      const cfg = parse(readFileSync(file, 'utf8')) as { remote_write: Record<string, unknown>[] };
      delete cfg.remote_write[0]!['write_relabel_configs'];
      writeFileSync(file, stringify(cfg));
      expect((await fetch(`${c.url}/-/reload`, { method: 'POST' })).status).toBe(200);
    }
    // Wait until the replicas' labelled samples have reached the store (remote_write batches them).
    const vm = state.components.find((c) => c.name === 'victoriametrics')!.url;
    for (;;) {
      const r = (await (await fetch(`${vm}/api/v1/query?query=${encodeURIComponent('count({replica!=""})')}&step=3s`)).json()) as { data: { result: unknown[] } };
      if (r.data.result.length) break;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const broken = await cli(['verify', '--format', 'json', '--timeout', '20'], dir);
    expect(broken.code).toBe(1);
    const dedup = (JSON.parse(broken.stdout) as { checks: { id: string; ok: boolean; detail: string }[] }).checks.find((c) => c.id === 'global-view')!;
    expect(dedup.ok).toBe(false);
    expect(dedup.detail).toMatch(/more than once \(replicas not deduplicated\)/);
    // up on the running stack brings the runtime's copies back and reloads every server.
    const again = await cli(['up', '--runtime', 'native', '--fast', '--ports', 'auto', '--no-verify'], dir);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/already up \(native\); applied what changed: prometheus reloaded \(prometheus-0-1\.yml, prometheus-1-1\.yml changed\)/);

    const verify = await cli(['verify', '--failover', '--format', 'json', '--timeout', '240'], dir);
    const checks = (JSON.parse(verify.stdout) as { ok: boolean; checks: { id: string; ok: boolean; detail: string }[] }).checks;
    expect(verify.code, JSON.stringify(checks.filter((c) => !c.ok))).toBe(0);
    const byId = new Map(checks.map((c) => [c.id, c]));
    expect(byId.get('failover-samples')?.ok).toBe(true);
    expect(byId.get('failover-notify-once')?.detail).toContain('notified exactly once');
    expect(byId.get('global-view')?.detail).toMatch(/every series once/);

    // The failure case left one replica and one peer dead; the cluster shows it.
    const after = JSON.parse((await cli(['status', '--format', 'json'], dir)).stdout) as { components: { name: string; state: string }[]; alertmanagerCluster: { name: string; peers: string[] }[] };
    const stopped = after.components.filter((c) => c.state === 'stopped').map((c) => c.name).sort();
    expect(stopped).toHaveLength(2);
    expect(stopped[0]).toBe('alertmanager-0');
    expect(stopped[1]).toMatch(/^prometheus-\d-1$/);
    for (const p of after.alertmanagerCluster) expect(p.peers, p.name).toHaveLength(2);

    const down = await cli(['down'], dir);
    expect(down.code).toBe(0);
    expect(await pidsWithEnv(STATE_ENV, join(dir, '.devskyy-mon'))).toEqual([]);
  }, 1_800_000);

  it('without victoria-metrics on PATH: exit 2 with the apt-get command, nothing started', async () => {
    const dir = haDir();
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    symlinkSync(process.execPath, join(bin, 'node'));
    symlinkSync(which('prometheus'), join(bin, 'prometheus'));
    symlinkSync(which('prometheus-alertmanager') || which('alertmanager'), join(bin, 'alertmanager'));
    const r = await cli(['up', '--runtime', 'native', '--ports', 'auto', '--no-verify'], dir, { PATH: bin });
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toContain('victoria-metrics not found on PATH');
    expect(r.stderr).toContain('apt-get install -y victoria-metrics');
    expect(existsSync(join(dir, '.devskyy-mon', 'state.json'))).toBe(false);
    expect(await pidsWithEnv(STATE_ENV, join(dir, '.devskyy-mon'))).toEqual([]);
  });
});
