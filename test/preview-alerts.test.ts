// The index's alert states when several servers (a topology's shards and replicas) report the same rule.
import { describe, expect, it } from 'vitest';
import { loadCatalog } from '../src/load/load-catalog.js';
import { alertEntries } from '../src/preview/alerts.js';
import type { DataSource } from '../src/preview/source.js';
import { MINIMAL } from './support/helpers.js';

describe('alert states over several servers', () => {
  it('the most urgent state of a rule wins, whichever server reports it first', async () => {
    const catalog = (await loadCatalog(MINIMAL)).catalog!;
    const rule = (state: string) => ({ type: 'alerting', name: 'HighLatency', state, labels: { namespace: catalog.namespace } });
    const source: DataSource = {
      label: 'test',
      range: { start: 0, end: 60, step: 15 },
      fetch: () => Promise.resolve({ groups: [{ rules: [rule('inactive')] }, { rules: [rule('firing')] }, { rules: [rule('pending')] }] }),
    };
    const entries = await alertEntries(catalog, source);
    expect(entries.find((e) => e.name === 'HighLatency')?.state).toBe('firing');
  });
});
