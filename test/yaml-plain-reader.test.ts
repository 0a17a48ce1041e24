// The rule-file reader that reads the yaml parser's tokens straight into data (load/yaml-cst.ts) against the
// composed document model it stands in for: the same data, the same diagnostics and the same position for every
// path, on plain files it reads itself and on files it hands to the composer.
import { describe, expect, it } from 'vitest';
import { ruleFileText } from '../bench/lint.js';
import { readPlainYaml } from '../src/load/yaml-cst.js';
import type { PathSegment } from '../src/load/yaml-source.js';
import { YamlSource } from '../src/load/yaml-source.js';
import { RULE_FILE_YAML } from '../src/lint/rule-file.js';

const LIMITS = { unsafeKeys: new Set(['__proto__']), badText: /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/ };
const OPTIONS = { uniqueKeys: true, prettyErrors: false, strict: true, version: '1.2', schema: 'core', merge: true } as const;
const isPlain = (text: string) => readPlainYaml(text, OPTIONS, LIMITS, () => {}) !== undefined;

/** Every path of the data, plus a missing key below each mapping and a missing index below each list. */
function paths(data: unknown, at: PathSegment[] = []): PathSegment[][] {
  const out: PathSegment[][] = [at];
  if (Array.isArray(data)) {
    data.forEach((v, i) => out.push(...paths(v, [...at, i])));
    out.push([...at, data.length]);
  } else if (data !== null && typeof data === 'object') {
    for (const [k, v] of Object.entries(data)) out.push(...paths(v, [...at, k]));
    out.push([...at, 'no_such_key']);
  }
  return out;
}

function compare(text: string): void {
  const plain = YamlSource.parseDocuments('f.yml', text, RULE_FILE_YAML);
  const composed = YamlSource.parseDocuments('f.yml', text, { ...RULE_FILE_YAML, plainFirst: false });
  expect(plain.diagnostics).toEqual(composed.diagnostics);
  expect(plain.documents.length).toBe(composed.documents.length);
  plain.documents.forEach((d, i) => {
    const c = composed.documents[i]!;
    expect(d.data).toStrictEqual(c.data);
    for (const p of paths(c.data)) {
      expect(d.source.locate(p), JSON.stringify(p)).toEqual(c.source.locate(p));
      expect(d.source.locate(p, true), JSON.stringify(p)).toEqual(c.source.locate(p, true));
      for (const [from, to] of [[0, 1], [2, 5], [7, 8]] as const) {
        expect(d.source.locateInString(p, from, to), JSON.stringify(p)).toEqual(c.source.locateInString(p, from, to));
      }
    }
  });
}

const PLAIN: Record<string, string> = {
  'bench shape': ruleFileText(200),
  'scalars of every style': `# leading comment
groups:   # trailing comment
  - name: "quoted \\"name\\" \\u00e9 \\U0001F600"
    interval: 1m
    rules:
      - alert: 'single ''quoted'''
        expr: |
          # a comment inside PromQL
          sum by (job) (rate(x_total{a=~"b\\\\.c"}[5m])) > 0
        for: 0
        labels:
          severity: warning
          n: 12
          f: 1.5
          e: 1e3
          h: 0x1F
          o: 0o17
          inf: -.inf
          nan: .NaN
          t: true
          F: FALSE
          nul: ~
          empty:
          plain: some words here
        annotations:
          summary: >-
            folded text
            over two lines
          description: |+
            kept

          x: >
            a

            b
      - record: 'job:x:rate5m'
        expr: >
          sum(rate(x_total[5m]))
          by (job)


      # comments between items
      - record: b
        expr: "a\\tb\\nc"
    # comment after the last rule
  - name: empty
    rules: []
  - name: flow
    labels: { team: a, "q": 'b', n: 3 }
    rules: [ ]
    other: [a, "b", 3, ~, ]
    more: { a: b, }
  - {}
`,
  'kustomize multi-document': `apiVersion: v1
kind: ConfigMap
metadata: {name: x}
---
# comment before
apiVersion: monitoring.coreos.com/v1
kind: PrometheusRule
spec:
  groups:
    - name: g
      rules:
        - alert: A
          expr: up == 0
--- # a comment on the marker
--- plain scalar
---
...`.replace('...', ''),
  'CRLF line ends': 'groups:\r\n  - name: a\r\n    rules:\r\n      - alert: "x"\r\n        expr: |\r\n          up\r\n          == 0\r\n',
  'empty values and trailing comments': 'a:\nb: []\nc:\n  - \n  -\n  # trailing\nd: {}\n# end\n',
  'unicode keys and values': 'ключ: значение\n"ä": "\\u00fc"\nemoji: 😀 here\n',
};

const COMPOSED: Record<string, string> = {
  anchors: 'groups:\n  - &g\n    name: a\n    rules: []\n  - <<: *g\n    name: b\n',
  'merge key': 'a: {x: 1}\nb:\n  <<: {y: 2}\n',
  tag: 'groups:\n  - name: !!str a\n',
  'duplicate key': 'a: 1\na: 2\n',
  'bad indent': 'groups:\n  - name: x\n   rules:\n      - alert: A\n',
  'tab indentation': 'groups:\n\t- name: x\n',
  'multi-line flow': 'labels: {\n  a: b,\n  c: d }\n',
  'explicit key': '? a\n: b\n',
  'unsafe key': '__proto__: 1\n',
  'escaped unsafe key': '"\\x5f_proto__": 1\n',
  'lone surrogate escape': 'a: "\\ud800x"\n',
  'non-string key': '1: a\ntrue: b\n',
  directive: '%YAML 1.2\n---\na: b\n',
  'unclosed quote': 'a: "b\n',
  'comment without space': 'a: "b"# c\n',
  'leading comma in flow': 'a: [, b]\n',
  'block collection on the --- line': '--- a: b\n',
  'long key': `${'k'.repeat(1100)}: v\n`,
  empty: '',
  'only a comment': '# nothing\n',
};

describe('plain rule-file reader (yaml parser tokens, no document model)', () => {
  for (const [name, text] of Object.entries(PLAIN)) {
    it(`reads ${name} itself, with the composer's data and positions`, () => {
      expect(isPlain(text)).toBe(true);
      compare(text);
    });
  }
  for (const [name, text] of Object.entries(COMPOSED)) {
    it(`hands ${name} to the composer (same data, errors and positions)`, () => {
      expect(isPlain(text)).toBe(false);
      compare(text);
    });
  }
});
