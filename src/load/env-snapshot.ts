// The yaml package's Parser reads `process.env.LOG_TOKENS` once per token (yaml 2.x, dist/parse/parser.js, a
// debugging switch), its Composer `process.env.LOG_STREAM` once per document. On Node every read of process.env
// is a call into the native environment (an interceptor that looks the variable up afresh): on a 2 MB rule file,
// 411,000 reads and about a fifth of the Parser's time. Given a plain copy of the environment for the duration of
// a parse, the same reads are ordinary property lookups and return the same values.

/**
 * Runs the synchronous `fn` with `process.env` replaced by a plain-object copy of itself, and puts the real one
 * back before returning or throwing. No other JavaScript of this thread runs meanwhile (fn is synchronous; worker
 * threads have their own process.env), and the process's real environment, which child processes and native code
 * read, is never changed. Where process.env cannot be replaced (an embedder froze it), fn runs as it is.
 */
export function withEnvSnapshot<T>(fn: () => T): T {
  const real = process.env;
  try {
    process.env = { ...real };
  } catch {
    return fn();
  }
  try {
    return fn();
  } finally {
    process.env = real;
  }
}
