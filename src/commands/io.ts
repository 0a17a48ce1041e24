// The only place the CLI talks to the terminal.
import type { Diagnostic } from '../diagnostics.js';
import { formatDiagnostics } from '../format-diagnostics.js';
import type { OutputFormat, Sources } from '../format-diagnostics.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
}

export const processIo: Io = {
  out: (t) => void process.stdout.write(t),
  err: (t) => void process.stderr.write(t),
  isTTY: Boolean(process.stdout.isTTY),
};

export function printDiagnostics(io: Io, format: OutputFormat, diags: readonly Diagnostic[], sources: Sources): void {
  if (format === 'text') {
    if (diags.length) io.err(formatDiagnostics('text', diags, sources));
  } else io.out(formatDiagnostics(format, diags, sources));
}
