// Names the generated exporter gives each metric must be usable TypeScript names, distinct from each other and
// from what the module already declares or re-exports from @devskyy-mon/runtime (a local `export const` of the
// same name silently wins over `export *`, so `setupPrometheus` would be a gauge).
import { RUNTIME_VALUE_EXPORTS } from '@devskyy-mon/runtime/spec';
import type { Diagnostic } from '../diagnostics.js';
import type { YamlSource } from '../load/yaml-source.js';
import type { Catalog } from '../model/catalog.js';
import { camel, EXPORTER_MODULE_VALUES, pascal, RESERVED_WORDS } from '../model/identifiers.js';

const TAKEN: ReadonlyMap<string, string> = new Map([
  ...EXPORTER_MODULE_VALUES.map((n): [string, string] => [n, 'which the generated exporter module declares itself']),
  ...RUNTIME_VALUE_EXPORTS.map((n): [string, string] => [n, 'which the generated exporter module re-exports from @devskyy-mon/runtime']),
]);

/** Errors at each metric name whose TypeScript handle or labels type would clash. */
export function checkGeneratedNames(catalog: Catalog, source: YamlSource): Diagnostic[] {
  const out: Diagnostic[] = [];
  const handles = new Map<string, string>();
  const types = new Map<string, string>();
  for (const m of catalog.metrics) {
    if (!m.path.length) continue; // the runtime's own metrics are not handles of the generated module
    const at = source.locate([...m.path, 'name']);
    const report = (message: string) => out.push({ file: source.file, severity: 'error', check: 'exporter-name', message, ...at });
    const handle = camel(m.name);
    const type = `${pascal(m.name)}Labels`;
    if (RESERVED_WORDS.has(handle)) report(`metric "${m.name}" becomes the TypeScript name ${handle}, a reserved word, in the generated exporter; rename it`);
    else if (TAKEN.has(handle)) report(`metric "${m.name}" becomes the TypeScript name ${handle}, ${TAKEN.get(handle)!}; rename it`);
    const twin = handles.get(handle) ?? types.get(type);
    if (twin !== undefined) report(`metrics "${twin}" and "${m.name}" both become the TypeScript name ${handles.has(handle) ? handle : type} in the generated exporter; rename one`);
    handles.set(handle, m.name);
    types.set(type, m.name);
  }
  return out;
}
