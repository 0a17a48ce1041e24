// docker-compose.yml: exporter(s), Prometheus, Alertmanager and Grafana with safe defaults: loopback-only
// ports, pinned images, read-only config mounts, health-gated start order, no default password.
import { basename } from 'node:path';
import type { Catalog, Resources, Service } from '../model/catalog.js';
import { componentUrl, readyPathOf, webExternalUrlArgs } from '../model/catalog.js';
import type { Artifact } from './artifact.js';
import { marker, yamlArtifact } from './artifact.js';
import { envExpandedText } from './escape.js';
import { alertRouting, receiverSecretFiles } from './alertmanager.js';
import { GRAFANA_ENV } from './grafana/provisioning.js';
import { COMPOSE_TARGETS_DIR, TARGETS_DIR, copyPort, prometheusConfig, storeWriteUrl } from './prometheus-config.js';
import { STORE_COMPONENT, alertmanagerPeers, globalView, isSingle, prometheusInstances } from '../model/topology.js';

/** Compose's copy of a topology server's config (beside the others, so its relative paths hold): remote_write goes to the store's service name. */
export const composeConfigFile = (name: string): string => `compose-${name}.yml`;

/** The Node image the generated demo exporter is built on (pinned, like every image here). */
export const NODE_IMAGE = 'node:20.18.1-alpine3.20';
export const ENV_FILE = '.env';
export const GRAFANA_PASSWORD_VAR = 'GRAFANA_ADMIN_PASSWORD';

const healthcheck = (url: string) => ({
  test: ['CMD', 'wget', '-q', '--spider', url],
  interval: '10s',
  timeout: '5s',
  retries: 6,
  start_period: '10s',
});

/** Service-level limits (cpus, mem_limit, pids_limit): honoured by docker compose v2 and by docker-compose 1.29 alike. */
const limits = (r: Resources) => ({ cpus: r.cpus, mem_limit: r.memory, pids_limit: r.pids });

function appService(catalog: Catalog, s: Service): Record<string, unknown> {
  const source =
    s.exporter === 'demo'
      ? { build: { context: './exporter' }, command: ['node', 'dist/demo-server.js', '--host', '0.0.0.0', '--port', String(s.port)] }
      : s.image
        ? { image: s.image }
        : { build: { context: s.build ?? '.' } };
  return {
    ...source,
    restart: 'unless-stopped',
    ...limits(s.resources),
    ports: [`${catalog.stack.bind}:${s.port}:${s.port}`],
    healthcheck: healthcheck(`http://127.0.0.1:${s.port}${readyPathOf(s)}`),
  };
}

export function composeFile(catalog: Catalog): Record<string, unknown> {
  const { bind, prometheus, alertmanager, grafana } = catalog.stack;
  const services: Record<string, unknown> = {};
  for (const s of catalog.services) services[s.name] = appService(catalog, s);
  const healthy = (names: string[]) => Object.fromEntries(names.map((n) => [n, { condition: 'service_healthy' }]));
  const topo = catalog.topology;
  const view = globalView(topo);
  const peers = alertmanagerPeers(topo);
  const instances = prometheusInstances(topo);
  const single = isSingle(topo);
  instances.forEach((instance, i) => {
    // A topology's configs differ from the native defaults only where the store is reached: Compose's own copies.
    const config = single ? 'prometheus.yml' : view ? composeConfigFile(instance.name) : `${instance.name}.yml`;
    services[instance.name] = {
      image: prometheus.image,
      restart: 'unless-stopped',
      ...limits(prometheus.resources),
      command: [`--config.file=/etc/prometheus/${config}`, '--storage.tsdb.path=/prometheus', '--web.enable-lifecycle', ...webExternalUrlArgs(catalog, 'prometheus', i === 0 ? componentUrl(catalog, 'prometheus') : `http://127.0.0.1:${copyPort(prometheus.port, i)}`)],
      ports: [`${bind}:${copyPort(prometheus.port, i)}:9090`],
      volumes: ['./prometheus:/etc/prometheus:ro', `./prometheus/${COMPOSE_TARGETS_DIR}:/etc/prometheus/${TARGETS_DIR}:ro`, `${instance.name.replace(/-/g, '_')}_data:/prometheus`],
      healthcheck: healthcheck('http://127.0.0.1:9090/-/ready'),
      depends_on: healthy([...catalog.services.map((s) => s.name), ...peers, ...(view ? [STORE_COMPONENT] : [])]),
    };
  });
  // Receiver secrets: each file the catalog names, given to every Alertmanager at that same path (Compose secrets
  // are read-only bind mounts of a host file; the catalog's path is where Alertmanager reads it).
  const secretFiles = receiverSecretFiles(alertRouting(catalog).receivers);
  const secretNames = new Map(secretFiles.map((f, i) => [f, `alertmanager-${i + 1}-${basename(f).replace(/[^A-Za-z0-9_.-]/g, '_')}`]));
  peers.forEach((peer, i) => {
    // One gossip cluster: each peer listens on 9094 and joins every other by its service name.
    const cluster = peers.length > 1 ? ['--cluster.listen-address=0.0.0.0:9094', ...peers.filter((p) => p !== peer).map((p) => `--cluster.peer=${p}:9094`)] : [];
    services[peer] = {
      image: alertmanager.image,
      restart: 'unless-stopped',
      ...limits(alertmanager.resources),
      command: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager', ...cluster, ...webExternalUrlArgs(catalog, 'alertmanager', i === 0 ? componentUrl(catalog, 'alertmanager') : `http://127.0.0.1:${copyPort(alertmanager.port, i)}`)],
      ports: [`${bind}:${copyPort(alertmanager.port, i)}:9093`],
      volumes: ['./alertmanager:/etc/alertmanager:ro', `${peer.replace(/-/g, '_')}_data:/alertmanager`],
      ...(secretFiles.length ? { secrets: secretFiles.map((f) => ({ source: secretNames.get(f)!, target: f })) } : {}),
      healthcheck: healthcheck('http://127.0.0.1:9093/-/ready'),
    };
  });
  if (view) {
    services[STORE_COMPONENT] = {
      image: view.image,
      restart: 'unless-stopped',
      ...limits(prometheus.resources),
      command: ['-storageDataPath=/storage', '-httpListenAddr=:8428', `-retentionPeriod=${view.retention}`, `-dedup.minScrapeInterval=${catalog.scrapeInterval}`],
      ports: [`${bind}:${view.port}:8428`],
      volumes: ['victoriametrics_data:/storage'],
      healthcheck: healthcheck('http://127.0.0.1:8428/health'),
    };
  }
  services['grafana'] = {
    image: grafana.image,
    restart: 'unless-stopped',
    ...limits(grafana.resources),
    env_file: [ENV_FILE],
    environment: {
      GF_SECURITY_ADMIN_USER: 'admin',
      GF_SECURITY_ADMIN_PASSWORD: new ComposeVariable(GRAFANA_PASSWORD_VAR, 'run devskyy-mon generate to create .env'),
      GF_AUTH_ANONYMOUS_ENABLED: 'false',
      GF_USERS_ALLOW_SIGN_UP: 'false',
      GF_SERVER_ROOT_URL: componentUrl(catalog, 'grafana'),
      // The global view when there is one: one datasource that sees every shard, deduplicated.
      [GRAFANA_ENV.prometheusUrl]: view ? `http://${STORE_COMPONENT}:8428` : `http://${instances[0]!.name}:9090`,
      [GRAFANA_ENV.dashboardsDir]: '/var/lib/grafana/dashboards',
    },
    ports: [`${bind}:${grafana.port}:3000`],
    volumes: ['./grafana/provisioning:/etc/grafana/provisioning:ro', './grafana/dashboards:/var/lib/grafana/dashboards:ro', 'grafana_data:/var/lib/grafana'],
    healthcheck: healthcheck('http://127.0.0.1:3000/api/health'),
    depends_on: healthy(view ? [STORE_COMPONENT] : [instances[0]!.name]),
  };
  // No top-level name: Debian's docker-compose 1.29 rejects it; the project is named after the folder.
  return {
    services,
    ...(secretFiles.length ? { secrets: Object.fromEntries(secretFiles.map((f) => [secretNames.get(f)!, { file: f }])) } : {}),
    volumes: Object.fromEntries([...instances.map((i) => i.name), ...peers, ...(view ? [STORE_COMPONENT] : []), 'grafana'].map((n) => [`${n.replace(/-/g, '_')}_data`, {}])),
  };
}

/** A variable Compose is meant to interpolate, `${NAME:?message}` (required, with the message when unset). */
class ComposeVariable {
  constructor(
    readonly name: string,
    readonly requiredMessage: string,
  ) {}
}

/**
 * Compose interpolates `$VAR`/`${VAR}` in every value of the file (Compose spec, "Interpolation"): each string
 * value is written with `$` as `$$`, so catalog text (a build folder, a URL) arrives as written; only
 * ComposeVariable values become references.
 */
function interpolationSafe(v: unknown): unknown {
  if (v instanceof ComposeVariable) return `\${${v.name}:?${envExpandedText(v.requiredMessage)}}`;
  if (typeof v === 'string') return envExpandedText(v);
  if (Array.isArray(v)) return v.map(interpolationSafe);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, interpolationSafe(x)]));
  return v;
}

export function emitCompose(catalog: Catalog): Artifact[] {
  const view = globalView(catalog.topology);
  const copies = view && !isSingle(catalog.topology) ? prometheusInstances(catalog.topology).map((i) => yamlArtifact(`prometheus/${composeConfigFile(i.name)}`, catalog.file, prometheusConfig(catalog, i, storeWriteUrl(STORE_COMPONENT, 8428)))) : [];
  return [
    yamlArtifact('docker-compose.yml', catalog.file, interpolationSafe(composeFile(catalog))),
    ...copies,
    // Secrets stay out of version control, and so do the pages `devskyy-mon preview` writes here (live data).
    { path: '.gitignore', content: `${marker(catalog.file, '#')}${ENV_FILE}\npreview/\n` },
  ];
}
