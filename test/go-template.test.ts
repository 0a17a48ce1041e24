// Go text/template as Prometheus parses it: our reader against promtool (Prometheus' own parser) on the same
// templates, written here to cover each construct Go accepts and each kind of mistake it refuses.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { scanGoTemplate } from '../src/rules/go-template.js';
import { tempDir } from './support/helpers.js';

const ACCEPTED = [
  '{{ $labels.instance }}',
  '{{- $labels.instance -}}',
  '{{/* a comment */}}',
  '{{- /* trimmed comment */ -}}',
  '{{ if gt $value 1.0 }}high{{ else if lt $value 0.5 }}low{{ else }}mid{{ end }}',
  '{{ with $labels.pod }}{{ . }}{{ else }}none{{ end }}',
  '{{ range $i, $e := query "up" }}{{ $i }} {{ $e.Labels.job }}{{ end }}',
  '{{ range query "up" }}{{ if .Value }}{{ break }}{{ end }}{{ continue }}{{ end }}',
  '{{ define "x" }}a{{ end }}{{ template "x" . }}',
  '{{ block "y" . }}b{{ end }}',
  '{{ $x := 1 }}{{ $x = 2 }}{{ $x }}',
  '{{ $value | humanize | printf "%s" }}',
  '{{ printf "%.2f" $value }}',
  '{{ (index $labels "a-b") }}',
  '{{ .Labels.job }} {{ .Value }} {{ .ExternalLabels.x }}',
  '{{ `raw }} ok` }}',
  "{{ 'a' }}",
  '{{ 0x1F }} {{ 1e3 }} {{ -2 }} {{ 1_000 }}',
  '}} stray closing braces are text',
  '{{ if $x := 1 }}{{ $x }}{{ else }}{{ $x }}{{ end }}',
  '{{ reReplaceAll "a" "b" $labels.x | toUpper }}',
  '{{ $externalURL }}{{ pathPrefix }}',
  '{{ with query "up" }}{{ . | first | value | humanize }}{{ end }}',
  '{{ if and (gt $value 1.0) (lt $value 2.0) }}x{{ end }}',
  '{{ range $x, $y := . }}{{ end }}',
  '{{$labels.x}}{{$value}}',
];

const REFUSED: [string, string][] = [
  ['{{ /* not a comment: a space before it */ }}', 'unexpected "/" in command'],
  ['{{ foo $value }}', 'function "foo" not defined'],
  ['{{ $value | 3 }}', 'non executable command in pipeline stage 2'],
  ['{{ if }}', 'missing value for if'],
  ['{{ end }}', 'unexpected {{end}}'],
  ['{{ else }}', 'unexpected {{else}}'],
  ['{{ range . }}', 'unexpected EOF'],
  ['{{ break }}', '{{break}} outside {{range}}'],
  ['{{ "unterminated }}', 'unterminated quoted string'],
  ['{{ ( $value }}', 'unclosed left paren'],
  ['{{ define "z" }}{{ $labels }}{{ end }}', 'undefined variable "$labels"'],
  ['{{ with $x := 1 }}{{ $x }}{{ end }}{{ $x }}', 'undefined variable "$x"'],
  ['{{ $x, $y := 1 }}', 'too many declarations in command'],
];

describe('Go templates', () => {
  it('accepts and refuses exactly what promtool (Prometheus\' parser) does', () => {
    const all = [...ACCEPTED, ...REFUSED.map(([t]) => t)];
    const dir = tempDir();
    const file = join(dir, 't.yml');
    writeFileSync(file, `groups:\n- name: g\n  rules:\n  - alert: A\n    expr: up\n    annotations:\n${all.map((t, i) => `      t${i}: ${JSON.stringify(t)}\n`).join('')}`);
    let out = '';
    try {
      execFileSync(process.env['PROMTOOL'] || 'promtool', ['check', 'rules', file], { encoding: 'utf8', stdio: 'pipe' });
    } catch (err) {
      out = String((err as { stderr?: string }).stderr ?? '');
    }
    const refusedByPromtool = new Set([...out.matchAll(/annotation "t(\d+)"/g)].map((m) => Number(m[1])));
    const refusedByUs = new Set(all.flatMap((t, i) => (scanGoTemplate(t).errors.length ? [i] : [])));
    expect([...refusedByUs].sort((a, b) => a - b)).toEqual([...refusedByPromtool].sort((a, b) => a - b));
    expect(refusedByUs.size).toBe(REFUSED.length);
  });

  it.each(REFUSED)('%s -> %s', (text, message) => {
    const errors = scanGoTemplate(text).errors;
    expect(errors.map((e) => e.message)[0]).toContain(message);
  });

  it('finds every label a template reads, at its offset', () => {
    const t = '{{ $labels.a }} {{ .Labels.b }} {{ index $labels "c" }} {{ with .Labels }}{{ .d }}{{ end }}';
    expect(scanGoTemplate(t).labels.map((l) => [l.name, t.slice(l.from, l.to)])).toEqual([
      ['a', 'a'],
      ['b', 'b'],
      ['c', 'c'],
    ]);
  });
});
