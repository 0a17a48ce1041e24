// The pure middle of the pipeline: a validated catalog in, the list of files to write out.
import type { Catalog } from './model/catalog.js';
import type { Artifact } from './emit/artifact.js';
import { emitMetricsDoc } from './emit/metrics-doc.js';

export type Target = 'compose' | 'kubernetes';

export interface GenerateOptions {
  target?: Target;
}

export type Emitter = (catalog: Catalog) => Artifact[];

/** Emitters per target, in output order; each owns its own files. */
export function emitters(target: Target): Emitter[] {
  const common: Emitter[] = [emitMetricsDoc];
  return target === 'kubernetes' ? [...common] : [...common];
}

export async function generate(catalog: Catalog, options: GenerateOptions = {}): Promise<Artifact[]> {
  const artifacts = emitters(options.target ?? 'compose').flatMap((emit) => emit(catalog));
  return artifacts.sort((a, b) => a.path.localeCompare(b.path));
}
