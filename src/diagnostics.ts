// Errors as data: every stage returns Diagnostics; only the CLI decides how to print them and which exit code follows.

export type Severity = 'error' | 'warning';

export interface Position {
  line: number; // 1-based
  column: number; // 1-based
}

export interface Diagnostic {
  file: string;
  severity: Severity;
  check: string;
  message: string;
  start?: Position;
  end?: Position;
  /** Why the rule exists or how to fix it; printed under the caret. */
  hint?: string;
}

export function hasErrors(diags: readonly Diagnostic[]): boolean {
  return diags.some((d) => d.severity === 'error');
}

export function sortDiagnostics(diags: readonly Diagnostic[]): Diagnostic[] {
  return [...diags].sort(
    (a, b) =>
      a.file.localeCompare(b.file) ||
      (a.start?.line ?? 0) - (b.start?.line ?? 0) ||
      (a.start?.column ?? 0) - (b.start?.column ?? 0) ||
      a.check.localeCompare(b.check),
  );
}

/** Thrown by commands to end the process with a code after output has been printed. */
export class ExitError extends Error {
  constructor(
    readonly code: number,
    message = '',
  ) {
    super(message);
  }
}

/** A usage or environment problem (exit 2): bad flags, a missing binary, a busy port. */
export class EnvironmentError extends Error {}
