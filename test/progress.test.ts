import { describe, expect, it } from 'vitest';
import { Progress } from '../src/runtime/progress.js';

function io(isTTY: boolean) {
  const lines: string[] = [];
  return { io: { out: (t: string) => void lines.push(t), err: () => undefined, isTTY }, lines };
}

describe('start-up progress', () => {
  it('CI (no TTY) gets one plain line per state change', () => {
    const { io: o, lines } = io(false);
    const p = new Progress(o);
    p.start('prometheus', 'http://127.0.0.1:9090');
    p.finish('prometheus', true);
    p.close();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^… prometheus\s+starting\s+0\.0s {2}http:\/\/127\.0\.0\.1:9090\n$/);
    expect(lines[1]).toMatch(/^✓ prometheus\s+ready\s+\d+\.\ds/);
    expect(lines.join('')).not.toContain('\x1b[');
  });

  it('a terminal gets a spinner redrawn in place', async () => {
    const { io: o, lines } = io(true);
    const p = new Progress(o);
    p.start('alertmanager', 'x');
    await new Promise((r) => setTimeout(r, 250));
    p.finish('alertmanager', false, 'exited with code 1');
    p.close();
    const text = lines.join('');
    expect(text).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] alertmanager/);
    expect(text).toContain('\x1b[1A');
    expect(text).toMatch(/✗ alertmanager\s+failed.*exited with code 1/);
  });
});
