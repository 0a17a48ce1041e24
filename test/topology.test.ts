// The topology section: validated with positions, defaults that keep today's single stack, and the same topology in
// prometheus.yml (every server), Compose and the prometheus-operator objects, each checked by its own tool.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { Alertmanager, Prometheus, PrometheusRule } from '@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1';
import { StatefulSet } from 'kubernetes-models/apps/v1';
import { ConfigMap, Service } from 'kubernetes-models/v1';
import { validateCatalog } from '../src/load/load-catalog.js';
import { generate } from '../src/generate.js';
import { hashmod } from '../src/verify/hashmod.js';
import { prometheusInstances } from '../src/model/topology.js';
import { DEVSKYY, ROOT, expectGolden, positionOf, tempDir, writeTree } from './support/helpers.js';

const HA = join(ROOT, 'stacks', 'devskyy-ha', 'catalog.yaml');
const haText = readFileSync(HA, 'utf8');
const which = (b: string) => spawnSync('sh', ['-c', `command -v ${b}`], { encoding: 'utf8' }).stdout.trim();

const withTopology = (topology: string) => readFileSync(DEVSKYY, 'utf8').replace('\nkubernetes:\n', `\ntopology:\n${topology}\nkubernetes:\n`);

describe('topology in the catalog', () => {
  it('defaults to the single stack: one Prometheus and one Alertmanager, nothing written remotely', () => {
    const c = validateCatalog(DEVSKYY, readFileSync(DEVSKYY, 'utf8')).catalog!;
    expect(c.topology).toEqual({ replicas: 1, replicaLabel: 'replica', shards: 1, alertmanagerPeers: 1, remoteWrite: [] });
    expect(prometheusInstances(c.topology).map((i) => i.name)).toEqual(['prometheus']);
  });

  it('the DevSkyy HA catalog: 2 replicas x 2 shards, 3 peers, VictoriaMetrics, and the DevSkyy catalog otherwise', () => {
    const r = validateCatalog(HA, haText);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const c = r.catalog!;
    expect(prometheusInstances(c.topology).map((i) => `${i.name} ${JSON.stringify(i.externalLabels)}`)).toEqual([
      'prometheus-0-0 {"replica":"0","shard":"0"}',
      'prometheus-0-1 {"replica":"1","shard":"0"}',
      'prometheus-1-0 {"replica":"0","shard":"1"}',
      'prometheus-1-1 {"replica":"1","shard":"1"}',
    ]);
    expect(c.topology.alertmanagerPeers).toBe(3);
    expect(c.topology.store?.engine).toBe('victoriametrics');
    const base = validateCatalog(DEVSKYY, readFileSync(DEVSKYY, 'utf8')).catalog!;
    const strip = (x: unknown) => JSON.stringify(x, (k, v: unknown) => (k === 'path' ? undefined : v));
    expect(strip(c.metrics)).toBe(strip(base.metrics));
    expect(strip(c.alerts)).toBe(strip(base.alerts));
    expect(c.services.map((s) => s.name)).toEqual(['devskyy', 'devskyy-eu', 'devskyy-us']);
  });

  it.each([
    { name: 'shards: 0', topology: '  prometheus:\n    shards: 0', check: 'schema-minimum', at: '0' },
    { name: 'an unknown store engine', topology: '  store:\n    engine: mimir', check: 'schema-enum', at: 'mimir' },
    { name: 'a replica label the metrics use', topology: '  prometheus:\n    replicas: 2\n    replica_label: model_name', check: 'topology/replica-label', at: 'model_name\n' },
    { name: 'a replica label every series has', topology: '  prometheus:\n    replica_label: instance', check: 'topology/replica-label', at: 'instance\n' },
    { name: 'the store on Prometheus\' port', topology: '  store:\n    engine: victoriametrics\n    port: 9090', check: 'topology/store-port', at: '9090\n' },
    { name: 'a remote_write URL that is not http', topology: '  remote_write:\n    - url: ftp://x.example/write', check: 'topology/remote-write-url', at: 'ftp://x' },
    { name: 'two remote_write targets of one name', topology: '  remote_write:\n    - { name: lts, url: "https://a.example/w" }\n    - { name: lts, url: "https://b.example/w" }', check: 'topology/remote-write-name', at: 'lts, url: "https://b' },
  ])('rejects $name with file:line:col', ({ topology, check, at }) => {
    const text = withTopology(topology);
    const r = validateCatalog(DEVSKYY, text);
    const d = r.diagnostics.find((x) => x.check.startsWith(check.startsWith('schema') ? 'schema' : check));
    expect(d, JSON.stringify(r.diagnostics.map((x) => `${x.check} ${x.message}`))).toBeDefined();
    expect(d!.severity).toBe('error');
    const want = positionOf(text, at, text.slice(0, text.indexOf('\ntopology:')).split(at).length - 1);
    expect({ line: d!.start?.line, column: d!.start?.column }).toEqual(want);
  });
});

describe('the topology in every generated output', () => {
  const load = () => validateCatalog(HA, haText).catalog!;

  it('one prometheus.yml per server: replica and shard external labels, hashmod keep rule, alerts without the replica, remote_write to the store without it', async () => {
    const artifacts = await generate(load(), { target: 'compose' });
    const byPath = new Map(artifacts.map((a) => [a.path, a.content]));
    expect(byPath.has('prometheus/prometheus.yml')).toBe(false);
    for (const i of prometheusInstances(load().topology)) {
      const content = byPath.get(`prometheus/${i.name}.yml`)!;
      expectGolden(`devskyy-ha/prometheus/${i.name}.yml`, content);
      const cfg = parse(content) as { global: { external_labels: Record<string, string> }; alerting: { alert_relabel_configs: unknown[] }; scrape_configs: { job_name: string; relabel_configs: { action: string; regex?: string; modulus?: number }[] }[]; remote_write: { url: string; write_relabel_configs: unknown[] }[] };
      expect(cfg.global.external_labels).toEqual({ monitor: 'devskyy', replica: String(i.replica), shard: String(i.shard) });
      expect(cfg.alerting.alert_relabel_configs).toEqual([{ action: 'labeldrop', regex: 'replica' }]);
      for (const job of cfg.scrape_configs) expect(job.relabel_configs, job.job_name).toEqual([{ source_labels: ['__address__'], modulus: 2, target_label: '__tmp_hash', action: 'hashmod' }, { source_labels: ['__tmp_hash'], regex: String(i.shard), action: 'keep' }]);
      expect(cfg.remote_write[0]).toMatchObject({ url: 'http://127.0.0.1:8428/api/v1/write', write_relabel_configs: [{ action: 'labeldrop', regex: 'replica' }], queue_config: { capacity: 10000, max_shards: 10 } });
    }
    expectGolden('devskyy-ha/docker-compose.yml', byPath.get('docker-compose.yml')!);
    expectGolden('devskyy-ha/prometheus/compose-prometheus-0-0.yml', byPath.get('prometheus/compose-prometheus-0-0.yml')!);
    expect(parse(byPath.get('prometheus/targets/alertmanager.json')!)).toEqual([{ targets: ['127.0.0.1:9093', '127.0.0.1:10093', '127.0.0.1:11093'], labels: {} }]);
  });

  it('promtool accepts every server\'s config and docker-compose the Compose file', async () => {
    const dir = tempDir('topology-');
    const artifacts = await generate(load(), { target: 'compose' });
    writeTree(dir, { ...Object.fromEntries(artifacts.map((a) => [a.path, a.content])), '.env': 'GRAFANA_ADMIN_PASSWORD=test\n' });
    for (const a of artifacts.filter((x) => /^prometheus\/(compose-)?prometheus-\d-\d\.yml$/.test(x.path))) {
      const r = spawnSync('promtool', ['check', 'config', join(dir, a.path)], { encoding: 'utf8' });
      expect(r.status, `${a.path}: ${r.stdout}${r.stderr}`).toBe(0);
    }
    if (which('docker-compose')) {
      const r = spawnSync('docker-compose', ['-f', join(dir, 'docker-compose.yml'), 'config'], { encoding: 'utf8', cwd: dir });
      expect(r.status, r.stderr).toBe(0);
      const services = Object.keys((parse(r.stdout) as { services: Record<string, unknown> }).services);
      expect(services).toEqual(expect.arrayContaining(['prometheus-0-0', 'prometheus-0-1', 'prometheus-1-0', 'prometheus-1-1', 'alertmanager-0', 'alertmanager-1', 'alertmanager-2', 'victoriametrics']));
      const am1 = (parse(r.stdout) as { services: Record<string, { command: string[] }> }).services['alertmanager-1']!.command;
      expect(am1).toEqual(expect.arrayContaining(['--cluster.listen-address=0.0.0.0:9094', '--cluster.peer=alertmanager-0:9094', '--cluster.peer=alertmanager-2:9094']));
    }
  });

  it('Kubernetes: Prometheus with replicas, shards and remoteWrite, Alertmanager with replicas, VictoriaMetrics; all validate; rules identical', async () => {
    const artifacts = await generate(load(), { target: 'kubernetes' });
    const byPath = new Map(artifacts.map((a) => [a.path, a.content]));
    for (const f of ['prometheus.yaml', 'alertmanager.yaml', 'victoriametrics-statefulset.yaml', 'victoriametrics-service.yaml', 'grafana-datasource-global-view.yaml']) expectGolden(`devskyy-ha-kubernetes/${f}`, byPath.get(`kubernetes/${f}`)!);
    const prom = parse(byPath.get('kubernetes/prometheus.yaml')!) as ConstructorParameters<typeof Prometheus>[0];
    expect(() => new Prometheus(prom).validate()).not.toThrow();
    expect(prom!.spec).toMatchObject({ replicas: 2, shards: 2, replicaExternalLabelName: 'replica', remoteWrite: [{ url: 'http://devskyy-victoriametrics.monitoring.svc:8428/api/v1/write' }] });
    const am = parse(byPath.get('kubernetes/alertmanager.yaml')!) as ConstructorParameters<typeof Alertmanager>[0];
    expect(() => new Alertmanager(am).validate()).not.toThrow();
    expect(am!.spec!.replicas).toBe(3);
    expect(() => new StatefulSet(parse(byPath.get('kubernetes/victoriametrics-statefulset.yaml')!) as never).validate()).not.toThrow();
    expect(() => new Service(parse(byPath.get('kubernetes/victoriametrics-service.yaml')!) as never).validate()).not.toThrow();
    // Dashboards default to the global view's datasource, which a ConfigMap provisions through Grafana's sidecar.
    const ds = parse(byPath.get('kubernetes/grafana-datasource-global-view.yaml')!) as { metadata: { labels: Record<string, string> }; data: Record<string, string> };
    expect(() => new ConfigMap(ds as never).validate()).not.toThrow();
    expect(ds.metadata.labels['grafana_datasource']).toBe('1');
    expect(parse(ds.data['global-view.yaml']!)).toMatchObject({ datasources: [{ type: 'prometheus', uid: 'devskyy-global-view', url: 'http://devskyy-victoriametrics.monitoring.svc:8428' }] });
    const dash = parse(byPath.get([...byPath.keys()].find((p) => p.startsWith('kubernetes/dashboards/'))!)!) as { data: Record<string, string> };
    expect(Object.values(dash.data)[0]).toContain('"devskyy-global-view"');
    // The rules are the other targets' rules, expression for expression.
    const compose = await generate(load(), { target: 'compose' });
    const alerts = parse(compose.find((a) => a.path === 'prometheus/alerts.yml')!.content) as { groups: { rules: { alert?: string; expr: string }[] }[] };
    const rule = parse(byPath.get('kubernetes/prometheus-rule.yaml')!) as ConstructorParameters<typeof PrometheusRule>[0];
    const exprs = (groups: { rules: { expr: unknown }[] }[]) => groups.flatMap((g) => g.rules.map((r) => String(r.expr)));
    expect(exprs(rule!.spec.groups as { rules: { expr: unknown }[] }[])).toEqual(expect.arrayContaining(exprs(alerts.groups)));
  });

  it('Kubernetes with store thanos: the operator\'s Thanos sidecar, no remote_write to a store', async () => {
    const text = withTopology('  prometheus:\n    replicas: 2\n  store:\n    engine: thanos');
    const c = validateCatalog(DEVSKYY, text).catalog!;
    const prom = parse((await generate(c, { target: 'kubernetes' })).find((a) => a.path === 'kubernetes/prometheus.yaml')!.content) as ConstructorParameters<typeof Prometheus>[0];
    expect(() => new Prometheus(prom).validate()).not.toThrow();
    expect(prom!.spec!.thanos).toEqual({ image: 'quay.io/thanos/thanos:v0.36.1', objectStorageConfig: { name: 'devskyy-thanos-objstore', key: 'objstore.yml' } });
    expect(prom!.spec!.remoteWrite).toBeUndefined();
  });

  it('hashmod agrees with Prometheus\' relabel action (values from relabel_test.go)', () => {
    // prometheus/model/relabel/relabel_test.go: label c="baz", modulus 1000 -> "976".
    expect(hashmod('baz', 1000)).toBe(976);
  });
});
