// The catalog validator `npm run build` precompiles (ajv standalone code, dist/src/validate/catalog-validator.cjs)
// against compiling the schema at run time: built from the current schema, and the same verdict and errors.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { catalogAjv, catalogSchemaPath, PRECOMPILED, schemaHash } from '../src/validate/schema.js';
import { DEVSKYY, MINIMAL, ROOT } from './support/helpers.js';

const precompiled = createRequire(import.meta.url)(join(ROOT, 'dist', 'src', 'validate', PRECOMPILED)) as ValidateFunction & { schemaHash: string };
const schemaText = readFileSync(catalogSchemaPath(), 'utf8');
const fresh = catalogAjv().compile(JSON.parse(schemaText) as Record<string, unknown>);

describe('precompiled catalog validator', () => {
  it('is built from the current schema', () => {
    expect(precompiled.schemaHash).toBe(schemaHash(schemaText));
  });

  const devskyy = parse(readFileSync(DEVSKYY, 'utf8')) as Record<string, unknown>;
  const metrics = devskyy['metrics'] as Record<string, unknown>[];
  const cases: Record<string, unknown> = {
    devskyy,
    minimal: parse(readFileSync(MINIMAL, 'utf8')),
    empty: {},
    'metrics not a list': { ...devskyy, metrics: 7 },
    'unknown key and bad duration': { ...devskyy, bogus: 1, scrape_interval: 'soon' },
    'broken metric': { ...devskyy, metrics: [{ ...metrics[0], name: 1, type: 'nope', labels: [{ name: 'a', values: [], max_values: 3 }] }, ...metrics.slice(1)] },
  };
  for (const [name, data] of Object.entries(cases)) {
    it(`gives the same verdict and errors as compiling the schema: ${name}`, () => {
      const a = fresh(data);
      const b = precompiled(data);
      expect(b).toBe(a);
      expect(precompiled.errors ?? null).toEqual(fresh.errors ?? null);
    });
  }
  it('some cases are invalid (the comparison covers errors)', () => {
    expect(Object.values(cases).filter((c) => !fresh(c)).length).toBeGreaterThanOrEqual(4);
  });
});
