import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { EnvironmentError, ExitError, hasErrors } from '../diagnostics.js';
import type { OutputFormat } from '../format-diagnostics.js';
import { formatDiagnostics } from '../format-diagnostics.js';
import { CHECKS } from '../lint/checks.js';
import { lintAlerts } from '../lint/lint-alerts.js';
import { ALERTS_FILE, RECORDING_FILE } from '../emit/rules.js';
import { requireCatalog } from './catalog-input.js';
import { outDirOf } from './generate.js';
import type { Io } from './io.js';

export interface LintFlags {
  catalog: string;
  format: OutputFormat;
  promtool: boolean;
  listChecks: boolean;
  /** Exit 1 when there are more warnings than this (like eslint's --max-warnings). */
  maxWarnings?: number;
}

export async function runLintAlerts(io: Io, files: string[], flags: LintFlags): Promise<void> {
  if (flags.listChecks) {
    if (flags.format === 'json') io.out(JSON.stringify(CHECKS, null, 2) + '\n');
    else for (const c of CHECKS) io.out(`${c.id.padEnd(34)} ${c.severity.padEnd(8)} ${c.doc}\n`);
    return;
  }
  const { catalog } = await requireCatalog(io, flags.catalog, flags.format);
  let targets = files;
  if (!targets.length) {
    const out = relative(process.cwd(), outDirOf(flags.catalog)) || '.';
    targets = [join(out, ALERTS_FILE), join(out, RECORDING_FILE)].filter((f) => existsSync(f));
    if (!targets.length) throw new EnvironmentError(`no rule files given and none generated in ${out}; run devskyy-mon generate or name the files`);
  }
  const result = await lintAlerts(targets, catalog, { promtool: flags.promtool });
  const text = formatDiagnostics(flags.format, result.diagnostics, result.sources);
  if (flags.format === 'text') {
    if (result.diagnostics.length) io.err(text);
    else io.out(`${targets.length} file(s), ${result.rules} rules: no problems found\n`);
  } else io.out(text);
  const warnings = result.diagnostics.filter((d) => d.severity === 'warning').length;
  if (hasErrors(result.diagnostics) || (flags.maxWarnings !== undefined && warnings > flags.maxWarnings)) throw new ExitError(1);
}
