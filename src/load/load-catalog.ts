import { readFile } from 'node:fs/promises';
import type { Diagnostic } from '../diagnostics.js';
import { hasErrors } from '../diagnostics.js';
import type { Catalog } from '../model/catalog.js';
import type { RawCatalog } from '../model/raw.js';
import { buildCatalog } from '../model/build.js';
import { validateSchema } from '../validate/schema.js';
import { pruneSchemaFaults, withoutPrunedEchoes } from '../validate/prune.js';
import { checkSemantics } from '../validate/semantic.js';
import { checkExpressions } from '../validate/expressions.js';
import { checkStatusDomains } from '../validate/status-domain.js';
import { checkGeneratedNames } from '../validate/generated-names.js';
import { YamlSource } from './yaml-source.js';

export interface LoadResult {
  catalog?: Catalog;
  source?: YamlSource;
  /** The decoded text, also when it did not parse: diagnostics quote its lines. */
  text?: string;
  diagnostics: Diagnostic[];
}

/**
 * The whole front half of the pipeline on text: parse -> schema -> semantic rules -> model -> expressions.
 * Every problem in one run: parts that break the schema are set aside and the rest is still checked.
 */
export function validateCatalog(file: string, content: string | Uint8Array): LoadResult {
  const parsed = YamlSource.parse(file, content);
  const text = parsed.text !== undefined ? { text: parsed.text } : {};
  if (!parsed.source) return { ...text, diagnostics: parsed.diagnostics };
  const source = parsed.source;
  const schema = validateSchema(parsed.data, source);
  let raw = parsed.data as RawCatalog;
  let echoes = (d: Diagnostic[]) => d;
  let setAside: ReadonlyMap<string, ReadonlyMap<number, unknown>> = new Map();
  if (schema.length) {
    const pruned = pruneSchemaFaults(parsed.data);
    if (!pruned) return { source, ...text, diagnostics: schema };
    raw = pruned.data;
    echoes = (d) => withoutPrunedEchoes(d, pruned.removed, source);
    setAside = pruned.removed.items;
  }
  const semantic = checkSemantics(raw, source, setAside);
  const catalog = buildCatalog(raw, file);
  const diagnostics = [...schema, ...echoes([...semantic, ...checkExpressions(catalog, source), ...checkStatusDomains(catalog, source), ...checkGeneratedNames(catalog, source)])];
  return { source, ...text, diagnostics, ...(hasErrors(diagnostics) ? {} : { catalog }) };
}

/** Reads and validates a catalog file. A missing or unreadable file is a diagnostic, not an exception. */
export async function loadCatalog(file: string): Promise<LoadResult> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const message = code === 'ENOENT' ? 'catalog file not found (run `devskyy-mon init` to create one)' : code === 'EISDIR' ? 'is a directory, not a catalog file' : `cannot read: ${(err as Error).message}`;
    return { diagnostics: [{ file, severity: 'error', check: 'catalog-read', message }] };
  }
  return validateCatalog(file, bytes);
}
