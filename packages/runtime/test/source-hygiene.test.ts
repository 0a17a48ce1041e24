// The runtime runs inside other people's production processes: it must not depend on prom-client's private
// storage (a prom-client release may change it without notice) nor generate code at run time (hardened
// processes forbid it). This test reads the shipped source.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', 'src');
const files = readdirSync(SRC).filter((f) => f.endsWith('.ts'));

/** prom-client 15's private fields and methods (underscored, or undocumented storage) and run-time code generation. */
const PRIVATE = /\.(hashMap|upperBounds|bucketValues|sortedLabelNames|_defaultLabels|_metrics|_collectors|_contentType|ringBuffer|td|lastRotateTimestampMillis|durationBetweenRotatesMillis|shouldRotate)\b/;
const CODEGEN = /\bnew Function\s*\(|(?<![.\w])eval\s*\(/;

describe('runtime source', () => {
  it('the patterns find what they look for (so a clean result means something)', () => {
    expect(PRIVATE.test('const s = metric.hashMap[key];')).toBe(true);
    expect(PRIVATE.test('registry._defaultLabels')).toBe(true);
    expect(CODEGEN.test('const f = new Function("a", "return a");')).toBe(true);
    expect(CODEGEN.test('eval("1")')).toBe(true);
    expect(CODEGEN.test('{ eval: true }')).toBe(false);
  });

  it.each(files)('%s names no private prom-client field and generates no code from strings', (f) => {
    const lines = readFileSync(join(SRC, f), 'utf8').split('\n');
    const hits = lines.map((l, i) => [i + 1, l] as const).filter(([, l]) => !/^\s*(\/\/|\*)/.test(l) && (PRIVATE.test(l) || CODEGEN.test(l)));
    expect(hits).toEqual([]);
  });
});

describe('RUNTIME_VALUE_EXPORTS', () => {
  it('lists exactly the values the main entry exports (generated modules re-export them)', async () => {
    const { RUNTIME_VALUE_EXPORTS } = await import('../src/spec.js');
    const entry = await import('../src/index.js');
    expect([...RUNTIME_VALUE_EXPORTS].sort()).toEqual(Object.keys(entry).sort());
  });
});
