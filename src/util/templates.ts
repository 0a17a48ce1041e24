import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Handlebars from 'handlebars';
import { packageRoot } from './package-root.js';

const cache = new Map<string, Handlebars.TemplateDelegate>();

/** Renders templates/<name>: Handlebars is for text meant for humans (docs, TypeScript source). */
export function renderTemplate(name: string, view: unknown): string {
  let t = cache.get(name);
  if (!t) {
    const source = readFileSync(join(packageRoot(), 'templates', name), 'utf8');
    // noEscape: the output is Markdown or TypeScript, not HTML; the view escapes what its format needs.
    t = Handlebars.compile(source, { noEscape: true, strict: true });
    cache.set(name, t);
  }
  return t(view);
}
