// The caret sits under the text it points at as a terminal draws the line, whatever the characters before it.
import stringWidth from 'string-width';
import { describe, expect, it } from 'vitest';
import { formatText } from '../src/format-diagnostics.js';

function caretUnder(line: string, marker: string): { caretAt: number; markerAt: number } {
  const col = line.indexOf(marker) + 1; // UTF-16 column, as diagnostics count
  const text = formatText([{ file: 'c.yaml', severity: 'error', check: 'x', message: 'm', start: { line: 1, column: col }, end: { line: 1, column: col + marker.length } }], new Map([['c.yaml', line]]));
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
  ])('%s', (_name, line) => {
    const { caretAt, markerAt } = caretUnder(line, ';');
    expect(caretAt).toBe(markerAt);
  });
});
