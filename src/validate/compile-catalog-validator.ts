// Build step (`npm run build`): compiles the catalog schema into ajv's standalone code beside schema.js, so a
// command that reads a catalog loads the validator instead of compiling the schema on every run.
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import standaloneCodeModule from 'ajv/dist/standalone/index.js';
import { catalogAjv, catalogSchemaPath, PRECOMPILED, schemaHash } from './schema.js';

// ajv's standalone module is CommonJS; its default export arrives wrapped under ESM.
type StandaloneCode = (ajv: ReturnType<typeof catalogAjv>, validate: unknown) => string;
const standaloneCode = ((standaloneCodeModule as unknown as { default?: StandaloneCode }).default ?? standaloneCodeModule) as unknown as StandaloneCode;

const text = readFileSync(catalogSchemaPath(), 'utf8');
const ajv = catalogAjv({ source: true });
const code = standaloneCode(ajv, ajv.compile(JSON.parse(text) as Record<string, unknown>));
const out = join(dirname(fileURLToPath(import.meta.url)), PRECOMPILED);
writeFileSync(out, `${code}\nmodule.exports.schemaHash = ${JSON.stringify(schemaHash(text))};\n`);
