// The preview's escapers, on every UTF-16 code unit (so every character class: controls, markup, quotes, line
// ends, non-BMP pairs, lone surrogates) and on the sequences that end or change their element.
import { describe, expect, it } from 'vitest';
import { htmlText, inlineScript, inlineStyle, jsonInScript } from '../src/emit/escape.js';

const ALL_UNITS = Array.from({ length: 0x10000 }, (_v, i) => String.fromCharCode(i));
const ENTITY = /&(amp|lt|gt|quot|#39);/g;
const DECODE: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" };
const isLoneSurrogate = (c: string) => c.length === 1 && c.charCodeAt(0) >= 0xd800 && c.charCodeAt(0) <= 0xdfff;
/** What HTML forbids in text (controls other than tab, LF, FF, CR) or a browser would not keep. */
const forbidden = (c: string) => /[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f]/.test(c) || isLoneSurrogate(c);

describe('htmlText', () => {
  it('keeps every allowed code unit, as itself or an entity, and replaces the forbidden ones with U+FFFD', () => {
    for (const c of ALL_UNITS) {
      const out = htmlText(`a${c}b`);
      expect(out, `U+${c.charCodeAt(0).toString(16)}`).not.toMatch(/[<>"']|&(?!amp;|lt;|gt;|quot;|#39;)/);
      expect(out.replace(ENTITY, (_m, e: string) => DECODE[e]!)).toBe(`a${forbidden(c) ? '\ufffd' : c}b`);
    }
  });

  it('keeps surrogate pairs (non-BMP characters) and replaces lone halves', () => {
    expect(htmlText('😀 \ud83d x \ude00')).toBe('😀 \ufffd x \ufffd');
  });

  it('leaves no markup, attribute end or character reference in hostile text', () => {
    const hostile = `</script><img src=x onerror="alert(1)">' &lt; &#x3C; <!-- -->`;
    expect(htmlText(hostile)).toBe('&lt;/script&gt;&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&#39; &amp;lt; &amp;#x3C; &lt;!-- --&gt;');
  });
});

describe('jsonInScript', () => {
  it('round-trips every code unit through JSON.parse with no <, >, &, U+2028 or U+2029 left in the text', () => {
    const all = ALL_UNITS.join('');
    const out = jsonInScript({ s: all, list: ALL_UNITS.slice(0, 300) });
    expect(out).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(out)).toEqual({ s: all, list: ALL_UNITS.slice(0, 300) });
  });

  it('cannot close or comment out its script element', () => {
    const out = jsonInScript(['</script><script>alert(1)</script>', '<!--', '</SCRIPT', '<script']);
    expect(out.toLowerCase()).not.toContain('</script');
    expect(out).not.toContain('<!--');
    expect(JSON.parse(out)).toEqual(['</script><script>alert(1)</script>', '<!--', '</SCRIPT', '<script']);
  });

  it('refuses a value with no JSON form', () => {
    expect(() => jsonInScript(undefined)).toThrow(/no JSON form/);
  });
});

describe('inlineScript and inlineStyle', () => {
  it('write the < of </script, <script and <!-- (any case) as \\x3C, which a program reads as <', () => {
    const code = `const a = "</script>"; const b = '<!--'; const c = /<\\/SCRIPT/; const d = \`<Script\`; const e = 1 < 2;`;
    const out = inlineScript(code);
    expect(out).not.toMatch(/<\/script|<!--|<script/i);
    expect(out).toContain('1 < 2');
    // The escaped program still computes the same strings (run in this test process only).
    const values = (src: string) => new Function(`${src}; return [a, b, c.source, d];`)() as unknown[];
    expect(values(out)).toEqual(values(code));
  });

  it('escape </style as the CSS escape \\3C', () => {
    expect(inlineStyle('a::after { content: "</style>"; } b { color: red }')).toBe('a::after { content: "\\3C /style>"; } b { color: red }');
    expect(inlineStyle('x < y')).toBe('x < y');
  });
});
