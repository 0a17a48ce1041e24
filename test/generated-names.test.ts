// Metric names become TypeScript names in the generated exporter: clashes are refused at the metric's name.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateCatalog } from '../src/load/load-catalog.js';
import { MINIMAL, positionOf } from './support/helpers.js';

const base = readFileSync(MINIMAL, 'utf8');
const withMetrics = (...names: string[]) => base.replace(/^metrics:\n/m, `metrics:\n${names.map((n) => `  - { name: ${n}, type: gauge, category: http, help: x }\n`).join('')}`);
const findings = (yaml: string) => validateCatalog('catalog.yaml', yaml).diagnostics.filter((d) => d.check === 'exporter-name');

describe('[exporter-name]', () => {
  it('two metrics with the same handle name: an error at the second', () => {
    const yaml = withMetrics('v_1_value', 'v1_value');
    const f = findings(yaml);
    expect(f.map((d) => d.message)).toEqual(['metrics "v_1_value" and "v1_value" both become the TypeScript name v1Value in the generated exporter; rename one']);
    expect(f[0]!.start).toEqual(positionOf(yaml, 'v1_value,'));
  });

  it('a metric named like what the module declares or re-exports from the runtime', () => {
    const f = findings(withMetrics('exporter', 'setup_prometheus', 'setup_collectors', 'track_duration'));
    expect(f.map((d) => d.message)).toEqual([
      'metric "exporter" becomes the TypeScript name exporter, which the generated exporter module declares itself; rename it',
      'metric "setup_prometheus" becomes the TypeScript name setupPrometheus, which the generated exporter module re-exports from @devskyy-mon/runtime; rename it',
      'metric "setup_collectors" becomes the TypeScript name setupCollectors, which the generated exporter module declares itself; rename it',
      'metric "track_duration" becomes the TypeScript name trackDuration, which the generated exporter module re-exports from @devskyy-mon/runtime; rename it',
    ]);
  });

  it('a reserved word', () => {
    expect(findings(withMetrics('delete', 'new')).map((d) => d.message.split(',')[0])).toEqual(['metric "delete" becomes the TypeScript name delete', 'metric "new" becomes the TypeScript name new']);
  });

  it('the shipped catalogs have none', () => {
    expect(findings(base)).toEqual([]);
  });
});
