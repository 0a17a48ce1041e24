import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { ENV_FILE, GRAFANA_PASSWORD_VAR } from '../emit/compose.js';

/**
 * Creates <out>/.env with a random Grafana admin password, mode 0600, once: an existing file is never touched.
 * It is a secret, not a generated artifact, so it is neither in the manifest nor in --check.
 */
export async function ensureEnvFile(outDir: string): Promise<boolean> {
  const password = randomBytes(18).toString('base64url');
  try {
    const fh = await open(join(outDir, ENV_FILE), 'wx', 0o600);
    await fh.writeFile(`# Created by devskyy-mon; never overwritten. Keep it out of version control.\n${GRAFANA_PASSWORD_VAR}=${password}\n`);
    await fh.close();
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  }
}
