// The rule-file reader that reads js-yaml's events straight into data (load/yaml-events.ts) against the yaml
// package's composed document model it stands in for: the same data, the same diagnostics and the same position
// for every path, on plain files it reads itself, on files it hands to the composer, and on generated files.
import { describe, expect, it } from 'vitest';
import { seededRandom } from './support/random.js';
import { ruleFileText } from '../bench/lint.js';
import { readPlainYaml } from '../src/load/yaml-events.js';
import type { PathSegment } from '../src/load/yaml-source.js';
import { YamlSource } from '../src/load/yaml-source.js';
import { RULE_FILE_YAML } from '../src/lint/rule-file.js';

const LIMITS = { unsafeKeys: new Set(['__proto__']), badText: /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/ };
const OPTIONS = { uniqueKeys: true, prettyErrors: false, strict: true, version: '1.2', schema: 'core', merge: true } as const;
const isPlain = (text: string) => readPlainYaml(text, OPTIONS, LIMITS) !== undefined;

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

/** The first path whose position differs between the two readers, in full (for a failing generated file). */
function explain(text: string): string | undefined {
  const plain = YamlSource.parseDocuments('f.yml', text, RULE_FILE_YAML);
  const composed = YamlSource.parseDocuments('f.yml', text, { ...RULE_FILE_YAML, plainFirst: false });
  for (const [i, d] of plain.documents.entries()) {
    const c = composed.documents[i];
    if (!c) return 'document count differs';
    for (const p of paths(c.data)) {
      for (const key of [false, true]) {
        const a = JSON.stringify(d.source.locate(p, key));
        const b = JSON.stringify(c.source.locate(p, key));
        if (a !== b) return `${JSON.stringify(p)}${key ? ' (key)' : ''}: plain ${a}, composed ${b}`;
      }
    }
  }
  return undefined;
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
  // Found by a tester's 3 million generated inputs: js-yaml and the composer read each of these apart.
  'document end marker before any document': '# c\n...\na: b\n',
  '\\U escape beyond U+10FFFF': 'a: "\\U04010041"\n',
  'spaces before a key\'s colon past 1024 characters': `k${' '.repeat(1024)}: v\n`,
  'kept block scalar ending in a line of spaces': 'a: |+\n  x\n  ',
  'escaped line break before an empty line': 'a: "x\\\n\n  y"\n',
  'comment without a space before a value alone on its line': 'groups:\n- name: g\n  rules:\n  - alert: A\n    expr:\n    #comment\n      up == 0\n    for: 5m\n',
  'tab on a folded line': 'a: x\n\t\n y\n',
  'byte order mark after a comment line': '# c\n\ufeffa: b\n',
};

describe('plain rule-file reader (js-yaml events, no document model)', () => {
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

/** Rule-file-like YAML in every scalar style and collection form, often bent by a stray character. */
function generated(seed: number): string {
  const r = seededRandom(seed);
  const pick = <T>(xs: readonly T[]): T => xs[r(xs.length)]!;
  const words = ['up', 'x_total', 'a b', 'sum by (job) (rate(x[5m])) > 0', '{{ $labels.job }}', 'é ü', '😀', '1', '1.5', 'true', 'null', '~', '0x1F', '-.inf', 'a: b', 'a #b', '-x', 'k=v', '', ' lead', 'trail '];
  const plainWords = ['up', 'x_total', 'a b', 'sum(rate(x[5m])) > 0', '1', '2.5e3', 'true', 'False', 'null', '~', '0o17', '.NaN', 'é', 'a#b', 'x-y', 'a:b'];
  const scalar = (indent: number): string => {
    switch (r(7)) {
      case 0:
        return `'${pick(words).replace(/'/g, "''")}'`;
      case 1:
        return JSON.stringify(pick(words)).replace(/\\\\/g, pick(['\\\\', '\\t', '\\u00e9', '\\x41', '\\n']));
      case 2:
      case 3: {
        const ind = ' '.repeat(indent + 2);
        const lines = Array.from({ length: 1 + r(3) }, () => (r(5) ? `${ind}${' '.repeat(r(2) * 2)}${pick(plainWords)}` : r(2) ? '' : ind));
        const trail = pick(['', '\n', '\n\n', `\n${ind}`]);
        return `${pick(['|', '>'])}${pick(['', '-', '+', '2', '-2'])}${pick(['', ' # c'])}\n${lines.join('\n')}${trail}`;
      }
      case 4:
        return `${pick(plainWords)}${r(4) ? '' : `\n${' '.repeat(indent + 2)}${pick(plainWords)}`}`;
      default:
        return pick(plainWords);
    }
  };
  const flow = (): string => (r(2) ? `[${Array.from({ length: r(4) }, () => pick(['a', '"b"', "'c'", '1', '~', '[x]', '{k: v}'])).join(', ')}${pick(['', ', '])}]` : `{${Array.from({ length: r(3) }, (_, i) => `k${i}: ${pick(['a', '"b"', '2', ''])}`).join(', ')}}`);
  const node = (indent: number, depth: number): string => {
    const pad = ' '.repeat(indent);
    const comment = () => (r(6) ? '' : pick([' # note', '  #x', '#tight']));
    if (depth > 2 || r(3) === 0) return ` ${r(5) ? scalar(indent) : flow()}${comment()}`;
    if (r(2)) {
      return `${comment()}\n${Array.from({ length: 1 + r(3) }, () => `${pad}-${node(indent + 2, depth + 1).replace(/^\n {0,}/, ' ')}`).join('\n')}`;
    }
    const keys = ['name', 'expr', 'labels', 'for', '"q k"', "'s'", 'a b', 'rules'];
    return `${comment()}\n${Array.from({ length: 1 + r(3) }, (_, i) => `${pad}${keys[(i + r(8)) % keys.length]}:${node(indent + 2, depth + 1)}`).join('\n')}`;
  };
  let text = node(0, 0).replace(/^\n/, '') + '\n';
  if (!r(4)) text = `${pick(['---\n', '# head\n', '--- # c\n'])}${text}${pick(['', '---\n', '...\n'])}`;
  if (!r(6)) text = text.replace(/\n/g, '\r\n');
  // Bend about half of the files: a stray indicator, tab, quote or space somewhere.
  for (let n = r(2) ? 0 : 1 + r(2); n > 0; n--) {
    const at = r(text.length + 1);
    text = text.slice(0, at) + pick([' ', '\t', '#', ':', '-', '"', "'", '|', '>', '[', ']', '{', '}', ',', '\n', '?', '&a ', '*a', '!', '%', '  ', '\n  ', '\n#c\n', '\n...\n', '\ufeff', '\\U0011FFFF', '\\\n\n']) + text.slice(at);
  }
  return text;
}

describe('generated files: read plainly or handed over, always as the composer reads them', () => {
  // YAML_FUZZ_CASES=50000 for a longer run when the reader changes.
  const cases = Number(process.env['YAML_FUZZ_CASES'] ?? 2000);
  it(`${cases} generated files`, () => {
    let plain = 0;
    for (let seed = 1; seed <= cases; seed++) {
      const text = generated(seed);
      if (isPlain(text)) plain++;
      try {
        compare(text);
      } catch (err) {
        throw new Error(`generated file #${seed}: ${JSON.stringify(text)}\n${explain(text) ?? (err as Error).message}`);
      }
    }
    // The generator must exercise the plain reader, not only the hand-over.
    expect(plain).toBeGreaterThan(cases / 4);
  });
});
