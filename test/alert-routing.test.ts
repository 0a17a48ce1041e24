// Alertmanager routing from the catalog: each receiver kind Alertmanager 0.25 accepts, secrets only as files,
// routes by severity and team (amtool's own router), and inhibition checked on a real Alertmanager.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parse, stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateCatalog } from '../src/load/load-catalog.js';
import { alertmanagerConfig } from '../src/emit/alertmanager.js';
import { emitKubernetes } from '../src/emit/kubernetes.js';
import { emitCompose } from '../src/emit/compose.js';
import type { Catalog } from '../src/model/catalog.js';
import { freePort } from '../src/runtime/processes.js';
import { MINIMAL, tempDir } from './support/helpers.js';

const minimal = readFileSync(MINIMAL, 'utf8');
const load = (extra: string): ReturnType<typeof validateCatalog> => validateCatalog(MINIMAL, `${minimal}\n${extra}\n`);
const catalogWith = (extra: string): Catalog => {
  const r = load(extra);
  if (!r.catalog) throw new Error(JSON.stringify(r.diagnostics.map((d) => d.message)));
  return r.catalog;
};

function writeConfig(c: Catalog): string {
  const file = join(tempDir('am-'), 'alertmanager.yml');
  writeFileSync(file, stringify(alertmanagerConfig(c)));
  return file;
}

const SECRET = '/run/secrets/alerting/';
const RECEIVERS: Record<string, { yaml: string; inline: RegExp }> = {
  slack: { yaml: `slack: { api_url_file: ${SECRET}slack-url, channel: "#ops" }`, inline: /\bapi_url:/ },
  pagerduty: { yaml: `pagerduty: { routing_key_file: ${SECRET}pagerduty-key }`, inline: /\b(routing|service)_key:/ },
  email: { yaml: `email: { to: ops@example.com, from: am@example.com, smarthost: "smtp.example.com:587", auth_username: am, auth_password_file: ${SECRET}smtp-password }`, inline: /\bauth_password:/ },
  opsgenie: { yaml: `opsgenie: { api_key_file: ${SECRET}opsgenie-key }`, inline: /\bapi_key:/ },
  webhook: { yaml: `webhook: { url: "https://hooks.example.com/alerts", bearer_token_file: ${SECRET}hook-token }`, inline: /\b(credentials|bearer_token):/ },
};

describe('Alertmanager receivers', () => {
  it.each(Object.keys(RECEIVERS))('%s passes amtool check-config, with the secret only as a file path', (kind) => {
    const c = catalogWith(`alertmanager:\n  receivers:\n    - name: ops\n      ${RECEIVERS[kind]!.yaml}\n`);
    const file = writeConfig(c);
    const r = spawnSync('amtool', ['check-config', file], { encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    const text = readFileSync(file, 'utf8');
    expect(text).toMatch(new RegExp(`${kind}_configs:`));
    expect(text).not.toMatch(RECEIVERS[kind]!.inline);
    expect(text).toContain(SECRET);
    // The Kubernetes target takes the same secret from a Secret key, never inline.
    const amc = parse(emitKubernetes(c).find((a) => a.path.endsWith('alertmanager-config.yaml'))!.content) as { spec: { receivers: Record<string, unknown>[] } };
    const receiver = JSON.stringify(amc.spec.receivers.find((x) => x['name'] === 'ops'));
    expect(receiver).toContain('"name":"myapp-alertmanager-secrets"');
    expect(receiver).not.toContain(SECRET);
    // Compose gives Alertmanager the same file at the same path, as a secret (a read-only mount of the host file).
    const compose = parse(emitCompose(c).find((a) => a.path === 'docker-compose.yml')!.content) as { secrets?: Record<string, { file: string }>; services: Record<string, { secrets?: { source: string; target: string }[] }> };
    const given = compose.services['alertmanager']!.secrets ?? [];
    expect(given.map((g) => g.target)).toEqual([expect.stringContaining(SECRET)]);
    expect(compose.secrets![given[0]!.source]!.file).toBe(given[0]!.target);
    const dir = tempDir('compose-secrets-');
    mkdirSync(join(dir, 'exporter'));
    writeFileSync(join(dir, '.env'), 'GRAFANA_ADMIN_PASSWORD=x\n');
    writeFileSync(join(dir, 'docker-compose.yml'), emitCompose(c).find((a) => a.path === 'docker-compose.yml')!.content);
    const config = spawnSync('docker-compose', ['-f', join(dir, 'docker-compose.yml'), 'config', '-q'], { encoding: 'utf8', env: { ...process.env, GRAFANA_ADMIN_PASSWORD: 'x' } });
    expect(config.status, config.stderr).toBe(0);
  });

  it('refuses secrets written into the catalog, naming the *_file field to use', () => {
    const r = load('alertmanager:\n  receivers:\n    - name: ops\n      slack: { api_url: "https://hooks.slack.com/services/T0/B0/XXXX", channel: "#ops" }\n');
    expect(r.catalog).toBeUndefined();
    const messages = r.diagnostics.map((d) => d.message).join('\n');
    expect(messages).toMatch(/api_url/);
    expect(messages).toMatch(/api_url_file/);
  });

  it('reads templated receiver fields as Alertmanager does: amtool renders exactly the ones validate accepts', () => {
    const glob = join(tempDir('tmpl-'), 'none.tmpl');
    writeFileSync(glob, '');
    const cases = ['#alerts {{ x }}', '#alerts-{{ .CommonLabels.team | toLower }}', '#a-{{ humanize 1 }}', '#a {{ if .Status }}x', '#a {{ "{{" }}', '#a {{ .GroupLabels.service | toUpper | title }}', '#plain', '#a }} b'];
    for (const channel of cases) {
      const r = load(`alertmanager:\n  receivers:\n    - name: ops\n      slack: { api_url_file: /x, channel: ${JSON.stringify(channel)} }\n      # end\n`);
      const ours = r.diagnostics.filter((d) => d.check === 'alertmanager/template');
      const am = spawnSync('amtool', ['template', 'render', `--template.glob=${glob}`, `--template.text=${channel}`], { encoding: 'utf8' });
      expect(ours.length === 0, `${channel}: amtool says ${am.stderr}; ours ${ours.map((d) => d.message).join()}`).toBe(am.status === 0);
      if (ours.length) expect(ours[0]!.start?.line).toBe(minimal.split('\n').length + 4);
    }
    const email = load('alertmanager:\n  receivers:\n    - name: mail\n      email: { to: "{{ nope }}@example.com", from: "am@example.com", smarthost: "smtp.example.com:587" }\n');
    expect(email.diagnostics.map((d) => `${d.check} ${d.message}`)).toEqual([expect.stringMatching(/^alertmanager\/template email\.to is an Alertmanager template and does not parse: function "nope" not defined/)]);
  });

  it('refuses routes to undeclared receivers and unknown severities', () => {
    const r = load('alertmanager:\n  receivers:\n    - name: ops\n      webhook: { url: "https://x.example.com" }\n  routes:\n    - { receiver: opps, severity: critcal }\n');
    expect(r.diagnostics.map((d) => d.check)).toEqual(expect.arrayContaining(['alertmanager/receiver-unknown', 'alertmanager/severity-unknown']));
  });

  it('says what a receiver and a route must hold', () => {
    const r = load('alertmanager:\n  receivers:\n    - name: ops\n    - { name: two, slack: { api_url_file: /x, channel: "#a" }, webhook: { url: "https://x.example.com" } }\n  routes:\n    - { receiver: ops }\n');
    const messages = r.diagnostics.map((d) => `${d.line}: ${d.message}`);
    expect(messages).toEqual([
      expect.stringMatching(/receivers\[0\]: A receiver: a name and exactly one of slack, pagerduty, email, opsgenie, webhook/),
      expect.stringMatching(/receivers\[1\]: A receiver: a name and exactly one of/),
      expect.stringMatching(/routes\[0\]: A route: a receiver and what it matches, a severity, a team or both/),
    ]);
  });

  it('routes by severity and by team label (amtool config routes test)', () => {
    const c = catalogWith(
      [
        'alertmanager:',
        '  receiver: chat',
        '  receivers:',
        `    - { name: pager, pagerduty: { routing_key_file: ${SECRET}pd } }`,
        `    - { name: chat, slack: { api_url_file: ${SECRET}slack, channel: "#alerts" } }`,
        `    - { name: payments, opsgenie: { api_key_file: ${SECRET}og } }`,
        '  routes:',
        '    - { receiver: payments, team: payments }',
        '    - { receiver: pager, severity: critical }',
      ].join('\n'),
    );
    const file = writeConfig(c);
    const route = (...labels: string[]) => spawnSync('amtool', ['config', 'routes', 'test', `--config.file=${file}`, ...labels], { encoding: 'utf8' }).stdout.trim();
    expect(route('severity=critical', 'service=myapp')).toBe('pager');
    expect(route('severity=warning', 'service=myapp')).toBe('chat');
    expect(route('severity=critical', 'team=payments')).toBe('payments');
    expect(route('severity=info')).toBe('chat');
  });
});

describe('inhibition on a real Alertmanager', () => {
  it('a fast burn mutes the slow burn of the same SLO and service; a critical mutes warnings of its own service only', async () => {
    const c = catalogWith('');
    const dir = tempDir('am-live-');
    const file = join(dir, 'alertmanager.yml');
    writeFileSync(file, stringify(alertmanagerConfig(c)));
    const port = await freePort();
    const am = spawn('prometheus-alertmanager', [`--config.file=${file}`, `--storage.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--cluster.listen-address='], { stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    am.stderr.on('data', (d: Buffer) => void (log += d.toString()));
    const base = `http://127.0.0.1:${port}/api/v2`;
    try {
      for (;;) {
        expect(am.exitCode, log).toBeNull();
        const ok = await fetch(`${base}/status`).then((r) => r.ok, () => false);
        if (ok) break;
        await sleep(200);
      }
      const slo = (service: string, burn: 'fast' | 'slow') => ({
        labels: { alertname: `AvailabilityErrorBudgetBurn${burn === 'fast' ? 'Fast' : 'Slow'}`, burn, namespace: 'myapp', service, slo: 'availability', severity: burn === 'fast' ? 'critical' : 'warning' },
      });
      const plain = (alertname: string, service: string, severity: string) => ({ labels: { alertname, namespace: 'myapp', service, severity } });
      const alerts = [slo('api', 'fast'), slo('api', 'slow'), slo('worker', 'slow'), plain('DatabaseDown', 'api', 'critical'), plain('HighLatency', 'api', 'warning'), plain('HighLatency', 'worker', 'warning')];
      const posted = await fetch(`${base}/alerts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alerts) });
      expect(posted.status).toBe(200);
      type Got = { labels: Record<string, string>; status: { inhibitedBy: string[] } };
      const key = (l: Record<string, string>) => `${l['alertname']}/${l['service']}`;
      let got: Got[] = [];
      // Inhibition is computed when alerts are read; wait until all six are there.
      while (got.length < alerts.length) {
        got = (await (await fetch(`${base}/alerts`)).json()) as Got[];
        if (got.length < alerts.length) await sleep(200);
      }
      const inhibited = Object.fromEntries(got.map((a) => [key(a.labels), a.status.inhibitedBy.length > 0]));
      expect(inhibited).toEqual({
        'AvailabilityErrorBudgetBurnFast/api': false,
        'AvailabilityErrorBudgetBurnSlow/api': true,
        'AvailabilityErrorBudgetBurnSlow/worker': false,
        'DatabaseDown/api': false,
        'HighLatency/api': true,
        'HighLatency/worker': false,
      });
    } finally {
      am.kill('SIGKILL');
    }
  }, 120_000);
});
