// The I/O edge of import: the exposition from a live /metrics URL or a saved file, rule files and dashboards.
import { readFile } from 'node:fs/promises';
import { EnvironmentError } from '../diagnostics.js';
import type { TextInput } from './rule-files.js';

/** OpenMetrics first (it carries UNIT, info and stateset), text 0.0.4 when the exporter has nothing else. */
export const ACCEPT = 'application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1';

export interface ScrapeTarget {
  scheme: 'http' | 'https';
  host: string;
  port: number;
  path: string;
}

export interface ExpositionInput {
  text: string;
  contentType: string;
  /** Where Prometheus would scrape it, when it came from a URL. */
  target?: ScrapeTarget;
}

export const isUrl = (s: string) => /^https?:\/\//i.test(s);

export async function readExposition(source: string, timeoutMs = 10_000): Promise<ExpositionInput> {
  if (!isUrl(source)) return { text: await readText(source), contentType: '' };
  let url: URL;
  try {
    url = new URL(source);
  } catch {
    throw new EnvironmentError(`${source} is not a valid URL`);
  }
  let res: Response;
  try {
    res = await fetch(url, { headers: { accept: ACCEPT }, signal: AbortSignal.timeout(timeoutMs) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new EnvironmentError(`cannot scrape ${source}: ${cause?.code ?? cause?.message ?? (err as Error).message}; is the app running and listening there?`);
  }
  if (!res.ok) throw new EnvironmentError(`scraping ${source} answered HTTP ${res.status} ${res.statusText}`);
  const scheme = url.protocol === 'https:' ? 'https' : 'http';
  return {
    text: await res.text(),
    contentType: res.headers.get('content-type') ?? '',
    target: { scheme, host: url.hostname.replace(/^\[|\]$/g, ''), port: url.port ? Number(url.port) : scheme === 'https' ? 443 : 80, path: url.pathname || '/metrics' },
  };
}

export async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new EnvironmentError(code === 'ENOENT' ? `${file}: no such file` : `cannot read ${file}: ${(err as Error).message}`);
  }
}

export async function readTextInputs(files: readonly string[]): Promise<TextInput[]> {
  return Promise.all(files.map(async (file) => ({ file, text: await readText(file) })));
}
