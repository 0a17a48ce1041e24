import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Severity } from '../diagnostics.js';
import { EnvironmentError, ExitError, hasErrors } from '../diagnostics.js';
import type { OutputFormat } from '../format-diagnostics.js';
import { formatDiagnostics } from '../format-diagnostics.js';
import { CHECKS } from '../lint/checks.js';
import { lintAlerts } from '../lint/lint-alerts.js';
import { checkMatches } from '../lint/silence.js';
import { didYouMean } from '../util/suggest.js';
import { loadCatalog } from '../load/load-catalog.js';
import type { Io } from './io.js';

export interface LintFlags {
  /** Absent: catalog.yaml when it exists, else catalog-free mode. */
  catalog?: string;
  format: OutputFormat;
  promtool: boolean;
  listChecks: boolean;
  disable?: string[];
  minSeverity?: Severity;
  /** Exit 1 when there are more warnings than this (like eslint's --max-warnings). */
  maxWarnings?: number;
}

const DEFAULT_CATALOG = 'catalog.yaml';

export async function runLintAlerts(io: Io, files: string[], flags: LintFlags): Promise<void> {
  if (flags.listChecks) {
    if (flags.format === 'json') io.out(JSON.stringify(CHECKS, null, 2) + '\n');
    else for (const c of CHECKS) io.out(`${c.id.padEnd(34)} ${c.severity.padEnd(8)} ${c.doc}\n`);
    return;
  }
  const disable = flags.disable ?? [];
  for (const d of disable) {
    if (!CHECKS.some((c) => checkMatches(c.id, d))) throw new EnvironmentError(`--disable ${d}: no such check${didYouMean(d, CHECKS.map((c) => c.id))}; see lint-alerts --list-checks`);
  }
  const catalogFile = flags.catalog ?? (existsSync(DEFAULT_CATALOG) ? DEFAULT_CATALOG : undefined);
  // An invalid catalog is reported, and the rules still get every check that needs no catalog: one run shows
  // all the problems, in one output.
  const loaded = catalogFile ? await loadCatalog(catalogFile) : undefined;
  const catalogInvalid = loaded !== undefined && (hasErrors(loaded.diagnostics) || !loaded.catalog);
  const catalog = catalogInvalid ? undefined : loaded?.catalog;
  let targets = files;
  if (!targets.length) {
    if (!catalogFile) throw new EnvironmentError(`no rule files given and no ${DEFAULT_CATALOG} here; name the rule files (devskyy-mon lint-alerts rules.yml)`);
    // The generate command and the rule emitter load only here, when the generated rule files are the targets.
    const [{ outDirOf }, { ALERTS_FILE, RECORDING_FILE }] = await Promise.all([import('./generate.js'), import('../emit/rules.js')]);
    const out = relative(process.cwd(), outDirOf(catalogFile)) || '.';
    targets = [join(out, ALERTS_FILE), join(out, RECORDING_FILE)].filter((f) => existsSync(f));
    if (!targets.length) throw new EnvironmentError(`no rule files given and none generated in ${out}; run devskyy-mon generate or name the files`);
  }
  const result = await lintAlerts(targets, catalog, { promtool: flags.promtool, disable, minSeverity: flags.minSeverity ?? 'warning' });
  const diagnostics = [...(loaded?.diagnostics ?? []), ...result.diagnostics];
  const sources = new Map(result.sources);
  if (catalogFile && loaded) sources.set(catalogFile, loaded.text ?? '');
  const text = await formatDiagnostics(flags.format, diagnostics, sources);
  if (flags.format === 'text') {
    if (diagnostics.length) io.err(text + (catalogInvalid ? `${catalogFile} has errors: only the checks that need no catalog ran on the rule files\n` : ''));
    else io.out(`${targets.length} file(s), ${result.rules} rules: no problems found${catalog ? '' : ' (no catalog: the checks that need one did not run)'}\n`);
  } else io.out(text);
  const warnings = diagnostics.filter((d) => d.severity === 'warning').length;
  if (hasErrors(diagnostics)) throw new ExitError(1);
  // Said on stderr in every format: a CI log otherwise shows a failure with no error in it.
  if (flags.maxWarnings !== undefined && warnings > flags.maxWarnings) throw new ExitError(1, `${warnings} warning${warnings === 1 ? '' : 's'}, more than --max-warnings ${flags.maxWarnings}`);
}
