// docker-compose.yml: exporter(s), Prometheus, Alertmanager and Grafana with safe defaults: loopback-only
// ports, pinned images, read-only config mounts, health-gated start order, no default password.
import type { Catalog, Resources, Service } from '../model/catalog.js';
import { componentUrl, readyPathOf, webExternalUrlArgs } from '../model/catalog.js';
import type { Artifact } from './artifact.js';
import { marker, yamlArtifact } from './artifact.js';
import { envExpandedText } from './escape.js';
import { GRAFANA_ENV } from './grafana/provisioning.js';
import { COMPOSE_TARGETS_DIR, TARGETS_DIR } from './prometheus-config.js';

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
  services['prometheus'] = {
    image: prometheus.image,
    restart: 'unless-stopped',
    ...limits(prometheus.resources),
    command: ['--config.file=/etc/prometheus/prometheus.yml', '--storage.tsdb.path=/prometheus', '--web.enable-lifecycle', ...webExternalUrlArgs(catalog, 'prometheus', componentUrl(catalog, 'prometheus'))],
    ports: [`${bind}:${prometheus.port}:9090`],
    volumes: ['./prometheus:/etc/prometheus:ro', `./prometheus/${COMPOSE_TARGETS_DIR}:/etc/prometheus/${TARGETS_DIR}:ro`, 'prometheus_data:/prometheus'],
    healthcheck: healthcheck('http://127.0.0.1:9090/-/ready'),
    depends_on: healthy([...catalog.services.map((s) => s.name), 'alertmanager']),
  };
  services['alertmanager'] = {
    image: alertmanager.image,
    restart: 'unless-stopped',
    ...limits(alertmanager.resources),
    command: ['--config.file=/etc/alertmanager/alertmanager.yml', '--storage.path=/alertmanager', ...webExternalUrlArgs(catalog, 'alertmanager', componentUrl(catalog, 'alertmanager'))],
    ports: [`${bind}:${alertmanager.port}:9093`],
    volumes: ['./alertmanager:/etc/alertmanager:ro', 'alertmanager_data:/alertmanager'],
    healthcheck: healthcheck('http://127.0.0.1:9093/-/ready'),
  };
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
      [GRAFANA_ENV.prometheusUrl]: 'http://prometheus:9090',
      [GRAFANA_ENV.dashboardsDir]: '/var/lib/grafana/dashboards',
    },
    ports: [`${bind}:${grafana.port}:3000`],
    volumes: ['./grafana/provisioning:/etc/grafana/provisioning:ro', './grafana/dashboards:/var/lib/grafana/dashboards:ro', 'grafana_data:/var/lib/grafana'],
    healthcheck: healthcheck('http://127.0.0.1:3000/api/health'),
    depends_on: healthy(['prometheus']),
  };
  // No top-level name: Debian's docker-compose 1.29 rejects it; the project is named after the folder.
  return {
    services,
    volumes: { prometheus_data: {}, alertmanager_data: {}, grafana_data: {} },
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
  return [
    yamlArtifact('docker-compose.yml', catalog.file, interpolationSafe(composeFile(catalog))),
    // Secrets stay out of version control, and so do the pages `devskyy-mon preview` writes here (live data).
    { path: '.gitignore', content: `${marker(catalog.file, '#')}${ENV_FILE}\npreview/\n` },
  ];
}
