import { readFileSync } from 'fs'; import { dirname, resolve } from 'path';
const seen = new Set(); const ext = new Set();
function walk(f) { if (seen.has(f)) return; seen.add(f); const s = readFileSync(f, 'utf8');
  for (const m of s.matchAll(/^(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|^import\s+['"]([^'"]+)['"]/gm)) { const spec = m[1] ?? m[2]; if (spec.startsWith('.')) walk(resolve(dirname(f), spec)); else ext.add(spec); } }
walk(resolve(process.argv[2]));
console.log([...seen].map(f => f.replace(/.*dist\/src\//, '')).join(' ')); console.log('EXT', [...ext].join(' '));
