import { createHash } from 'node:crypto';

export const MANIFEST_FILE = '.devskyy-mon-manifest.json';

/** Each target keeps its own manifest, so both can share an output folder without deleting each other's files. */
export function manifestFile(target: string): string {
  return target === 'compose' ? MANIFEST_FILE : `.devskyy-mon-manifest.${target}.json`;
}
export const LOCK_FILE = '.devskyy-mon.lock';
/** The plan of the run in progress, so a run that was killed is finished or undone by the next one. */
export const JOURNAL_FILE = '.devskyy-mon.journal.json';

/** What the output folder holds that devskyy-mon wrote, with the hash of what it wrote. */
export interface Manifest {
  generator: 'devskyy-mon';
  catalog: string;
  files: Record<string, string>;
}

export function sha256(content: string | Buffer): string {
  return createHash('sha256').update(content).digest('hex');
}

export function parseManifest(text: string | undefined): Manifest | undefined {
  if (text === undefined) return undefined;
  try {
    const m = JSON.parse(text) as Partial<Manifest>;
    if (m.generator !== 'devskyy-mon' || typeof m.files !== 'object' || m.files === null) return undefined;
    return { generator: 'devskyy-mon', catalog: String(m.catalog ?? ''), files: { ...m.files } };
  } catch {
    return undefined;
  }
}

export function renderManifest(catalog: string, files: Record<string, string>): string {
  const sorted = Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.stringify({ generator: 'devskyy-mon', catalog, files: sorted }, null, 2) + '\n';
}
