// deepNestingOffset reads character codes in place (it runs before every YAML parse). It must find the same
// offset as the line-by-line reading it replaced, kept here as the reference, on generated text full of the
// characters that decide nesting: indentation, dashes, flow brackets, quotes, comments and block scalar headers.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { seededRandom } from './support/random.js';
import { deepNestingOffset } from '../src/load/yaml-source.js';

/** The previous implementation (yaml-source.ts before the character-code scan). */
function referenceOffset(text: string, limit: number): number | undefined {
  const indents: number[] = [];
  let flow = 0;
  let blockScalarIndent = -1;
  let offset = 0;
  for (const line of text.split('\n')) {
    const start = offset;
    offset += line.length + 1;
    const body = line.replace(/^ */, '');
    const indent = line.length - body.length;
    if (body === '' || body.startsWith('#')) continue;
    if (blockScalarIndent >= 0) {
      if (indent > blockScalarIndent) continue;
      blockScalarIndent = -1;
    }
    if (flow === 0) {
      while (indents.length && indents[indents.length - 1]! >= indent) indents.pop();
      indents.push(indent);
    }
    // "- - - key:" opens one level per dash.
    const dashes = flow === 0 ? (/^(?:-(?: +|$))+/.exec(body)?.[0].match(/-/g)?.length ?? 0) : 0;
    let quote = '';
    for (let i = 0; i < body.length; i++) {
      const c = body[i]!;
      if (quote) {
        if (c === quote) quote = '';
        continue;
      }
      if (c === '"' || c === "'") quote = c;
      else if (c === '#' && (i === 0 || body[i - 1] === ' ')) break;
      else if ((c === '[' || c === '{') && (flow > 0 || /(?:^|[:,-])\s*$/.test(body.slice(0, i)))) {
        flow++;
        if (indents.length + dashes + flow > limit) return start + indent + i;
      } else if ((c === ']' || c === '}') && flow > 0) flow--;
    }
    if (indents.length + dashes + flow > limit) return start + indent;
    if (flow === 0 && /(?:^|[:-] +)[|>][-+0-9]*\s*(?:#.*)?$/.test(body)) blockScalarIndent = indent;
  }
  return undefined;
}

const PIECES = [' ', ' ', '  ', '-', '- ', ':', ': ', '[', ']', '{', '}', '"', "'", '#', ' #', '|', '>', '|-', '>+2', '\n', '\n', '\r\n', '\t', 'a', 'key', ',', 'x: |', '\u00a0', '---', '...'];

describe('deepNestingOffset', () => {
  it('matches the line-by-line reference on 50,000 generated texts at several limits', () => {
    const r = seededRandom(7);
    let found = 0;
    for (let i = 0; i < 50_000; i++) {
      let text = '';
      for (let n = 1 + r(40); n > 0; n--) text += PIECES[r(PIECES.length)];
      for (const limit of [1, 2, 3, 5]) {
        const expected = referenceOffset(text, limit);
        if (expected !== undefined) found++;
        expect(deepNestingOffset(text, limit), JSON.stringify([text, limit])).toBe(expected);
      }
    }
    // Both answers occur: nesting found, and not.
    expect(found).toBeGreaterThan(10_000);
  });

  it('matches the reference on the shipped catalogs', () => {
    for (const f of ['stacks/devskyy/catalog.yaml', 'stacks/devskyy-ha/catalog.yaml', 'stacks/minimal/catalog.yaml']) {
      const text = readFileSync(f, 'utf8');
      for (const limit of [1, 2, 3, 4, 6, 64]) expect(deepNestingOffset(text, limit), `${f} ${limit}`).toBe(referenceOffset(text, limit));
    }
  });
});
