// Go text/template actions as Go reads them: a "}}" inside a string literal or a comment does not close one.

/**
 * Where the action opened at `open` closes (the index of its "}}"), reading string literals and comments as
 * Go does, so `{{ "{{" }}` (a literal brace pair) is one action; -1 when it never closes or a "{{" comes first.
 */
export function actionEnd(text: string, open: number): { end: number; unterminated: boolean } {
  let quote = '';
  for (let j = open + 2; j < text.length; j++) {
    const c = text[j]!;
    if (quote) {
      if (c === '\\' && quote !== '`') j++;
      else if (c === quote) quote = '';
      continue;
    }
    if (text.startsWith('/*', j)) {
      const close = text.indexOf('*/', j + 2);
      if (close === -1) return { end: -1, unterminated: false };
      j = close + 1;
    } else if (c === '"' || c === '`' || c === "'") quote = c;
    else if (text.startsWith('}}', j)) return { end: j, unterminated: false };
    else if (text.startsWith('{{', j)) return { end: -1, unterminated: false };
  }
  return { end: -1, unterminated: quote !== '' };
}

/** Each action of a template in order: [start of "{{", index after "}}", the text between]. */
export function actions(text: string): { from: number; to: number; body: string }[] {
  const out: { from: number; to: number; body: string }[] = [];
  for (let open = text.indexOf('{{'); open !== -1; ) {
    const { end } = actionEnd(text, open);
    if (end === -1) break;
    out.push({ from: open, to: end + 2, body: text.slice(open + 2, end) });
    open = text.indexOf('{{', end + 2);
  }
  return out;
}
