// Visible progress while components start: a spinner per line on a terminal, plain lines in CI.
import type { Io } from '../commands/io.js';

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

interface Line {
  name: string;
  state: 'starting' | 'ready' | 'failed';
  detail: string;
  started: number;
  ended?: number;
}

export class Progress {
  private readonly lines: Line[] = [];
  private frame = 0;
  private timer?: NodeJS.Timeout;
  private drawn = 0;

  constructor(private readonly io: Io) {
    if (io.isTTY) {
      this.timer = setInterval(() => this.draw(), 100);
      this.timer.unref();
    }
  }

  private format(l: Line): string {
    const secs = (((l.ended ?? Date.now()) - l.started) / 1000).toFixed(1);
    const mark = l.state === 'ready' ? '✓' : l.state === 'failed' ? '✗' : this.io.isTTY ? FRAMES[this.frame % FRAMES.length]! : '…';
    return `${mark} ${l.name.padEnd(14)} ${l.state.padEnd(9)} ${secs.padStart(5)}s  ${l.detail}`;
  }

  private draw(): void {
    this.frame++;
    const control = (seq: string) => (this.io.control ? this.io.control(seq) : this.io.out(seq));
    if (this.drawn) control(`\x1b[${this.drawn}A`);
    for (const l of this.lines) {
      control('\x1b[2K');
      this.io.out(`${this.format(l)}\n`);
    }
    this.drawn = this.lines.length;
  }

  start(name: string, detail: string): void {
    const l: Line = { name, state: 'starting', detail, started: Date.now() };
    this.lines.push(l);
    if (!this.io.isTTY) this.io.out(this.format(l) + '\n');
  }

  finish(name: string, ok: boolean, detail?: string): void {
    const l = this.lines.find((x) => x.name === name);
    if (!l) return;
    l.state = ok ? 'ready' : 'failed';
    l.ended = Date.now();
    if (detail) l.detail = detail;
    if (!this.io.isTTY) this.io.out(this.format(l) + '\n');
  }

  close(): void {
    if (this.timer) {
      clearInterval(this.timer);
      this.draw();
    }
  }
}
