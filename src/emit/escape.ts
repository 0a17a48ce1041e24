// One escaping function per output context. Catalog text reaches generated files only through these (or
// through the yaml library / JSON.stringify for structured files). Each is total: correct for every string,
// including every character that ends a line somewhere (\n \r \v \f NEL U+2028 U+2029) and lone surrogates.

/** Everything some language, editor or renderer treats as the end of a line. */
const LINE_ENDS = /\r\n|[\n\r\u000b\u000c\u0085\u2028\u2029]/g;
/** Control characters other than tab: invisible, and some tools stop or misbehave on them. */
const CONTROLS = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/g;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text on one line: line ends become spaces, other controls and lone surrogates U+FFFD. */
function oneLine(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd').replace(LINE_ENDS, ' ').replace(CONTROLS, '\ufffd');
}

/** After `//` in TypeScript: a comment ends at any line terminator, so none may remain. */
export function tsLineComment(text: string): string {
  return oneLine(text);
}

/** Inside a one-line `/** … *\/` (or `/* … *\/`) comment: one line, and no `*\/` that would close it. Safe after `//` too. */
export function tsBlockComment(text: string): string {
  return oneLine(text).replace(/\*\//g, '*\\/');
}

/**
 * A TypeScript string literal, quotes included. JSON's escaping covers quotes, backslashes, controls and lone
 * surrogates; U+2028/U+2029 are escaped too, so the literal stays one source line for every tool.
 */
export function tsString(text: string): string {
  return jsonForTs(text);
}

/** A JSON value written into TypeScript source (an object literal). */
export function tsJson(value: unknown, indent?: number): string {
  return jsonForTs(value, indent);
}

function jsonForTs(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

/** A comment line in YAML, .gitignore or a Dockerfile (after `#`): one line. */
export function hashComment(text: string): string {
  return oneLine(text);
}

/**
 * Literal text inside a Go text/template (a Prometheus annotation): `{{` starts an action, so it is written as
 * the action `{{ "{{" }}`, which prints it; `}}` likewise (Go prints a lone one as text, but readers and
 * linters take it for a broken action).
 */
export function goTemplateText(text: string): string {
  return text.replace(/\{\{|\}\}/g, (pair) => `{{ "${pair}" }}`);
}

/**
 * Markdown text in a table cell or heading: one line; characters that start emphasis, code, links, HTML or a
 * cell boundary are escaped (CommonMark backslash escapes; entities for < > &).
 */
export function markdownText(text: string): string {
  return oneLine(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]|~!#]/g, '\\$&');
}

/** A Markdown code span in a table cell: shown exactly (line ends as \n), fenced by more backticks than it holds. */
export function markdownCode(text: string): string {
  const shown = text.replace(LONE_SURROGATE, '\ufffd').replace(/\\/g, '\\\\').replace(LINE_ENDS, (m) => (m === '\n' ? '\\n' : m === '\r' ? '\\r' : m === '\r\n' ? '\\r\\n' : `\\u${m.charCodeAt(0).toString(16).padStart(4, '0')}`)).replace(CONTROLS, '\ufffd');
  const longest = Math.max(0, ...(shown.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = shown.startsWith('`') || shown.endsWith('`') ? ' ' : '';
  // GitHub tables split cells at | even inside code spans; \| is the escape they honour there.
  return `${fence}${pad}${shown.replace(/\|/g, '\\|')}${pad}${fence}`;
}

/** Inside an HTML comment `<!-- … -->` (Markdown's marker line): one line, no `--` or `>` that could end it. */
export function htmlComment(text: string): string {
  return oneLine(text).replace(/-(?=-)/g, '- ').replace(/>/g, '&gt;');
}

/** A file name made from a catalog id: only [A-Za-z0-9._-], never hidden, never empty or a dot name. */
export function fileName(text: string): string {
  const safe = text.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\./, '_');
  return safe === '' || safe === '.' || safe === '..' ? '_' : safe;
}

/**
 * HTML text or a double-quoted attribute value (the preview's pages): the five characters that end text or an
 * attribute, or start markup or a character reference, become entities; controls other than tab and line ends,
 * and lone surrogates, become U+FFFD (HTML forbids them and a browser would show them raw or drop them).
 */
export function htmlText(text: string): string {
  return text
    .replace(LONE_SURROGATE, '\ufffd')
    .replace(/[\u0000-\u0008\u000b\u000e-\u001f\u007f-\u009f]/g, '\ufffd')
    .replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}
const HTML_ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/**
 * A JSON value inside an HTML `<script>` element (type="application/json" or importmap): JSON.stringify's
 * output with `<` written as \u003c, so neither `</script>` nor `<!--` can end or change the element, `>` and
 * `&` likewise for readers that scan for them, and U+2028/U+2029 escaped so the text is also one JavaScript
 * line. Lone surrogates are escaped by JSON.stringify itself. JSON.parse reads the same value back.
 */
export function jsonInScript(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new TypeError('jsonInScript: the value has no JSON form');
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * JavaScript inlined in an HTML `<script>` element: the element's text ends at `</script` and changes state at
 * `<!--` and `<script` (any case), so their `<` is written `\x3C`. That reads as `<` inside strings, template
 * literals and regular expressions (the only places those sequences can occur in a program), and is inert in
 * comments.
 */
export function inlineScript(code: string): string {
  return code.replace(/<(?=!--|\/?script)/gi, '\\x3C');
}

/** CSS inlined in an HTML `<style>` element: `</style` would end it, so its `<` is written as the CSS escape `\3C `. */
export function inlineStyle(css: string): string {
  return css.replace(/<(?=\/style)/gi, '\\3C ');
}
