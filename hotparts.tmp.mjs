import * as client from 'prom-client';
const { Exporter } = await import('/work/main/dist/templates/exporter/runtime.js');
const spec = { namespace: 'bench', title: 'b', collectors: [], metrics: [{ name: 'bench_requests_0_total', key: 'r', type: 'counter', help: 'h', labels: [{ name: 'method', values: ['GET','POST','PUT','DELETE'] }, { name: 'endpoint', maxValues: 1000 }, { name: 'status', values: ['200','404','500'] }], aggregate: 'sum' }] };
const e = new Exporter(spec); const hand = new client.Registry();
const raw = new client.Counter({ name: 'bench_requests_0_total', help: 'h', labelNames: ['method','endpoint','status'], registers: [hand] });
const gen = e.handle('r');
const prom = e.registry.getSingleMetric('bench_requests_0_total');
const labels = [0,1,2,3].map((i) => ({ method: ['GET','POST','PUT','DELETE'][i], endpoint: 'v'+i, status: '200' }));
const once = (f) => { const t0 = process.hrtime.bigint(); for (let i = 0; i < 1e6; i++) f(i); return Number(process.hrtime.bigint() - t0) / 1e6; };
const fns = { gen: (i) => gen.inc(labels[i & 3]), raw: (i) => raw.inc(labels[i & 3]), genProm: (i) => prom.inc(labels[i & 3]) };
for (let k = 0; k < 3; k++) { const b = {}; for (const n in fns) b[n] = 1e9; for (let j = 0; j < 7; j++) for (const [n, f] of Object.entries(fns)) b[n] = Math.min(b[n], once(f)); console.log(Object.entries(b).map(([n, v]) => `${n} ${v.toFixed(1)}`).join('  ')); }
