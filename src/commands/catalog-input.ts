import { ExitError, hasErrors } from '../diagnostics.js';
import type { OutputFormat } from '../format-diagnostics.js';
import { loadCatalog } from '../load/load-catalog.js';
import type { Catalog } from '../model/catalog.js';
import type { YamlSource } from '../load/yaml-source.js';
import type { Io } from './io.js';
import { printDiagnostics } from './io.js';

/** Loads the catalog for a command; prints its diagnostics and stops with exit 1 when it is invalid. */
export async function requireCatalog(io: Io, file: string, format: OutputFormat, printClean = false): Promise<{ catalog: Catalog; source: YamlSource }> {
  const result = await loadCatalog(file);
  const sources = new Map([[file, result.text ?? '']]);
  if (hasErrors(result.diagnostics) || !result.catalog || !result.source) {
    await printDiagnostics(io, format, result.diagnostics, sources);
    throw new ExitError(1);
  }
  if (result.diagnostics.length || printClean) await printDiagnostics(io, format, result.diagnostics, sources);
  return { catalog: result.catalog, source: result.source };
}
