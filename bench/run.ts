// npm run bench: every benchmark, side by side, printed as Markdown tables.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchExporter } from './exporter.js';
import { benchGenerate } from './generate.js';
import { benchImport } from './import.js';
import { benchLint } from './lint.js';
import { benchVerified } from './verified.js';
import { benchTopology } from './topology.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const devskyy = join(root, 'stacks', 'devskyy', 'catalog.yaml');
const only = process.argv[2];
const out: string[] = [`Node ${process.version}, ${new Date().toISOString().slice(0, 10)}\n`];
if (!only || only === 'generate') out.push(benchGenerate(root));
// `npm run bench -- lint [runs] [baseline-root]`: a baseline build is timed in the same turns.
if (!only || only === 'lint') out.push(benchLint(devskyy, root, [1000, 10000], only === 'lint' && process.argv[3] ? Number(process.argv[3]) : 5, only === 'lint' ? process.argv[4] : undefined));
if (!only || only === 'import') out.push(await benchImport(join(root, 'bin', 'devskyy-mon.js')));
if (!only || only === 'exporter') out.push(await benchExporter(devskyy));
// Starts real stacks for a minute or more: only when asked (`npm run bench -- verified [runs] [baseline root]`).
if (only === 'verified') out.push(await benchVerified(root, devskyy, Number(process.argv[3] ?? 5), process.argv[4]));
// Single vs HA topology, real stacks of up to 14 processes: only when asked (`npm run bench -- topology [runs]`).
if (only === 'topology') out.push(await benchTopology(root, Number(process.argv[3] ?? 3)));
process.stdout.write(out.join('\n'));
