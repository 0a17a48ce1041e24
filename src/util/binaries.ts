import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';

/** The first of the names found on PATH, or undefined. */
export async function findBinary(names: readonly string[]): Promise<string | undefined> {
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter(Boolean);
  for (const name of names) {
    for (const dir of dirs) {
      const p = join(dir, name);
      try {
        await access(p, constants.X_OK);
        return p;
      } catch {
        /* keep looking */
      }
    }
  }
  return undefined;
}

const PACKAGES: Record<string, { debian: string; brew: string }> = {
  promtool: { debian: 'prometheus', brew: 'prometheus' },
  prometheus: { debian: 'prometheus', brew: 'prometheus' },
  alertmanager: { debian: 'prometheus-alertmanager', brew: 'alertmanager' },
  amtool: { debian: 'prometheus-alertmanager', brew: 'alertmanager' },
  'victoria-metrics': { debian: 'victoria-metrics', brew: 'victoriametrics' },
};

export function installHint(binary: string): string {
  const p = PACKAGES[binary];
  if (!p) return `Install ${binary} and put it on PATH.`;
  return `Install it with "sudo apt-get install -y ${p.debian}" (Debian/Ubuntu) or "brew install ${p.brew}" (macOS), or point ${binary === 'promtool' ? 'PROMTOOL' : 'PATH'} at the binary.`;
}
