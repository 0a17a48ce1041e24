// A dashboard query as Grafana sends it to Prometheus, for the tools that run the queries themselves (verify,
// preview): variables at "All" and Grafana's time macros filled in.

/** The time a query is sent for: Grafana's $__interval (the step) and $__range. */
export interface QueryTime {
  stepSeconds: number;
  rangeSeconds: number;
}

/**
 * `$name`, `${name}`, `${name:format}` and `[[name]]` of the dashboard's variables become `.*` (the allValue
 * generated dashboards declare, what "All" sends); `$__interval` is the step, `$__range` the range, and
 * `$__rate_interval` four steps and at least a minute (Grafana: max(4 x scrape interval, $__interval + scrape
 * interval), with the step standing in for the scrape interval). Other `$` text is left as written.
 */
export function interpolateQuery(expr: string, variables: readonly string[], t: QueryTime): string {
  const builtins: Record<string, string> = { __interval: `${t.stepSeconds}s`, __rate_interval: `${Math.max(4 * t.stepSeconds, 60)}s`, __range: `${t.rangeSeconds}s` };
  const value = (name: string) => builtins[name] ?? (variables.includes(name) ? '.*' : undefined);
  return expr.replace(/\$\{(\w+)(?::[^}]*)?\}|\[\[(\w+)\]\]|\$(\w+)/g, (m, a?: string, b?: string, c?: string) => value((a ?? b ?? c)!) ?? m);
}
