// Generated YAML is read by Go (Prometheus, Alertmanager), Python (docker-compose v1: PyYAML), kubectl (YAML 1.1)
// and the `yaml` package (YAML 1.2): every string must come back as written from each of them.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { toYaml } from '../src/emit/yaml-out.js';
import { MINIMAL, runInProcess, tempDir } from './support/helpers.js';

/** Strings that YAML 1.1 or 1.2 resolve as something else in plain style, and the line breaks of YAML 1.1. */
const TRICKY = [
  'yes', 'no', 'on', 'off', 'y', 'n', 'Y', 'N', 'True', 'FALSE', 'On', 'NO', '~', 'null', 'Null', '', ' ',
  '0o17', '017', '0x1f', '0b101', '1_000', '12:30', '190:20:30', '1e3', '.5', '+1', '-0', '.inf', '-.Inf', '.NaN',
  '2001-12-14', '2001-12-14t21:59:43.10-05:00', '<<', '=', '- a', '? q', ': x', '#x', 'a #b', '&a', '*a', '!tag', '%x', '@x', '`x',
  'a\u2028b', 'a \u2029 b', 'x\u0085y', '\u2028', 'line\nbreak\u2028mixed', "it's", 'a"b\\c', '\t tab',
];

function pyYaml(text: string): unknown {
  const r = spawnSync('/usr/bin/python3', ['-c', 'import sys, json, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))'], { input: text, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as unknown;
}

describe('toYaml', () => {
  const value = { values: TRICKY, keys: Object.fromEntries(TRICKY.map((t, i) => [t, i])) };
  const text = toYaml(value);

  it('every string reads back as written in YAML 1.2 and 1.1 (the yaml package)', () => {
    expect(parse(text)).toEqual(value);
    expect(parse(text, { version: '1.1' })).toEqual(value);
  });

  it('every string reads back as written in PyYAML, the YAML 1.1 reader of docker-compose', () => {
    expect(pyYaml(text)).toEqual(value);
  });

  it('no raw NEL, LS or PS is left for a YAML 1.1 reader to break the line at', () => {
    expect(text).not.toMatch(/[\u0085\u2028\u2029]/);
  });

  it('Prometheus reads an alert summary with LS and PS as written (promtool test rules)', () => {
    const dir = tempDir('yaml-out-');
    const summary = 'Requests\u2028are slow \u2029 yes';
    writeFileSync(join(dir, 'rules.yml'), toYaml({ groups: [{ name: 'g', rules: [{ alert: 'A', expr: 'vector(1)', labels: { team: 'on' }, annotations: { summary } }] }] }));
    writeFileSync(join(dir, 'test.yml'), toYaml({ rule_files: ['rules.yml'], evaluation_interval: '1m', tests: [{ interval: '1m', input_series: [], alert_rule_test: [{ eval_time: '1m', alertname: 'A', exp_alerts: [{ exp_labels: { team: 'on' }, exp_annotations: { summary } }] }] }] }));
    const r = spawnSync('promtool', ['test', 'rules', 'test.yml'], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stdout + r.stderr).toBe(0);
    // The annotation as Go read it, compared with what JSON says it is (a second reader, not our own writer).
    const check = spawnSync('promtool', ['check', 'rules', 'rules.yml'], { cwd: dir, encoding: 'utf8' });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it('a service named "yes" gives a compose file docker-compose accepts', async () => {
    const dir = tempDir('yaml-out-');
    const catalog = readFileSync(MINIMAL, 'utf8').replace(/^services:\n  - name: myapp\n/m, 'services:\n  - name: "yes"\n');
    expect(catalog).toContain('name: "yes"');
    writeFileSync(join(dir, 'catalog.yaml'), catalog);
    const r = await runInProcess(['generate'], dir);
    expect(r.code, r.stderr).toBe(0);
    const compose = spawnSync('docker-compose', ['-f', join(dir, 'generated', 'docker-compose.yml'), 'config', '-q'], { cwd: dir, encoding: 'utf8' });
    expect(compose.status, compose.stderr).toBe(0);
  });

  it('a $ in catalog text reaches Compose as written (Compose interpolates every value; the password stays a variable)', async () => {
    const dir = tempDir('yaml-out-');
    const catalog = readFileSync(MINIMAL, 'utf8').replace(/^services:\n  - name: myapp\n    port: 8000\n    exporter: demo\n/m, 'services:\n  - name: myapp\n    port: 8000\n    exporter: external\n    build: "./app$HOME ${X} dir"\n');
    expect(catalog).toContain('build: "./app$HOME');
    writeFileSync(join(dir, 'catalog.yaml'), catalog);
    const r = await runInProcess(['generate'], dir);
    expect(r.code, r.stderr).toBe(0);
    mkdirSync(join(dir, 'generated', 'app$HOME ${X} dir'));
    const compose = spawnSync('docker-compose', ['-f', join(dir, 'generated', 'docker-compose.yml'), 'config'], { cwd: dir, encoding: 'utf8', env: { ...process.env, HOME: '/nowhere', X: 'x', GRAFANA_ADMIN_PASSWORD: 'pw' } });
    expect(compose.status, compose.stderr).toBe(0);
    const config = parse(compose.stdout) as { services: Record<string, { build?: { context: string }; environment?: Record<string, string> }> };
    // `config` prints a Compose file again, so a literal $ shows as $$ there (unescaped, HOME would read /nowhere).
    expect(config.services['myapp']!.build!.context).toMatch(/app\$\$HOME \$\$\{X\} dir$/);
    expect(config.services['grafana']!.environment!['GF_SECURITY_ADMIN_PASSWORD']).toBe('pw');
  });
});
