import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import type { Diagnostic } from '../diagnostics.js';
import type { PathSegment, YamlSource } from '../load/yaml-source.js';
import { packageRoot } from '../util/package-root.js';
import { didYouMean } from '../util/suggest.js';

// ajv and ajv-formats (CommonJS, about 35 ms of CPU to load) are required only when the schema is compiled: at
// build time, or when the precompiled validator is missing or stale. Every command that reads a catalog uses
// the precompiled one.
const requireHere = createRequire(import.meta.url);
type AddFormats = (ajv: Ajv) => Ajv;

let validator: ValidateFunction | undefined;

export function catalogSchemaPath(): string {
  return join(packageRoot(), 'schema', 'catalog.schema.json');
}

export function catalogSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(catalogSchemaPath(), 'utf8')) as Record<string, unknown>;
}

/** The ajv instance the catalog schema is compiled with (at build time into PRECOMPILED, or here when that is absent). */
export function catalogAjv(options: { source?: boolean } = {}): Ajv {
  const { Ajv } = requireHere('ajv') as typeof import('ajv');
  const addFormats = requireHere('ajv-formats') as AddFormats;
  const ajv = new Ajv({ allErrors: true, verbose: true, strict: true, strictRequired: false, allowUnionTypes: true, ...(options.source ? { code: { source: true } } : {}) });
  addFormats(ajv);
  return ajv;
}

/** The validator `npm run build` writes beside this module (ajv's standalone code), with the hash of its schema. */
export const PRECOMPILED = 'catalog-validator.cjs';

export function schemaHash(schemaText: string): string {
  return createHash('sha256').update(schemaText).digest('hex');
}

/**
 * Compiling the schema costs about 130 ms of CPU on every command that reads a catalog; the build compiles it
 * once. The precompiled validator is used only when it was built from this very schema text.
 */
function compiled(): ValidateFunction {
  if (!validator) {
    const text = readFileSync(catalogSchemaPath(), 'utf8');
    try {
      const pre = requireHere(`./${PRECOMPILED}`) as ValidateFunction & { schemaHash?: string };
      if (pre.schemaHash === schemaHash(text)) validator = pre;
    } catch {
      // Not built (tests run the sources): compile below.
    }
    validator ??= catalogAjv().compile(JSON.parse(text) as Record<string, unknown>);
  }
  return validator;
}

function toPath(instancePath: string): PathSegment[] {
  if (!instancePath) return [];
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
}

function describePath(path: readonly PathSegment[]): string {
  return path.reduce<string>((acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg), '') || 'the catalog';
}

const ONE_OF_MESSAGES: [RegExp, string][] = [
  [/^#\/properties\/labels\//, 'a label needs exactly one of "values" (an enum) or "max_values" (a bound)'],
  [/\/sli\/oneOf$/, 'an SLI is either a ratio {errors, total} or a latency {histogram, le[, matchers]}'],
];

function typeHint(value: unknown, expected: string): string | undefined {
  if (expected.includes('string') && typeof value === 'number') {
    return `YAML read this as the number ${value}; quote it ("${value}") to keep it a string`;
  }
  if (expected.includes('string') && typeof value === 'boolean') {
    return `YAML read this as a boolean; quote it to keep it a string`;
  }
  if ((expected.includes('boolean') || expected.includes('number')) && typeof value === 'string') {
    return `"${value}" is a string here; YAML 1.2 reads only true/false as booleans and unquoted digits as numbers`;
  }
  return undefined;
}

/** Checks the catalog against its JSON Schema; each problem points at the offending key or value. */
export function validateSchema(data: unknown, source: YamlSource): Diagnostic[] {
  const validate = compiled();
  if (validate(data)) return [];
  const errors = validate.errors ?? [];
  const alternatives = (k: string) => k === 'oneOf' || k === 'anyOf';
  const oneOfFailures = errors.filter((e) => alternatives(e.keyword)).map((e) => e.schemaPath);
  const diags: Diagnostic[] = [];
  for (const e of errors) {
    // Errors inside a failed oneOf/anyOf branch are noise: the oneOf/anyOf error says what is wanted.
    if (!alternatives(e.keyword) && oneOfFailures.some((p) => e.schemaPath.startsWith(p + '/'))) continue;
    const d = toDiagnostic(e, source);
    if (d) diags.push(d);
  }
  return diags;
}

export interface SchemaFault {
  path: PathSegment[];
  keyword: string;
  params: Record<string, unknown>;
}

/** Where the data breaks the schema, as data paths (the object holding a missing or unknown key). */
export function schemaFaults(data: unknown): SchemaFault[] {
  const validate = compiled();
  if (validate(data)) return [];
  return (validate.errors ?? []).map((e) => ({ path: toPath(e.instancePath), keyword: e.keyword, params: e.params as Record<string, unknown> }));
}

function toDiagnostic(e: ErrorObject, source: YamlSource): Diagnostic | undefined {
  const path = toPath(e.instancePath);
  const where = describePath(path);
  const base = { file: source.file, severity: 'error' as const };
  switch (e.keyword) {
    case 'additionalProperties': {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const props = Object.keys(((e.parentSchema as { properties?: object }).properties ?? {}) as object);
      return {
        ...base,
        check: 'schema-unknown-key',
        message: `unknown key "${key}" in ${where}${didYouMean(key, props)}`,
        ...source.locate([...path, key], true),
      };
    }
    case 'required': {
      const key = (e.params as { missingProperty: string }).missingProperty;
      return { ...base, check: 'schema-required', message: `${where} is missing the required key "${key}"`, ...source.locate(path, path.length > 0) };
    }
    case 'type': {
      const expected = String((e.params as { type: string | string[] }).type);
      const hint = typeHint(e.data, expected);
      return { ...base, check: 'schema-type', message: `${where} must be ${expected === 'object' ? 'a mapping' : expected === 'array' ? 'a list' : `a ${expected}`}`, ...source.locate(path), ...(hint ? { hint } : {}) };
    }
    case 'enum': {
      const allowed = (e.params as { allowedValues: unknown[] }).allowedValues.map(String);
      return { ...base, check: 'schema-enum', message: `${where} must be one of ${allowed.join(', ')}; got "${String(e.data)}"${didYouMean(String(e.data), allowed)}`, ...source.locate(path) };
    }
    case 'const':
      return { ...base, check: 'schema-const', message: `${where} must be ${JSON.stringify((e.params as { allowedValue: unknown }).allowedValue)}`, ...source.locate(path) };
    case 'pattern': {
      const isDuration = /duration/.test(e.schemaPath);
      return {
        ...base,
        check: isDuration ? 'schema-duration' : 'schema-pattern',
        message: isDuration ? `${where}: "${String(e.data)}" is not a Prometheus duration (e.g. 15s, 5m, 1h30m)` : `${where}: "${String(e.data)}" does not match ${(e.params as { pattern: string }).pattern}`,
        ...source.locate(path),
      };
    }
    case 'oneOf': {
      const msg = ONE_OF_MESSAGES.find(([re]) => re.test(e.schemaPath))?.[1] ?? 'matches none of the allowed forms';
      return { ...base, check: 'schema-one-of', message: `${where}: ${msg}`, ...source.locate(path, path.length > 0) };
    }
    case 'minProperties':
    case 'maxProperties':
    case 'anyOf': {
      // Where the schema explains the shape in its description, that says more than "fewer than 2 properties".
      const description = (e.parentSchema as { description?: string } | undefined)?.description;
      if (!description) return { ...base, check: `schema-${e.keyword}`, message: `${where} ${e.message ?? 'is invalid'}`, ...source.locate(path) };
      return { ...base, check: `schema-${e.keyword}`, message: `${where}: ${description}`, ...source.locate(path) };
    }
    case 'uniqueItems':
      return { ...base, check: 'schema-unique', message: `${where} lists the same item twice`, ...source.locate(path) };
    default:
      return { ...base, check: `schema-${e.keyword}`, message: `${where} ${e.message ?? 'is invalid'}`, ...source.locate(path) };
  }
}
