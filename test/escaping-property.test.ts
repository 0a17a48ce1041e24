// Property: every catalog text field, fed with the dangerous characters of every output context, generates
// files that parse to the same structure as a harmless text, carry the text's value, and run nothing.
import { mkdirSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { execa } from 'execa';
import ts from 'typescript';
import { parse, parseDocument } from 'yaml';
import { stringify } from 'yaml';
import { marked } from 'marked';
import { describe, expect, it } from 'vitest';
import { validateCatalog } from '../src/load/load-catalog.js';
import { expandAlertTemplate } from '../src/rules/alert-template.js';
import { goTemplateText, htmlComment, markdownCode, markdownText, tsBlockComment, tsLineComment, tsString } from '../src/emit/escape.js';
import { MINIMAL, ROOT, runInProcess, tempDir } from './support/helpers.js';

const PAYLOADS: Record<string, string> = {
  'TypeScript line comment': "T\rglobalThis.__pwned=1;//\nglobalThis.__pwned=2;//\u2028globalThis.__pwned=3;//\u2029globalThis.__pwned=4;//\r\nglobalThis.__pwned=5;//\u0085x\u000bx\u000cx",
  'TypeScript block comment': '*/ globalThis.__pwned=6; /* */\u2028globalThis.__pwned=7; /**/',
  'TypeScript string': "\"; globalThis.__pwned=8; \"' ; globalThis.__pwned=9; '`${globalThis.__pwned=10}`\\\\u0041\u0000\u0007\u001b",
  'Go template': '{{ .Value }} {{ end }} {{/* c */}} {{ $x := 1 }} {{',
  Markdown: 'a | b\n| injected | row |\n[x](javascript:alert(1)) <script>alert(1)</script> `code` *em* _u_ ~~s~~ <!-- --> &amp; \\|',
  JSON: '"}, "x": {"\u2028\u2029\u0000',
  YAML: "key: value\n- item\n# comment &a *a !!js/function '\"\n---\n... %TAG",
  'file name': '../../etc/passwd\u0000/.hidden',
  'environment interpolation': 'Cost in $USD ${GF_SECURITY_ADMIN_PASSWORD} $$ $ ${X:-y} $',
};

/** Grafana's provisioning reading of a value: split on `$$`, expand `$VAR`/`${VAR}` in each part, join with `$`. */
function grafanaExpand(value: string, env: Record<string, string>): string {
  return value
    .split('$$')
    .map((part) => part.replace(/\$\{([^}]*)\}|\$(\w+)/g, (_m, braced: string | undefined, bare: string | undefined) => env[(braced ?? bare)!.split(':-')[0]!] ?? ''))
    .join('$');
}
const HARMLESS = 'plain text';

type Obj = Record<string, unknown>;

/** The minimal catalog with every free-text field set to `text` (templates get it as literal template text). */
function catalogWith(text: string): string {
  const c = parse(readFileSync(MINIMAL, 'utf8')) as Obj;
  const literal = goTemplateText(text);
  c['title'] = text;
  c['categories'] = [{ id: 'http', title: text, description: text }];
  const labels = c['labels'] as Record<string, Obj>;
  for (const l of Object.values(labels)) l['description'] = text;
  (labels['method']!['values'] as string[]).push(text);
  c['collectors'] = { pool: { description: text, ttl: '10s' } };
  const metrics = c['metrics'] as Obj[];
  for (const m of metrics) {
    m['help'] = text;
    m['note'] = text;
  }
  metrics.push({ name: 'pool_connections', type: 'gauge', category: 'http', help: text, note: text, collector: 'pool' });
  metrics.push({ name: 'mode', type: 'enum', category: 'http', help: text, states: [text, 'ok'] });
  const alert = (c['alerts'] as Obj[])[0]!;
  alert['summary'] = literal;
  alert['description'] = literal;
  alert['note'] = text;
  alert['labels'] = { team: literal };
  alert['runbook'] = 'https://runbooks.example.com/{{x}}/high-latency';
  c['slos'] = [{ name: 'availability', description: text, objective: 99.9, sli: { errors: 'myapp_http_requests_total{status=~"5.."}', total: 'myapp_http_requests_total' } }];
  const dash = (c['dashboards'] as Obj[])[0]!;
  dash['title'] = text;
  dash['description'] = text;
  for (const p of dash['panels'] as Obj[]) {
    p['title'] = text;
    p['description'] = text;
    p['note'] = text;
  }
  return stringify(c, { lineWidth: 0 });
}

/** A catalog file name carrying the text too (the generated-by marker quotes it). */
const catalogName = (text: string) => `${text.replace(/[/\u0000]/g, '_').slice(0, 120)}.yaml`;

async function generateInto(text: string): Promise<{ dir: string; files: Map<string, string> }> {
  const dir = tempDir();
  const yaml = catalogWith(text);
  const errors = validateCatalog('catalog.yaml', yaml).diagnostics.filter((d) => d.severity === 'error');
  expect(errors).toEqual([]);
  const name = catalogName(text);
  writeFileSync(join(dir, name), yaml);
  const r = await runInProcess(['generate', '--catalog', name, '--out', 'out'], dir);
  expect(r.code, r.stderr).toBe(0);
  const files = new Map<string, string>();
  const walk = (d: string) => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else files.set(relative(join(dir, 'out'), p), readFileSync(p, 'utf8'));
    }
  };
  walk(join(dir, 'out'));
  files.delete('.env');
  return { dir, files };
}

/** What a file is, independent of the text inside its values. */
function shape(path: string, content: string): unknown {
  if (path.endsWith('.ts')) {
    const sf = ts.createSourceFile(path, content, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const kinds: string[] = [];
    const visit = (n: ts.Node) => {
      kinds.push(ts.SyntaxKind[n.kind]!);
      n.forEachChild(visit);
    };
    visit(sf);
    // Comments are where catalog text goes: as many as before, each still one line.
    const comments: string[] = [];
    const scanner = ts.createScanner(ts.ScriptTarget.ES2022, false, ts.LanguageVariant.Standard, content);
    for (let k = scanner.scan(); k !== ts.SyntaxKind.EndOfFileToken; k = scanner.scan()) {
      if (k === ts.SyntaxKind.SingleLineCommentTrivia) comments.push('line');
      else if (k === ts.SyntaxKind.MultiLineCommentTrivia) comments.push(/[\n\r\u2028\u2029]/.test(scanner.getTokenText()) ? 'multi-line block' : 'block');
    }
    return { kinds, comments, lines: content.split(/\r\n|[\n\r\u2028\u2029]/).length };
  }
  if (path.endsWith('.yml') || path.endsWith('.yaml')) {
    const doc = parseDocument(content, { strict: true, uniqueKeys: true });
    expect(doc.errors).toEqual([]);
    return keyShape(doc.toJS());
  }
  if (path.endsWith('.json')) return keyShape(JSON.parse(content));
  if (path.endsWith('.md')) {
    const rows = content.split('\n').filter((l) => l.startsWith('|')).map((l) => l.replace(/\\\\|\\\|/g, '').split('|').length);
    // Outside code spans (which show text as it is), no HTML but the <br> the table uses.
    const prose = content.replace(/^<!--.*-->$/m, '').replace(/(`+)(?!`)[\s\S]*?(?<!`)\1(?!`)/g, '');
    return { lines: content.split(/\r\n|[\n\r\u2028\u2029\u0085\u000b\u000c]/).length, rows, html: /<(?!br>)/.test(prose) };
  }
  return content.split(/\r\n|[\n\r\u2028\u2029\u0085\u000b\u000c]/).length;
}

function keyShape(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(keyShape);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, keyShape(x)]));
  return typeof v;
}

describe('escaping functions, character by character', () => {
  const everyTerminator = ['\n', '\r', '\r\n', '\u000b', '\u000c', '\u0085', '\u2028', '\u2029'];
  it.each(everyTerminator.map((t) => [JSON.stringify(t), t]))('%s never ends a comment, a cell or a string', (_n, t) => {
    for (const f of [tsLineComment, tsBlockComment, markdownText, markdownCode, htmlComment]) expect(f(`a${t}b`)).not.toMatch(/[\n\r\u2028\u2029\u0085\u000b\u000c]/);
    expect(tsString(`a${t}b`)).not.toMatch(/[\n\r\u2028\u2029]/);
    expect(eval(tsString(`a${t}b`))).toBe(`a${t}b`);
  });

  it.each(['\u061c', '\u200e', '\u200f', '\u202a', '\u202b', '\u202c', '\u202d', '\u202e', '\u2066', '\u2067', '\u2068', '\u2069'].map((c) => [`U+${c.charCodeAt(0).toString(16)}`, c]))(
    'bidi control %s is never raw in TypeScript source (Trojan Source), and a string keeps its value',
    (_n, c) => {
      for (const f of [tsLineComment, tsBlockComment, tsString]) expect(f(`a${c}b`)).not.toContain(c);
      expect(eval(tsString(`a${c}b`))).toBe(`a${c}b`);
    },
  );

  it('every UTF-16 code unit round-trips through a TypeScript string literal', () => {
    let all = '';
    for (let c = 0; c < 0x10000; c++) all += String.fromCharCode(c);
    const src = `export const s = ${tsString(all)};`;
    const out = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS } });
    expect(out.diagnostics ?? []).toEqual([]);
    const mod = { exports: {} as { s?: string } };
    new Function('module', 'exports', out.outputText)(mod, mod.exports);
    expect(mod.exports.s).toBe(all);
  });

  it('Markdown text renders (GFM, marked) as one paragraph of exactly its text: no list, break, heading, HTML or bent link', () => {
    const decode = (html: string) => html.replace(/<[^>]*>/g, '').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
    const texts = [...Object.values(PAYLOADS), '- item 1. x', '+ a', '1. b', '12) c', '---', '===', '***', '> quote', '# h', '    code', 'see http://evil.com/x_y_z, then', 'https://e.com/a*b*_c_ (x)', '-5 degrees'];
    for (const t of texts) {
      const html = (marked.parse(`para\n${markdownText(t)}`, { async: false, gfm: true }) as string).trim();
      expect(html, t).toMatch(/^<p>[\s\S]*<\/p>$/);
      expect(html.match(/<p>/g)?.length, t).toBe(1);
      expect(html, t).not.toMatch(/<(?!\/?(p|a|br)\b)/);
      const shown = t.replace(/\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]/g, ' ').replace(/[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g, '\ufffd').trimStart();
      expect(decode(html).replace(/^para\n/, ''), t).toBe(shown);
      for (const href of html.match(/href="[^"]*"/g) ?? []) expect(href, t).not.toContain('%5C');
    }
  });

  it('a Go-template literal expands to itself', () => {
    for (const t of ['{{', '{{ .Value }}', 'a {{{ b', '{{ end }}']) expect(expandAlertTemplate(goTemplateText(t), {}, 1)).toBe(t);
  });
});

describe('every catalog text field in every generated language', () => {
  let baseline: Map<string, unknown> | undefined;
  const shapes = async () => {
    if (!baseline) {
      const { files } = await generateInto(HARMLESS);
      baseline = new Map([...files].map(([p, c]) => [p, shape(p, c)]));
    }
    return baseline;
  };

  it.each(Object.entries(PAYLOADS))('%s characters: same file structure, same values, promtool accepts the rules', async (_ctx, text) => {
    const base = await shapes();
    const { dir, files } = await generateInto(text);
    expect([...files.keys()].sort()).toEqual([...base.keys()].sort());
    for (const [p, content] of files) expect(shape(p, content), p).toEqual(base.get(p));

    // Values survive: the spec the runtime reads, the rule annotations Prometheus expands, the dashboards.
    const spec = files.get('exporter/spec.ts')!;
    const js = ts.transpileModule(spec, { compilerOptions: { module: ts.ModuleKind.CommonJS } }).outputText;
    const mod = { exports: {} as { SPEC?: { title: string; metrics: { help: string; states?: string[]; labels: { values?: string[] }[] }[] } } };
    new Function('module', 'exports', 'require', js)(mod, mod.exports, () => ({}));
    expect(mod.exports.SPEC!.title).toBe(text);
    expect(mod.exports.SPEC!.metrics.every((m) => m.help === text)).toBe(true);
    expect(mod.exports.SPEC!.metrics.find((m) => m.states)!.states![0]).toBe(text);
    const rules = parse(files.get('prometheus/alerts.yml')!) as { groups: { rules: { annotations: Record<string, string>; labels: Record<string, string> }[] }[] };
    const [alert] = rules.groups[0]!.rules;
    expect(expandAlertTemplate(alert!.annotations['summary']!, {}, 1)).toBe(text);
    expect(expandAlertTemplate(alert!.labels['team']!, {}, 1)).toBe(text);
    const slo = rules.groups[1]!.rules[0]!;
    expect(expandAlertTemplate(slo.annotations['description']!, {}, 0.5).startsWith(`${text}. Error ratio`)).toBe(true);
    expect(expandAlertTemplate(alert!.annotations['runbook_url']!, {}, 1)).toBe('https://runbooks.example.com/{{x}}/high-latency');
    const dash = JSON.parse(files.get('grafana/dashboards/overview.json')!) as { title: string; panels: { title: string; description: string }[] };
    expect(dash.title).toBe(text);
    expect(dash.panels.map((p) => p.title)).toContain(text);
    // Grafana expands environment variables in its provisioning files: the title must come back as written.
    const env = { USD: 'dollars', GF_SECURITY_ADMIN_PASSWORD: 'secret', X: 'x' };
    const ds = parse(files.get('grafana/provisioning/datasources/prometheus.yml')!) as { datasources: { name: string }[] };
    expect(grafanaExpand(ds.datasources[0]!.name, env)).toBe(`${text} Prometheus`);
    const provider = parse(files.get('grafana/provisioning/dashboards/provider.yml')!) as { providers: { folder: string }[] };
    expect(grafanaExpand(provider.providers[0]!.folder, env)).toBe(text);
    const check = await execa('promtool', ['check', 'rules', join(dir, 'out', 'prometheus', 'alerts.yml'), join(dir, 'out', 'prometheus', 'recording_rules.yml')], { reject: false });
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
  });

  it('the generated exporter compiles under tsc --strict, and importing it runs nothing', async () => {
    const text = Object.values(PAYLOADS).join(' ');
    const { dir } = await generateInto(text);
    const exp = join(dir, 'out', 'exporter');
    symlinkSync(join(ROOT, 'node_modules'), join(exp, 'node_modules'), 'dir');
    const tsc = await execa(join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', 'tsconfig.json'], { cwd: exp, reject: false, all: true });
    expect(tsc.exitCode, String(tsc.all)).toBe(0);
    mkdirSync(join(exp, 'probe'));
    writeFileSync(join(exp, 'probe', 'probe.mjs'), "const m = await import('../dist/metrics.js');\nconsole.log(JSON.stringify({ pwned: globalThis.__pwned ?? 0, help: m.exporter !== undefined }));\nprocess.exit(0);\n");
    const r = await execa('node', ['probe/probe.mjs'], { cwd: exp, reject: false });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ pwned: 0, help: true });
  });
});

describe('alert names Prometheus accepts beyond the convention', () => {
  it('reach METRICS.md as text and the runbook link as one path segment', async () => {
    const dir = tempDir();
    const yaml = readFileSync(MINIMAL, 'utf8').replace('  - name: HighLatency\n', '  - name: "High_Latency x-y a:b"\n') + '\nalerting:\n  runbook_base_url: https://runbooks.example.com/alerts\n';
    writeFileSync(join(dir, 'catalog.yaml'), yaml);
    const r = await runInProcess(['generate'], dir);
    expect(r.code, r.stderr).toBe(0);
    const doc = readFileSync(join(dir, 'generated', 'METRICS.md'), 'utf8');
    const row = doc.split('\n').find((l) => l.startsWith('| High'))!;
    const html = marked.parse(`| a | b | c | d |\n| --- | --- | --- | --- |\n${row}`, { async: false, gfm: true }) as string;
    expect(html).toContain('<td>High_Latency x-y a:b</td>');
    const rules = parse(readFileSync(join(dir, 'generated', 'prometheus', 'alerts.yml'), 'utf8')) as { groups: { rules: { annotations?: Record<string, string> }[] }[] };
    expect(rules.groups[0]!.rules[0]!.annotations!['runbook_url']).toBe('https://runbooks.example.com/alerts/high-latency%20x-y%20a%3Ab');
  });
});

