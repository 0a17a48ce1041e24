import { readFileSync } from 'fs';
import v8 from 'v8';
const { readRuleFile } = await import('./dist/src/lint/rule-file.js');
const bytes = readFileSync('/tmp/b14/r10k.yml');
const r = readRuleFile('/tmp/b14/r10k.yml', bytes);
globalThis.keep = r;
const f = v8.writeHeapSnapshot('/tmp/b14/h.heapsnapshot');
const s = JSON.parse(readFileSync(f, 'utf8'));
const m = s.snapshot.meta; const nf = m.node_fields.length; const types = m.node_types[0];
const ti = m.node_fields.indexOf('type'), ni = m.node_fields.indexOf('name'), si = m.node_fields.indexOf('self_size');
const agg = new Map();
for (let i = 0; i < s.nodes.length; i += nf) { const t = types[s.nodes[i+ti]]; const n = t === 'object' || t==='closure' ? s.strings[s.nodes[i+ni]] : t; const k = t+':'+n; const a = agg.get(k) || [0,0]; a[0]++; a[1]+=s.nodes[i+si]; agg.set(k,a);} 
[...agg].sort((a,b)=>b[1][1]-a[1][1]).slice(0,25).forEach(([k,[c,sz]])=>console.log((sz/1e6).toFixed(1).padStart(7),'MB', String(c).padStart(8), k));
