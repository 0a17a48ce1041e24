// npm run bench: every benchmark, side by side, printed as Markdown tables.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchExporter } from './exporter.js';
import { benchGenerate } from './generate.js';
import { benchLint } from './lint.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const devskyy = join(root, 'stacks', 'devskyy', 'catalog.yaml');
const only = process.argv[2];
const out: string[] = [`Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`];
if (!only || only === 'generate') out.push(benchGenerate(root));
if (!only || only === 'lint') out.push(benchLint(devskyy, root));
if (!only || only === 'exporter') out.push(await benchExporter(devskyy));
process.stdout.write(out.join('\n'));
