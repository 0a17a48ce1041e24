// Issue 13, "crashes and messages": each fault of a kind, as the input that once crashed or misled.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { validateCatalog } from '../src/load/load-catalog.js';
import { metricNameProblems } from '../src/validate/exposition-lints.js';
import { MAX_ALIAS_COUNT } from '../src/load/yaml-source.js';
import { MINIMAL, positionOf, runInProcess, tempDir } from './support/helpers.js';

const BASE = readFileSync(MINIMAL, 'utf8');

function edit(from: string, to: string, base = BASE): string {
  if (!base.includes(from)) throw new Error(`base catalog lacks ${from}`);
  return base.replace(from, to);
}

const checksOf = (yaml: string) => validateCatalog('catalog.yaml', yaml).diagnostics.map((d) => `${d.check}@${d.start?.line}:${d.start?.column}`);
const find = (yaml: string, check: string) => validateCatalog('catalog.yaml', yaml).diagnostics.find((d) => d.check === check);

describe('names that are Object.prototype members are ordinary names', () => {
  const PROTO = Object.getOwnPropertyNames(Object.prototype);

  it.each(PROTO)('an undefined label "%s" is unknown, in validate and generate', async (name) => {
    const yaml = edit('labels: [method, route]', `labels: [method, ${name}]`);
    const d = find(yaml, 'label-unknown');
    expect(d?.start).toEqual(positionOf(yaml, `${name}]`));
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), yaml);
    const r = await runInProcess(['generate', '--catalog', 'catalog.yaml'], dir);
    expect(r.stderr).not.toContain('internal error');
    expect(r.code).toBe(1);
  });

  it.each(PROTO)('"%s" as a collector, category and role reference is reported, never a crash', (name) => {
    const yaml = edit('    role: http_in_flight', `    role: ${name}\n    collector: ${name}`).replace('    category: http\n    help: HTTP requests being served.', `    category: ${name}\n    help: HTTP requests being served.`);
    const checks = validateCatalog('catalog.yaml', yaml).diagnostics.map((d) => d.check);
    expect(checks).toEqual(expect.arrayContaining(['collector-unknown', 'category-unknown', 'role-unknown']));
  });

  it.each(PROTO.filter((n) => /^[a-z][a-zA-Z]*$/.test(n) && !/[A-Z]/.test(n)).concat(['toString', 'valueOf']))('a label defined and used with the id "%s" works like any other', async (name) => {
    const id = name;
    const yaml = edit('  route:\n    description: Route template of the request path.\n    meaning: route\n    max_values: 50', `  ${id}:\n    description: Whatever.\n    name: route\n    meaning: route\n    max_values: 50`)
      .replace('labels: [method, route, status]', `labels: [method, ${id}, status]`)
      .replace('labels: [method, route]', `labels: [method, ${id}]`);
    const r = validateCatalog('catalog.yaml', yaml);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), yaml);
    const g = await runInProcess(['generate', '--catalog', 'catalog.yaml'], dir);
    expect(g.stderr).toBe('');
    expect(g.code).toBe(0);
  });

  it('alert label keys named after Object.prototype members are checked as labels', () => {
    const yaml = edit('    severity: warning', '    severity: warning\n    labels:\n      constructor: "{{ $labels.nope }}"\n      toString: x');
    const d = find(yaml, 'alert/template-label');
    expect(d?.start).toEqual(positionOf(yaml, 'nope'));
  });
});

describe('service names, hosts and paths are checked for what they become', () => {
  const BAD: [string, string, string][] = [
    ['name', '../../../tmp/x', 'service-name'],
    ['name', 'My App', 'service-name'],
    ['name', 'a/b', 'service-name'],
    ['name', 'prometheus', 'service-name'],
    ['name', 'alertmanager', 'service-name'],
    ['name', '-x', 'service-name'],
    ['host', 'exa mple', 'service-host'],
    ['host', 'host:9000', 'service-host'],
    ['host', 'http://x', 'service-host'],
    ['host', '::1', 'service-host'],
    ['path', '/metrics?x=1', 'service-path'],
    ['path', '/me trics', 'service-path'],
    ['path', '/a#b', 'service-path'],
    ['path', '/%zz', 'service-path'],
  ];
  it.each(BAD)('%s "%s" -> [%s] at its position', (field, value, check) => {
    const yaml = edit('  - name: myapp\n    port: 8000\n', field === 'name' ? `  - name: "${value}"\n    port: 8000\n` : `  - name: myapp\n    port: 8000\n    ${field}: "${value}"\n`);
    const d = find(yaml, check);
    expect(d, JSON.stringify(checksOf(yaml))).toBeDefined();
    expect(d!.start).toEqual(positionOf(yaml, `"${value}"`));
  });

  // Every accepted form goes through generate, and the real promtool accepts the generated config.
  const GOOD: { name: string; host?: string; path?: string }[] = [
    { name: 'a' },
    { name: 'my-app_2', host: 'app.internal.example.com', path: '/api/v1/metrics' },
    { name: '9lives', host: '10.0.0.7', path: "/m~e.t_r-i!c$s&'()*+,;=:@%2F" },
    { name: 'v6', host: '[::1]', path: '/' },
    { name: 'under_score', host: 'my_app' },
  ];
  it('promtool check config accepts every generated config whose names validate', async () => {
    const services = GOOD.map((s, i) => `  - name: "${s.name}"\n    port: ${8000 + i}\n    exporter: external${s.host ? `\n    host: "${s.host}"` : ''}${s.path ? `\n    path: "${s.path}"` : ''}\n`).join('');
    const yaml = edit('  - name: myapp\n    port: 8000\n    exporter: demo\n', services);
    expect(validateCatalog('catalog.yaml', yaml).diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), yaml);
    const g = await runInProcess(['generate', '--catalog', 'catalog.yaml'], dir);
    expect(g.code, g.stderr).toBe(0);
    const r = await execa('promtool', ['check', 'config', join(dir, 'generated', 'prometheus', 'prometheus.yml')], { reject: false });
    expect(r.exitCode, `${r.stdout}\n${r.stderr}`).toBe(0);
    for (const s of GOOD) {
      const targets = JSON.parse(readFileSync(join(dir, 'generated', 'prometheus', 'targets', `${s.name}.json`), 'utf8')) as { targets: string[] }[];
      expect(targets[0]!.targets).toEqual([`${s.host ?? '127.0.0.1'}:${8000 + GOOD.indexOf(s)}`]);
    }
  });
});

describe('hostile structure is a positioned error', () => {
  it('1,900 nested block mappings', () => {
    const yaml = 'a:\n' + Array.from({ length: 1900 }, (_, i) => `${' '.repeat(i + 1)}k${i}:\n`).join('');
    const r = validateCatalog('catalog.yaml', yaml);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]!.check).toBe('yaml-depth');
    expect(r.diagnostics[0]!.start).toEqual(positionOf(yaml, 'k63:'));
  });

  it('deep flow nesting and nested sequences', () => {
    const flow = `namespace: x\nlist: ${'['.repeat(5000)}${']'.repeat(5000)}\n`;
    const d = validateCatalog('catalog.yaml', flow).diagnostics[0]!;
    expect(d.check).toBe('yaml-depth');
    expect(d.start!.line).toBe(2);
    const seq = `a:\n${Array.from({ length: 3000 }, () => '- ').join('')}x\n`;
    expect(validateCatalog('catalog.yaml', seq).diagnostics[0]!.check).toBe('yaml-depth');
  });

  it('block scalars and brackets inside text do not count as nesting', () => {
    const text = Array.from({ length: 100 }, (_, i) => `${' '.repeat(i)}line ${i} [with [brackets`).join('\n      ');
    const yaml = edit('    help: HTTP requests handled.', `    help: |\n      ${text}`);
    expect(checksOf(yaml)).toEqual([]);
  });

  it('the alias-bomb error names the alias where the limit was crossed', () => {
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      lines.push(`${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array.from({ length: 9 }, () => `*${prev}`).join(',')}]`);
    }
    const yaml = lines.join('\n') + '\n';
    const d = validateCatalog('catalog.yaml', yaml).diagnostics[0]!;
    expect(d.check).toBe('yaml-alias-limit');
    // Counted independently: an alias costs 1 + the cost of the aliases inside its anchor.
    const cost: Record<string, number> = { a: 0 };
    let total = 0;
    let where: { line: number; column: number } | undefined;
    outer: for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const me = String.fromCharCode(97 + i);
      cost[me] = 0;
      for (let k = 0; k < 9; k++) {
        total += 1 + cost[prev]!;
        cost[me] += 1 + cost[prev]!;
        if (total > MAX_ALIAS_COUNT) {
          where = { line: i + 1, column: lines[i]!.indexOf('*') + 1 + k * 3 };
          break outer;
        }
      }
    }
    expect(d.start).toEqual(where);
  });
});

describe('text that no generated file can hold', () => {
  it.each([
    ['a lone high surrogate', '"bad \\ud800"', '\\ud800'],
    ['a lone low surrogate', '"bad \\udc00 end"', '\\udc00'],
    ['a reversed pair', '"x \\udc00\\ud800"', '\\udc00'],
  ])('%s in a help text is rejected with its position', (_n, text, at) => {
    const yaml = edit('help: HTTP requests handled.', `help: ${text}`);
    const d = find(yaml, 'text-encoding');
    expect(d?.start).toEqual(positionOf(yaml, at));
  });

  it('a well-formed pair is fine', () => {
    expect(checksOf(edit('help: HTTP requests handled.', 'help: "ok \\ud83d\\ude00"'))).toEqual([]);
  });
});

describe('names Prometheus and promtool treat specially', () => {
  it.each(['job', 'instance'])('a metric label named %s is rejected at validate', (name) => {
    const yaml = edit('  route:\n', `  ${name}:\n`).replace(/\[method, route/g, `[method, ${name}`).replace(/\(route\)/g, `(${name})`).replace('"{{route}}"', `"{{${name}}}"`);
    const d = find(yaml, 'label-reserved');
    expect(d?.start).toEqual(positionOf(yaml, `${name}:`));
    // ... also when only the exposed name is job.
    const renamed = edit('    max_values: 50', '    name: job\n    max_values: 50');
    expect(find(renamed, 'label-reserved')?.start).toEqual(positionOf(renamed, 'job\n'));
  });

  it('an unknown template function is caught at validate, as promtool would', () => {
    const yaml = edit('{{ $value | humanizeDuration }}', '{{ $value | humanizePercent }}');
    const d = find(yaml, 'alert/template-function');
    expect(d?.start).toEqual(positionOf(yaml, 'humanizePercent'));
    expect(d?.message).toContain('humanizePercentage');
    // Every function the template checker knows is one promtool accepts, and keywords and fields are not calls.
    const ok = edit('{{ $value | humanizeDuration }}', '{{ if gt $value 1.0 }}{{ printf "%.2f" $value }}{{ else }}{{ .Labels.route | toUpper }}{{ end }}{{/* a comment mentioning foo */}}');
    expect(checksOf(ok).filter((c) => c.startsWith('alert/template'))).toEqual([]);
  });

  it('http_request_latency_summary_seconds fails validate like promtool check metrics', () => {
    const yaml = edit('    role: http_in_flight', '    role: http_in_flight\n  - name: http_request_latency_summary_seconds\n    type: summary\n    unit: seconds\n    category: http\n    help: Latency.');
    const d = find(yaml, 'metric-type-in-name');
    expect(d?.severity).toBe('error');
    expect(d?.start).toEqual(positionOf(yaml, 'http_request_latency_summary_seconds'));
  });

  // The naming lints against the real promtool, name by name.
  const NAMES = [
    'x_summary_seconds', 'x_milliseconds', 'x_ms', 'x_kb', 'x_minutes', 'x_kilobytes', 'x_sec', 'x_b', 'x_hours', 'x_celsius', 'x_gauge', 'x_counter_x',
    'x_histogram_seconds', 'x_percent', 'x_s', 'x_gb', 'x_days', 'x_nanoseconds', 'x_kibibytes', 'x_untyped', 'x_secs', 'x_min', 'x_bits', 'x_kilobits',
    'x_meters_per_second', 'x_kiloseconds', 'x_centimeters', 'x_weeks', 'x_years', 'x_hertz', 'x_m_total', 'x_mb_x', 'x_requests', 'x_bytes', 'x_seconds',
    'x_picojoules', 'x_decameters', 'x_pebibytes', 'x_kelvin', 'x_metres', 'x_millivolts', 'x_summaryx', 'x_histogramseconds',
  ];
  it('validate flags exactly the names promtool check metrics flags', async () => {
    const promtool: Record<string, boolean> = {};
    for (const n of NAMES) {
      const r = await execa('promtool', ['check', 'metrics'], { input: `# HELP ${n} h\n# TYPE ${n} gauge\n${n} 1\n`, reject: false });
      // "_total" on a gauge is a type question the catalog checks separately (counter-suffix).
      const lines = `${r.stdout}\n${r.stderr}`.split('\n').filter((l) => l.includes(n) && !l.includes('_total" suffix'));
      promtool[n] = lines.length > 0;
    }
    const ours = Object.fromEntries(NAMES.map((n) => [n, metricNameProblems(n).length > 0]));
    expect(ours).toEqual(promtool);
  });
});

describe('all problems in one run', () => {
  it('a schema error does not hide the semantic errors of the rest', () => {
    const yaml = edit('for: 10m', 'for: 5 m').replace('labels: [method, route]', 'labels: [method, rout]').replace('name: http_requests_in_flight', 'name: http_requests_in_flight_ms');
    const checks = checksOf(yaml);
    expect(checks).toEqual(expect.arrayContaining([`schema-duration@${positionOf(yaml, '5 m').line}:${positionOf(yaml, '5 m').column}`, `label-unknown@${positionOf(yaml, 'rout]').line}:${positionOf(yaml, 'rout]').column}`]));
    expect(checks.some((c) => c.startsWith('unit-abbreviated@'))).toBe(true);
  });

  it('a metric that breaks the schema is set aside: no echo errors about it, later items keep their positions', () => {
    const yaml = edit('    type: gauge\n', '    type: gage\n').replace('expr: sum by (route) (rate(myapp_http_requests_total[5m]))', 'expr: sum by (route) (rate(myapp_http_request_total[5m]))');
    const r = validateCatalog('catalog.yaml', yaml);
    const checks = r.diagnostics.map((d) => d.check);
    expect(checks).toContain('schema-enum');
    expect(checks).toContain('promql/unknown-metric');
    expect(r.diagnostics.find((d) => d.check === 'promql/unknown-metric')!.start).toEqual(positionOf(yaml, 'myapp_http_request_total'));
    expect(r.catalog).toBeUndefined();
  });

  it('an unknown key in a metric does not hide that metric\'s other errors', () => {
    const yaml = edit('  - name: http_requests_in_flight\n', '  - name: http_requests_in_flight_ms\n    halp: typo of help\n');
    const checks = checksOf(yaml);
    expect(checks).toContain(`schema-unknown-key@${positionOf(yaml, 'halp').line}:${positionOf(yaml, 'halp').column}`);
    expect(checks.some((c) => c.startsWith('unit-abbreviated@'))).toBe(true);
  });

  it('a label definition that breaks the schema does not make its uses "unknown"', () => {
    const yaml = edit('    max_values: 50', '    max_values: fifty');
    const checks = validateCatalog('catalog.yaml', yaml).diagnostics.map((d) => d.check);
    expect(checks).toContain('schema-type');
    expect(checks).not.toContain('label-unknown');
  });
});

describe('YAML structure errors read like every other diagnostic', () => {
  it('an over-indented labels: shows the line, a caret and a hint', async () => {
    const yaml = edit('    labels: [method, route]\n', '      labels: [method, route]\n');
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), yaml);
    const r = await runInProcess(['validate'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/catalog\.yaml:\d+:\d+: error \[yaml-syntax\] /);
    expect(r.stderr).toMatch(/\n {2}\d+ \| .+\n {2} +\| +\^+\n/);
    expect(r.stderr).toMatch(/\n {2}= a key is indented deeper than the keys beside it/);
  });
});

describe('YAML structure errors in rule files read the same way', () => {
  it('lint-alerts quotes the line of an over-indented key, with a caret and the hint', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), BASE);
    writeFileSync(join(dir, 'rules.yml'), 'groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n          for: 5m\n');
    const r = await runInProcess(['lint-alerts', '--no-promtool', 'rules.yml'], dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/rules\.yml:\d+:\d+: error \[yaml-syntax\] .*\n {2}\d+ \| .+\n {2} +\| +\^+\n {2}= /);
  });
});

describe('an output folder that cannot be created', () => {
  it('read-only file system: exit 2, the folder named, no stack trace, nothing left', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), BASE);
    const ro = join(dir, 'ro');
    mkdirSync(ro);
    const mounted = (await execa('mount', ['-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', ro], { reject: false })).exitCode === 0;
    try {
      // Without mount rights, /proc stands in: no folder can be made there either (ENOENT, not EROFS).
      const out = mounted ? join(ro, 'fresh', 'out') : '/proc/devskyy-mon-test/out';
      const r = await runInProcess(['generate', '--catalog', 'catalog.yaml', '--out', out], dir);
      expect(r.code).toBe(2);
      expect(r.stderr).not.toContain('internal error');
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.stderr).toContain('cannot write the output folder');
      expect(r.stderr).toContain(mounted ? 'read-only' : 'cannot be created');
      expect(r.stderr).toContain(mounted ? 'fresh/out' : 'devskyy-mon-test/out');
      if (mounted) expect(readdirSync(ro)).toEqual([]);
    } finally {
      if (mounted) await execa('umount', [ro]);
    }
    expect(existsSync(join(dir, 'generated'))).toBe(false);
  });
});

describe('links and images', () => {
  it.each(['javascript:alert(1)', 'JavaScript:alert(1)', ' java\tscript:alert(1)', 'data:text/html,x', 'file:///etc/passwd'])('runbook "%s" is refused', (url) => {
    const yaml = edit('    severity: warning', `    severity: warning\n    runbook: ${JSON.stringify(url)}`);
    const d = find(yaml, 'link-scheme');
    expect(d?.start).toEqual(positionOf(yaml, JSON.stringify(url)));
  });

  it.each(['https://wiki.example.com/runbooks/high-latency', 'http://x/y', '/runbooks/x', 'runbooks/x.md', '#high-latency'])('runbook "%s" is accepted', (url) => {
    expect(checksOf(edit('    severity: warning', `    severity: warning\n    runbook: ${JSON.stringify(url)}`))).toEqual([]);
  });

  it.each(['prom/prometheus:latest', 'prom/prometheus', 'localhost:5000/prom/prometheus', 'prom/prometheus:latest@sha256:zz'])('stack image "%s" is refused', (image) => {
    const yaml = BASE + `\nstack:\n  prometheus:\n    image: ${JSON.stringify(image)}\n`;
    const d = find(yaml, 'image-unpinned');
    expect(d?.start).toEqual(positionOf(yaml, JSON.stringify(image)));
  });

  it.each(['prom/prometheus:v2.53.2', 'localhost:5000/prom/prometheus:v2', `prom/prometheus@sha256:${'a'.repeat(64)}`, `prom/prometheus:latest@sha256:${'b'.repeat(64)}`])('stack image "%s" is accepted', (image) => {
    expect(checksOf(BASE + `\nstack:\n  prometheus:\n    image: ${JSON.stringify(image)}\n`)).toEqual([]);
  });

  it('a service image must be pinned too', () => {
    const yaml = edit('    exporter: demo\n', '    exporter: external\n    image: myorg/app\n');
    expect(find(yaml, 'image-unpinned')?.start).toEqual(positionOf(yaml, 'myorg/app'));
  });
});

describe('compose resource limits', () => {
  it('every container gets limits: the catalog\'s where it sets them, sane defaults elsewhere; docker-compose accepts them', async () => {
    const yaml = edit('    exporter: demo\n', '    exporter: demo\n    resources: { cpus: 0.25, memory: 128m }\n') + '\nstack:\n  prometheus:\n    resources: { cpus: 4, memory: 8g, pids: 1024 }\n';
    expect(checksOf(yaml)).toEqual([]);
    const dir = tempDir();
    writeFileSync(join(dir, 'catalog.yaml'), yaml);
    expect((await runInProcess(['generate', '--catalog', 'catalog.yaml'], dir)).code).toBe(0);
    const { parse } = await import('yaml');
    const compose = parse(readFileSync(join(dir, 'generated', 'docker-compose.yml'), 'utf8')) as { services: Record<string, { cpus?: number; mem_limit?: string; pids_limit?: number }> };
    expect(compose.services['myapp']).toMatchObject({ cpus: 0.25, mem_limit: '128m', pids_limit: 256 });
    expect(compose.services['prometheus']).toMatchObject({ cpus: 4, mem_limit: '8g', pids_limit: 1024 });
    expect(compose.services['alertmanager']).toMatchObject({ cpus: 0.5, mem_limit: '256m', pids_limit: 128 });
    expect(compose.services['grafana']).toMatchObject({ cpus: 1, mem_limit: '512m', pids_limit: 256 });
    const which = await execa('sh', ['-c', 'command -v docker-compose'], { reject: false });
    if (which.exitCode === 0) {
      const r = await execa('docker-compose', ['config', '-q'], { cwd: join(dir, 'generated'), reject: false });
      expect(r.exitCode, r.stdout + r.stderr).toBe(0);
    }
  });

  it.each(['memory: 1.5g', 'memory: lots', 'cpus: 0', 'pids: 2'])('a bad limit (%s) is a schema error at its position', (limit) => {
    const yaml = edit('    exporter: demo\n', `    exporter: demo\n    resources: { ${limit} }\n`);
    const d = validateCatalog('catalog.yaml', yaml).diagnostics.find((x) => x.check.startsWith('schema-'));
    expect(d?.start).toEqual(positionOf(yaml, `${limit} }`.split(': ')[1]!));
  });
});
