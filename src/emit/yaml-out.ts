// YAML that every reader of the generated files reads back as written. The files are read by Go (Prometheus,
// promtool, Alertmanager: gopkg.in/yaml.v2/v3, YAML 1.1 rules for plain scalars), by Python (docker-compose v1:
// PyYAML, YAML 1.1), by kubectl (YAML 1.1) and by our own tests (the `yaml` package, YAML 1.2). So:
// - a string that either YAML 1.1 or 1.2 would resolve as something else (yes/no/on/off/y/n, 0o17, 1_000, 12:30,
//   2001-12-14, ~, .inf, the merge key <<, the value key =) is quoted: the `yaml` package's 1.1 mode quotes most 1.1
//   forms, and the rest and the one 1.2-only form (0o octal) are quoted here;
// - a string holding NEL, LS or PS (U+0085, U+2028, U+2029), which YAML 1.1 readers take for line breaks and which
//   the `yaml` package writes raw, is double-quoted with those characters as \u escapes.
import { Document, Scalar, visit } from 'yaml';
import { codePoint } from './escape.js';

const OTHER_LINE_BREAKS = /[\u0085\u2028\u2029]/;
/** Plain forms the package's 1.1 mode leaves unquoted: 1.2 octal, and YAML 1.1's merge key `<<` and value key `=`. */
const ALSO_QUOTED = /^(?:[-+]?0o[0-7]+|<<|=)$/;

/** Serialises a structured value (objects, arrays, strings, numbers, booleans, null) as YAML for all readers. */
export function toYaml(value: unknown): string {
  // Without the 1.1 merge tag: it would write a string "<<" as a bare merge key whatever style is asked.
  const doc = new Document(value, { version: '1.1', aliasDuplicateObjects: false, customTags: (tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:merge') });
  visit(doc, {
    Scalar(_key, node) {
      if (typeof node.value !== 'string') return;
      if (OTHER_LINE_BREAKS.test(node.value) || ALSO_QUOTED.test(node.value)) node.type = Scalar.QUOTE_DOUBLE;
    },
  });
  const text = doc.toString({ lineWidth: 0, minContentWidth: 0, singleQuote: false });
  // Raw NEL/LS/PS can only stand inside the double-quoted scalars forced above (comments are one line by
  // construction); there, a \u escape is the same character to every reader.
  return OTHER_LINE_BREAKS.test(text) ? text.replace(/[\u0085\u2028\u2029]/g, codePoint) : text;
}

