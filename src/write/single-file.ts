// One file written through the same plan and apply as generate: atomic, locked, never over a file someone else
// wrote or edited (unless forced), never through a symlink. Its own manifest beside it records what it wrote.
import { basename, dirname, resolve } from 'node:path';
import type { ApplyResult } from './apply.js';
import { applyPlan } from './apply.js';
import { manifestFile } from './manifest.js';
import type { Plan } from './plan.js';
import { planWrite } from './plan.js';

export async function planSingleFile(file: string, content: string, opts: { force?: boolean; owner: string }): Promise<Plan> {
  const abs = resolve(file);
  const name = basename(abs);
  return planWrite(dirname(abs), opts.owner, [{ path: name, content }], { force: opts.force ?? false, manifestName: manifestFile(`${opts.owner}.${name}`) });
}

export async function writeSingleFile(file: string, content: string, opts: { force?: boolean; owner: string }): Promise<ApplyResult> {
  return applyPlan(await planSingleFile(file, content, opts));
}
