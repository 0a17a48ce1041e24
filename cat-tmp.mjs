import { readFileSync } from 'fs';
const { validateCatalog } = await import('./dist/src/load/load-catalog.js');
const b = readFileSync('/tmp/b14/catalog.yaml');
for (let i = 0; i < 3; i++) { const c = process.cpuUsage(); const t = performance.now(); validateCatalog('/tmp/b14/catalog.yaml', b); const d = process.cpuUsage(c); console.log('catalog wall', (performance.now() - t).toFixed(0), 'cpu', ((d.user + d.system) / 1000).toFixed(0)); }
