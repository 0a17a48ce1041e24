// The TypeScript names a metric gets in the generated exporter (its handle and its labels type), decided here
// once: the emitter writes them, and validation refuses catalogs in which two metrics, or a metric and a name the
// module already declares, would get the same one.

/** The handle name of a metric: `http_requests_total` -> `httpRequestsTotal`. */
export function camel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
}

/** The type-name stem of a metric: `http_requests_total` -> `HttpRequestsTotal` (its labels type adds `Labels`). */
export function pascal(name: string): string {
  const c = camel(name);
  return c.charAt(0).toUpperCase() + c.slice(1);
}

/** Words TypeScript does not accept as a `const` name (ECMAScript reserved words, strict mode, and TypeScript's own). */
export const RESERVED_WORDS: ReadonlySet<string> = new Set([
  'arguments', 'await', 'break', 'case', 'catch', 'class', 'const', 'continue', 'debugger', 'default', 'delete', 'do', 'else', 'enum', 'eval',
  'export', 'extends', 'false', 'finally', 'for', 'function', 'if', 'implements', 'import', 'in', 'instanceof', 'interface', 'let', 'new',
  'null', 'package', 'private', 'protected', 'public', 'return', 'static', 'super', 'switch', 'this', 'throw', 'true', 'try', 'typeof',
  'undefined', 'var', 'void', 'while', 'with', 'yield',
]);

/** Value names the generated metrics.ts declares or imports itself, beside the metric handles. */
export const EXPORTER_MODULE_VALUES: readonly string[] = ['exporter', 'setupCollectors', 'SPEC'];
