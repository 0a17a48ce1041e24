import * as client from 'prom-client';
import { readFileSync } from 'node:fs';
const { Exporter } = await import('/work/main/dist/templates/exporter/runtime.js');
const { exporterSpec } = await import('/work/main/dist/src/emit/exporter-spec.js');
const { validateCatalog } = await import('/work/main/dist/src/load/load-catalog.js');
const f = '/work/main/stacks/devskyy/catalog.yaml';
const dev = exporterSpec(validateCatalog(f, readFileSync(f)).catalog);
if (process.argv[2] === 'ctx') {
  // exercise many metrics first, as an app (and the bench) would
  for (let k = 0; k < 3; k++) { const e = new Exporter(dev); for (const m of dev.metrics) { if (m.collector || m.type === 'info' || m.type === 'enum') continue; const h = e.handle(m.key); const l = Object.fromEntries(m.labels.map((x) => [x.name, x.values?.[0] ?? 'v'])); for (let i = 0; i < 2000; i++) m.type === 'counter' ? h.inc(l, 1) : m.type === 'gauge' ? h.set(l, i) : h.observe(l, 0.1); } }
}
const spec = { namespace: 'bench', title: 'b', collectors: [], metrics: [{ name: 'bench_requests_0_total', key: 'r', type: 'counter', help: 'h', labels: [{ name: 'method', values: ['GET','POST','PUT','DELETE'] }, { name: 'endpoint', maxValues: 1000 }, { name: 'status', values: ['200','404','500'] }], aggregate: 'sum' }] };
const e = new Exporter(spec); const hand = new client.Registry();
const raw = new client.Counter({ name: 'bench_requests_0_total', help: 'h', labelNames: ['method','endpoint','status'], registers: [hand] });
const gen = e.handle('r');
const labels = [0,1,2,3].map((i) => ({ method: ['GET','POST','PUT','DELETE'][i], endpoint: 'v'+i, status: '200' }));
const once = (f) => { const t0 = process.hrtime.bigint(); for (let i = 0; i < 1e6; i++) f(i); return Number(process.hrtime.bigint() - t0) / 1e6; };
const g = (i) => gen.inc(labels[i & 3]); const r = (i) => raw.inc(labels[i & 3]);
for (let k = 0; k < 3; k++) { let bg = 1e9, br = 1e9; for (let j = 0; j < 7; j++) { bg = Math.min(bg, once(g)); br = Math.min(br, once(r)); } console.log(process.argv[2] ?? 'clean', bg.toFixed(1), br.toFixed(1), (bg / br).toFixed(3)); }
