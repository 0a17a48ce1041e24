// The page's code, read at run time and inlined so a preview page fetches nothing: uPlot's script and style
// from node_modules, and the preview's own page script (compiled from src/preview/client) from dist.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../util/package-root.js';

export interface PageAssets {
  uplotJs: string;
  uplotCss: string;
  /** The page script's ES modules by the specifier the entry imports them with; the entry is "./page.js". */
  modules: Record<string, string>;
}

const CLIENT_MODULES = ['page.js', 'units.js'] as const;

let cached: Promise<PageAssets> | undefined;

async function load(): Promise<PageAssets> {
  const require = createRequire(import.meta.url);
  const uplot = (file: string) => readFile(require.resolve(`uplot/dist/${file}`), 'utf8');
  const client = join(packageRoot(), 'dist', 'src', 'preview', 'client');
  const [uplotJs, uplotCss, ...code] = await Promise.all([uplot('uPlot.iife.min.js'), uplot('uPlot.min.css'), ...CLIENT_MODULES.map((m) => readFile(join(client, m), 'utf8'))]);
  return { uplotJs: uplotJs!, uplotCss: uplotCss!, modules: Object.fromEntries(CLIENT_MODULES.map((m, i) => [`./${m}`, code[i]!])) };
}

/** Read once per process. A missing page script means the package was not built (npm run build). */
export function pageAssets(): Promise<PageAssets> {
  cached ??= load().catch((err: unknown) => {
    cached = undefined;
    throw err;
  });
  return cached;
}
