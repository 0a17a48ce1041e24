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

/**
 * Bidirectional formatting controls (Unicode UAX #9: embeddings, overrides, isolates, and the marks): in source
 * code they make the text a reviewer sees differ from what the compiler reads ("Trojan Source", CVE-2021-42574).
 */
const BIDI_CONTROLS = /[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
/** One UTF-16 code unit as a `\uXXXX` escape: the same character in JSON, JavaScript and YAML double quotes, and visible text elsewhere. */
export const codePoint = (c: string): string => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** After `//` in TypeScript: a comment ends at any line terminator, so none may remain; bidi controls are shown as \uXXXX. */
export function tsLineComment(text: string): string {
  return oneLine(text).replace(BIDI_CONTROLS, codePoint);
}

/** Inside a one-line `/** … *\/` (or `/* … *\/`) comment: one line, and no `*\/` that would close it. Safe after `//` too. */
export function tsBlockComment(text: string): string {
  return tsLineComment(text).replace(/\*\//g, '*\\/');
}

/**
 * A TypeScript string literal, quotes included. JSON's escaping covers quotes, backslashes, controls and lone
 * surrogates; U+2028/U+2029 are escaped too, so the literal stays one source line for every tool, and bidi
 * controls, so the source reads as it runs.
 */
export function tsString(text: string): string {
  return jsonForTs(text);
}

/** A JSON value written into TypeScript source (an object literal). */
export function tsJson(value: unknown, indent?: number): string {
  return jsonForTs(value, indent);
}

/** JSON's escaping, plus \u escapes for U+2028/U+2029 (one source line) and bidi controls (what is read is what is seen). */
function jsonForTs(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(/[\u2028\u2029]/g, codePoint).replace(BIDI_CONTROLS, codePoint);
}

/**
 * A value in a file whose reader expands environment variables (`$VAR`, `${VAR}`) before using it: Grafana's
 * provisioning files, which split a value on `$$`, expand each part and join the parts with `$` (Grafana,
 * pkg/services/provisioning/values; docs: "Provision Grafana", environment variables), and Compose files, where
 * `$$` is a literal `$` (Compose spec, "Interpolation"). Every `$` is written `$$`,
 * so the value reads back as the text itself and never as a variable (a title "Cost in $USD", or one naming a
 * secret such as `${GF_SECURITY_ADMIN_PASSWORD}`).
 */
export function envExpandedText(text: string): string {
  return text.replace(/\$/g, () => '$$');
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
  // A web address stays one: as a CommonMark autolink `<…>`, whose content is taken literally (backslash escapes
  // there would become part of the link, as GFM's bare-URL autolinks make them); | is %7C, which tables split at.
  const parts = oneLine(text).trimStart().split(WEB_ADDRESS);
  return parts
    .map((part, i) => (i % 2 === 1 ? `<${part.replace(/\|/g, '%7C')}>` : escapeMarkdownInline(part)))
    .join('')
    .replace(BLOCK_START, '\\$1')
    .replace(ORDERED_START, '$1\\$2');
}

/** http(s) addresses up to a space or a character an autolink cannot hold, without trailing sentence punctuation. */
const WEB_ADDRESS = /(https?:\/\/[^\s<>"`]*[^\s<>"`.,:;!?')\]])/;
/** What starts a list item, a thematic break or a setext underline at the start of a line (`- `, `+ `, `---`, `===`); `#`, `>`, `*`, `_` are escaped inline. */
const BLOCK_START = /^([-+=])/;
/** An ordered list item's start: `1. `, `12) `. */
const ORDERED_START = /^(\d{1,9})([.)])/;

function escapeMarkdownInline(text: string): string {
  return text
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
