// A file-system error while writing output is an environment problem (exit 2): said in words, naming the path.
import { relative } from 'node:path';
import { EnvironmentError } from '../diagnostics.js';

const FS_REASONS: Record<string, string> = {
  EROFS: 'the file system is read-only',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  ENOENT: 'a parent folder cannot be created there',
  ENOTDIR: 'a parent of it is a file, not a folder',
  EISDIR: 'a folder stands where a file must go',
  EEXIST: 'a file appeared while writing',
};

/**
 * `err` as an EnvironmentError when it is a file-system error (it has an errno code and a syscall), else `err`
 * itself: `what` names the target ("the output folder generated"), `hint` says what to do instead.
 */
export function writeFailure(err: unknown, what: string, hint: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string' || typeof e.syscall !== 'string') return err;
  const reason = FS_REASONS[e.code] ?? e.message;
  const where = e.path ? ` (${e.syscall} ${relative(process.cwd(), e.path) || e.path})` : '';
  return new EnvironmentError(`cannot write ${what}: ${reason}${where}; nothing was written (${hint})`);
}
