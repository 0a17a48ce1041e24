// The caret sits under the text it points at as a terminal draws the line, whatever the characters before it.
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { formatText } from '../src/format-diagnostics.js';

async function caretUnder(line: string, marker: string): Promise<{ caretAt: number; markerAt: number }> {
  const col = line.indexOf(marker) + 1; // UTF-16 column, as diagnostics count
  const text = await formatText([{ file: 'c.yaml', severity: 'error', check: 'x', message: 'm', start: { line: 1, column: col }, end: { line: 1, column: col + marker.length } }], new Map([['c.yaml', line]]));
  const [, source, caret] = text.split('\n');
  const gutter = source!.indexOf('| ') + 2;
  const shown = source!.slice(gutter).replace(/\t/g, '        ');
  const caretLine = caret!.slice(gutter).replace(/\t/g, '        ');
  return { caretAt: caretLine.indexOf('^'), markerAt: stringWidth(shown.slice(0, shown.indexOf(marker))) };
}

describe('caret alignment', () => {
  it.each([
    ['ASCII', 'help: "plain"   ;   labels2: x'],
    ['emoji and CJK (two columns each)', 'help: "😀😀 é 日本"   ;   labels2: x'],
    ['combining marks (no column)', 'help: "e\u0301e\u0301"   ;   x'],
    ['tabs kept', '\thelp: "日本"\t;   x'],
    // Lines of printable ASCII, tabs and CR are measured without string-width; the columns must not change.
    ['ASCII with tabs and a CR', '\thelp: "a b"\t\t;   x\r'],
    ['ANSI sequences and other control characters', 'help: "a\u0007b\u001b[1m"\t;   x'],
    ['every ASCII character before the marker', Array.from({ length: 128 }, (_, c) => String.fromCharCode(c)).join('').replace(/[\n;]/g, '') + ' ; x'],
  ])('%s', async (_name, line) => {
    const { caretAt, markerAt } = await caretUnder(line, ';');
    expect(caretAt).toBe(markerAt);
  });
});
