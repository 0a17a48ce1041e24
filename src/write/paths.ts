import { isAbsolute, normalize, sep } from 'node:path';

/** Rejects artifact paths that could land outside the output folder. */
export function checkRelativePath(p: string): string | undefined {
  if (p === '' || isAbsolute(p) || /^[a-zA-Z]:/.test(p)) return `"${p}" is not a relative path`;
  const n = normalize(p);
  if (n.split(sep).includes('..') || n.startsWith('..')) return `"${p}" leaves the output folder`;
  if (p.includes('\0')) return `"${p}" contains a NUL byte`;
  return undefined;
}
