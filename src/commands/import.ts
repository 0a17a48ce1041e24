// devskyy-mon import: flags in, the import library called, the catalog written, the report printed.
import { writeFailure } from '../write/failure.js';
import { relative, resolve, dirname } from 'node:path';
import { EnvironmentError, ExitError, hasErrors } from '../diagnostics.js';
import { ExpositionError, parseExposition } from '../import/exposition.js';
import { DashboardError } from '../import/grafana-dashboards.js';
import type { ImportReport } from '../import/import-catalog.js';
import { importCatalog } from '../import/import-catalog.js';
import { isUrl, readExposition, readTextInputs } from '../import/read-inputs.js';
import { RuleFileError } from '../import/rule-files.js';
import type { ServiceDraft } from '../import/infer-catalog.js';
import { catalogSchemaPath } from '../validate/schema.js';
import { WriteConflictError } from '../write/apply.js';
import { writeSingleFile } from '../write/single-file.js';
import type { Io } from './io.js';
import { printDiagnostics } from './io.js';

export interface ImportFlags {
  fromMetrics: string;
  fromRules?: string[];
  fromDashboards?: string[];
  out: string;
  namespace?: string;
  service?: string;
  target?: string;
  exporter: 'demo' | 'external';
  title?: string;
  skipUntyped: boolean;
  listStandard: boolean;
  force: boolean;
  dryRun: boolean;
  format: 'text' | 'json';
}

function targetOf(flag: string | undefined): { host: string; port: number } {
  if (!flag) return { host: '127.0.0.1', port: 8000 };
  const m = /^(.+):(\d{1,5})$/.exec(flag);
  const port = m ? Number(m[2]) : NaN;
  if (!m || port < 1 || port > 65535) throw new EnvironmentError(`--target ${flag}: expected host:port, e.g. 127.0.0.1:8000`);
  return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
}

function printReport(io: Io, r: ImportReport, out: string, written: boolean): void {
  const lines: string[] = [];
  lines.push(`${written ? 'wrote' : 'would write'} ${out}: namespace ${r.namespace}, ${r.metrics} metrics from ${r.families} ${r.format === 'openmetrics' ? 'OpenMetrics' : 'text 0.0.4'} families, ${r.labels} labels, ${r.alerts} alerts, ${r.recordingRules} recording rules, ${r.dashboards} dashboards (${r.panels} panels)`);
  for (const s of r.summarised) lines.push(`summarised, not copied: ${s.count} ${s.prefix} famil${s.count === 1 ? 'y' : 'ies'}${s.families ? `: ${s.families.join(', ')}` : ' (--list-standard names them)'}`);
  for (const s of r.renamed) lines.push(`renamed: ${s.exposed} -> ${s.catalog}`);
  for (const s of r.skipped) lines.push(`not imported: ${s.name}: ${s.reason}`);
  for (const n of r.notCarried) lines.push(`not carried over: ${n.what} (${n.source}): ${n.reason}`);
  for (const f of r.findings) lines.push(`${f.severity}: ${f.subject}: ${f.message}`);
  io.out(lines.join('\n') + '\n');
}

export async function runImport(io: Io, f: ImportFlags): Promise<void> {
  const expoInput = await readExposition(f.fromMetrics);
  const [rules, dashboards] = await Promise.all([readTextInputs(f.fromRules ?? []), readTextInputs(f.fromDashboards ?? [])]);
  let expo;
  try {
    expo = parseExposition(expoInput.text, expoInput.contentType);
  } catch (err) {
    if (!(err instanceof ExpositionError)) throw err;
    io.err(`${f.fromMetrics}${err.line ? `:${err.line}:1` : ''}: error [import/exposition] ${err.message}\n`);
    throw new ExitError(1);
  }
  const where = expoInput.target ?? (isUrl(f.fromMetrics) ? undefined : { ...targetOf(f.target), path: '/metrics', scheme: 'http' as const });
  const addr = f.target ? { ...where!, ...targetOf(f.target) } : where!;
  const outAbs = resolve(f.out);
  const schemaRef = relative(dirname(outAbs), catalogSchemaPath()).split('\\').join('/');
  let result;
  try {
    result = importCatalog(expo, rules, dashboards, {
      source: f.fromMetrics,
      file: f.out,
      schemaRef,
      ...(f.namespace ? { namespace: f.namespace } : {}),
      ...(f.title ? { title: f.title } : {}),
      skipUntyped: f.skipUntyped,
      listStandard: f.listStandard,
      service: serviceOf(f, addr),
      ...(!expoInput.target && !f.target ? { serviceNote: `services: the scrape address 127.0.0.1:8000 is assumed (read from a file); pass --target host:port or edit it.` } : {}),
    });
  } catch (err) {
    if (err instanceof RuleFileError || err instanceof DashboardError) {
      io.err(`error [import/input] ${err.message}\n`);
      throw new ExitError(1);
    }
    if (err instanceof Error && /no family|pass --namespace/.test(err.message)) {
      io.err(`${f.fromMetrics}: error [import/empty] ${err.message}\n`);
      throw new ExitError(1);
    }
    throw err;
  }
  if (hasErrors(result.diagnostics)) {
    await printDiagnostics(io, 'text', result.diagnostics, new Map([[f.out, result.text]]));
    io.err('the imported catalog does not validate (a bug in import: please report it with the exposition); nothing was written\n');
    throw new ExitError(1);
  }
  if (f.dryRun) io.out(result.text);
  else {
    try {
      await writeSingleFile(outAbs, result.text, { force: f.force, owner: 'import' });
    } catch (err) {
      if (err instanceof WriteConflictError) {
        io.err(`${f.out}: ${err.message.replace(/^[^:]*: /, '')}\nnothing was written\n`);
        throw new ExitError(1);
      }
      throw writeFailure(err, f.out, 'choose another file with --out');
    }
  }
  if (f.format === 'json') io.out(JSON.stringify({ out: f.out, written: !f.dryRun, ...result.report }, null, 2) + '\n');
  else if (!f.dryRun) printReport(io, result.report, f.out, true);
  else printReport({ ...io, out: io.err }, result.report, f.out, false);
  if (result.diagnostics.length) await printDiagnostics(io, 'text', result.diagnostics, new Map([[f.out, result.text]]));
}

function serviceOf(f: ImportFlags, addr: { host: string; port: number; path: string; scheme: 'http' | 'https' }): ServiceDraft {
  return {
    ...(f.service ? { name: f.service } : {}),
    ...(addr.host !== '127.0.0.1' ? { host: addr.host } : {}),
    port: addr.port,
    ...(addr.path !== '/metrics' ? { path: addr.path } : {}),
    ...(addr.scheme !== 'http' ? { scheme: addr.scheme } : {}),
    exporter: f.exporter,
  };
}
