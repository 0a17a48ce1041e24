import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, readdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT, runBin, tempDir } from './support/helpers.js';

describe('devskyy-mon (built bin/)', () => {
  it('prints help and version; bad flags are usage errors (exit 2)', async () => {
    const help = await runBin(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['init', 'validate', 'generate', 'lint-alerts', 'serve']) expect(help.stdout).toContain(c);
    expect((await runBin(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const bad = await runBin(['generate', '--bogus']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("unknown option '--bogus'");
    expect((await runBin(['generate', '--target', 'mars'])).code).toBe(2);
  });

  it('init writes a catalog whose schema comment points at the project\'s installed package, and refuses to overwrite', async () => {
    const dir = tempDir();
    // A user's project: package.json, devskyy-mon installed under node_modules (npm i -D devskyy-mon).
    writeFileSync(join(dir, 'package.json'), '{"name":"app","private":true}');
    mkdirSync(join(dir, 'node_modules'));
    symlinkSync(ROOT, join(dir, 'node_modules', 'devskyy-mon'), 'dir');
    const r = await runBin(['init', 'stack'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(join(dir, 'stack', 'catalog.yaml'), 'utf8');
    const schemaRef = /yaml-language-server: \$schema=(\S+)/.exec(text)![1]!;
    expect(schemaRef).toBe('../node_modules/devskyy-mon/schema/catalog.schema.json');
    expect(existsSync(resolve(join(dir, 'stack'), schemaRef))).toBe(true);
    // Nothing of where this copy of the tool lives: a clone elsewhere resolves it the same way.
    expect(text).not.toContain(ROOT);
    const elsewhere = tempDir();
    const bare = await runBin(['init', 'x'], { cwd: elsewhere });
    expect(bare.code).toBe(0);
    expect(readFileSync(join(elsewhere, 'x', 'catalog.yaml'), 'utf8')).toContain('$schema=node_modules/devskyy-mon/schema/catalog.schema.json');
    expect(readFileSync(join(dir, 'stack', '.gitignore'), 'utf8')).toContain('.devskyy-mon/');
    const again = await runBin(['init', 'stack'], { cwd: dir });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already exists');
    expect((await runBin(['init', 'stack', '--force', '--template', 'minimal'], { cwd: dir })).code).toBe(0);
    expect(readFileSync(join(dir, 'stack', 'catalog.yaml'), 'utf8')).toContain('namespace: myapp');
  });

  it('init into a folder that cannot be made: exit 2 with the folder named, at once', async () => {
    const r = await runBin(['init', '/proc/devskyy-mon-init/x'], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot create /proc/devskyy-mon-init/x');
  });

  it('generate is idempotent, --check passes, and a hand edit makes --check fail with a diff', async () => {
    const dir = tempDir();
    await runBin(['init'], { cwd: dir });
    const first = await runBin(['generate'], { cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    const files = readdirSync(join(dir, 'generated'), { recursive: true }).map(String).sort();
    const second = await runBin(['generate'], { cwd: dir });
    expect(second.stdout).toMatch(/^0 written, 0 deleted, \d+ unchanged in generated$/m);
    expect(readdirSync(join(dir, 'generated'), { recursive: true }).map(String).sort()).toEqual(files);
    expect((await runBin(['generate', '--check'], { cwd: dir })).code).toBe(0);

    appendFileSync(join(dir, 'generated', 'prometheus', 'alerts.yml'), '# my tweak\n');
    const check = await runBin(['generate', '--check'], { cwd: dir });
    expect(check.code).toBe(1);
    expect(check.stderr).toContain('generated/prometheus/alerts.yml: hand-edited or not ours');
    expect(check.stderr).toContain('-# my tweak');
    const refused = await runBin(['generate'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('nothing was written');
    expect((await runBin(['generate', '--force'], { cwd: dir })).code).toBe(0);
    expect((await runBin(['generate', '--check'], { cwd: dir })).code).toBe(0);
  });

  it('a missing catalog is a clear error', async () => {
    const r = await runBin(['generate'], { cwd: tempDir() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('catalog.yaml: error [catalog-read] catalog file not found (run `devskyy-mon init` to create one)');
  });

  it('an invalid catalog writes nothing and exits 1', async () => {
    const dir = tempDir();
    await runBin(['init', '--template', 'minimal'], { cwd: dir });
    writeFileSync(join(dir, 'catalog.yaml'), readFileSync(join(dir, 'catalog.yaml'), 'utf8').replace('type: gauge', 'type: gage'));
    const r = await runBin(['generate'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/catalog\.yaml:\d+:11: error \[schema-enum\]/);
    expect(existsSync(join(dir, 'generated'))).toBe(false);
  });

  it('serve --demo answers on /metrics and /health and stops on SIGTERM', async () => {
    const dir = tempDir();
    await runBin(['init'], { cwd: dir });
    const child = spawn(process.execPath, [BIN, 'serve', '--demo', '--port', '0'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((res, rej) => {
        let out = '';
        child.stdout!.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /(http:\/\/127\.0\.0\.1:\d+)\/metrics/.exec(out);
          if (m) res(m[1]!);
        });
        child.once('exit', (c) => rej(new Error(`exited ${c}`)));
      });
      const metrics = await (await fetch(`${url}/metrics`)).text();
      expect(metrics).toContain('# TYPE devskyy_requests_total counter');
      expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ status: 'healthy' });
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    expect(child.exitCode).toBe(0);
  });

  it('catalog text never reaches the terminal as control characters (ESC, OSC, CR, C1)', async () => {
    const dir = tempDir();
    const catalog = readFileSync(join(ROOT, 'stacks', 'minimal', 'catalog.yaml'), 'utf8').replace('category: http\n', 'category: "h\\e[31mRED\\e]0;pwned\\a\\r\\x9b2J"\n');
    writeFileSync(join(dir, 'catalog.yaml'), catalog);
    const r = await runBin(['validate'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('h\\u001b[31mRED\\u001b]0;pwned\\u0007\\u000d\\u009b2J');
    expect(r.stderr).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    const json = await runBin(['validate', '--format', 'json'], { cwd: dir });
    const parsed = JSON.parse(json.stdout) as { diagnostics: { message: string }[] };
    expect(parsed.diagnostics.map((d) => d.message).join()).toContain('h\u001b[31mRED\u001b]0;pwned\u0007\r\u009b2J');
  });

  it('a reader that closes the pipe early ends the output quietly, not with an unhandled EPIPE', async () => {
    const child = spawn(process.execPath, [BIN, 'validate', '--format', 'json', '--catalog', join(ROOT, 'stacks', 'devskyy', 'catalog.yaml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy(); // `| head -0`: the reader is gone before anything is written
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(stderr).not.toContain('EPIPE');
    expect(code).toBe(0);
  });
});
