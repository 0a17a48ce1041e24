// The only place the CLI talks to the terminal.
import type { Diagnostic } from '../diagnostics.js';
import { codePoint } from '../emit/escape.js';
import { formatDiagnostics } from '../format-diagnostics.js';
import type { OutputFormat, Sources } from '../format-diagnostics.js';

export interface Io {
  out(text: string): void;
  err(text: string): void;
  isTTY: boolean;
  /** A terminal control sequence of our own (cursor movement); where absent, `out` gets it. */
  control?(sequence: string): void;
}

/**
 * Text for a terminal: control characters other than newline and tab (C0, DEL, C1: ESC sequences, CSI, OSC,
 * carriage return) are shown as `\u00XX`, so catalog text in a message cannot recolour the terminal, set its
 * title or overwrite a line. JSON output keeps its meaning: such characters only occur inside its strings, where
 * `\u00XX` is the same character.
 */
export function terminalText(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, codePoint);
}

/**
 * Writes to a stream until its reader goes away: after EPIPE (`devskyy-mon status | head`) further output is
 * dropped and the command finishes its work, rather than dying with an unhandled 'error' event half-way through
 * (e.g. through starting a stack).
 */
function pipeWriter(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') closed = true;
    else throw err;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

const stdout = pipeWriter(process.stdout);
const stderr = pipeWriter(process.stderr);

export const processIo: Io = {
  out: (t) => stdout(terminalText(t)),
  err: (t) => stderr(terminalText(t)),
  isTTY: Boolean(process.stdout.isTTY),
  control: (sequence) => stdout(sequence),
};

export async function printDiagnostics(io: Io, format: OutputFormat, diags: readonly Diagnostic[], sources: Sources): Promise<void> {
  if (format === 'text') {
    if (diags.length) io.err(await formatDiagnostics('text', diags, sources));
  } else io.out(await formatDiagnostics(format, diags, sources));
}
