import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { EnvironmentError, ExitError } from '../diagnostics.js';
import { packageRoot } from '../util/package-root.js';
import type { Io } from './io.js';

export const TEMPLATES = ['devskyy', 'minimal'] as const;
export type InitTemplate = (typeof TEMPLATES)[number];

const GITIGNORE = ['# devskyy-mon: runtime state and secrets', '.devskyy-mon/', '.env', ''].join('\n');

async function atomicWrite(path: string, content: string): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, content, { flag: 'wx' });
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}

/** Where the schema is in every clone of the user's project: the installed package, from the project's root. */
export const INSTALLED_SCHEMA = 'node_modules/devskyy-mon/schema/catalog.schema.json';

/**
 * The schema comment's path, relative to the catalog's folder: the project root is the nearest folder up from it
 * with a package.json (where `npm i -D devskyy-mon` puts node_modules), else the catalog's own folder. Never a
 * path into wherever this copy of the tool happens to be installed, which no other clone has.
 */
export function schemaRefFor(catalogDir: string): string {
  let root = catalogDir;
  for (let d = catalogDir; ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) {
      root = d;
      break;
    }
    if (dirname(d) === d) break;
  }
  return relative(catalogDir, join(root, INSTALLED_SCHEMA)).split('\\').join('/');
}

/** Writes a catalog from a shipped stack, pointing its schema comment at the project's installed schema. */
export async function runInit(io: Io, dir: string, template: string, force: boolean): Promise<void> {
  if (!(TEMPLATES as readonly string[]).includes(template)) throw new EnvironmentError(`unknown template "${template}"; choose ${TEMPLATES.join(' or ')}`);
  const target = resolve(dir);
  const catalogPath = join(target, 'catalog.yaml');
  if (existsSync(catalogPath) && !force) {
    io.err(`${relative(process.cwd(), catalogPath) || catalogPath} already exists; use --force to overwrite it\n`);
    throw new ExitError(1);
  }
  try {
    // One level at a time: Node's recursive mkdir never returns where a parent cannot hold folders (/proc).
    const missing: string[] = [];
    for (let d = target; !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.unshift(d);
    for (const d of missing) mkdirSync(d);
  } catch (err) {
    throw new EnvironmentError(`cannot create ${dir}: ${(err as Error).message}`);
  }
  const source = readFileSync(join(packageRoot(), 'stacks', template, 'catalog.yaml'), 'utf8');
  const schemaRef = schemaRefFor(target);
  const text = source.replace(/^# yaml-language-server: \$schema=.*$/m, `# yaml-language-server: $schema=${schemaRef}`);
  await atomicWrite(catalogPath, text);
  const gitignore = join(target, '.gitignore');
  if (!existsSync(gitignore)) await atomicWrite(gitignore, GITIGNORE);
  const shown = relative(process.cwd(), catalogPath) || catalogPath;
  io.out(`created ${shown} (${template})\nnext: devskyy-mon generate --catalog ${shown}\n`);
}
