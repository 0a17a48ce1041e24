import { readFileSync } from 'fs';
import jsyaml from '/tmp/jsy/node_modules/js-yaml/dist/js-yaml.mjs';
const c0 = process.cpuUsage(); const t0 = performance.now();
const { checkRuleFiles } = await import('./dist/src/lint/lint-alerts.js');
const { validateCatalog } = await import('./dist/src/load/load-catalog.js');
const { readRuleFile } = await import('./dist/src/lint/rule-file.js');
const cat = validateCatalog('/tmp/b14/catalog.yaml', readFileSync('/tmp/b14/catalog.yaml')).catalog;
const text = readFileSync('/tmp/b14/r10k.yml', 'utf8');
const mode = process.argv[2];
let rf;
if (mode === 'jsyaml') {
  const pos = []; const data = jsyaml.load(text, { schema: jsyaml.FAILSAFE_SCHEMA, listener(ev, st) { if (ev === 'close') pos.push(st.position); } });
  // build a rule file from a tiny valid text, then swap groups' data: just to time the checks without positions
  const r = readRuleFile('/tmp/b14/tiny.yml', readFileSync('/tmp/b14/tiny.yml'));
  rf = r.ruleFile;
  const rules = [];
  for (const g of data.groups) for (const x of g.rules) rules.push({ kind: x.alert ? 'alert' : 'record', name: x.alert ?? x.record, expr: x.expr, ...(x.for ? { for: x.for } : {}), labels: x.labels ?? {}, annotations: x.annotations ?? {}, at: rf.groups[0].rules[0].at });
  rf.groups[0].rules = rules;
} else rf = readRuleFile('/tmp/b14/r10k.yml', Buffer.from(text)).ruleFile;
const d = checkRuleFiles([rf], cat);
const { formatDiagnostics } = await import('./dist/src/format-diagnostics.js');
const out = await formatDiagnostics('json', d, new Map());
const c = process.cpuUsage(c0);
console.log(mode, 'wall', (performance.now() - t0).toFixed(0), 'cpu', ((c.user + c.system) / 1000).toFixed(0), d.length);
