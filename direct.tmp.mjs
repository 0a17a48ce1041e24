import * as client from 'prom-client';
const labels = [0,1,2,3].map((i) => ({ method: ['GET','POST','PUT','DELETE'][i], endpoint: 'v'+i, status: '200' }));
const raw = new client.Counter({ name: 'r_total', help: 'h', labelNames: ['method','endpoint','status'], registers: [] });
const c = new client.Counter({ name: 'c_total', help: 'h', labelNames: ['method','endpoint','status'], registers: [] });
const a0 = new Set(['GET','POST','PUT','DELETE']), s1 = new Set(), a2 = new Set(['200','404','500']);
let c0 = Symbol(), c1 = c0, c2 = c0;
const slow = (l) => l;
function direct(l, value) {
  const v0 = l.method, v1 = l.endpoint, v2 = l.status;
  const ok = (v0 === c0 || (a0.has(v0) && ((c0 = v0), true))) && (v1 === c1 || ((s1.has(v1) || (typeof v1 === 'string' && s1.size < 100 && (s1.add(v1), true))) && ((c1 = v1), true))) && (v2 === c2 || (a2.has(v2) && ((c2 = v2), true)));
  if (!ok || (value !== undefined && !(value >= 0 && value !== Infinity))) return c.inc(ok ? l : slow(l), value);
  const h = `endpoint:${v1},method:${v0},status:${v2},`;
  const map = c.hashMap;
  const s = map[h];
  const v = value === undefined ? 1 : value;
  if (s !== undefined) s.value += v; else map[h] = { value: v, labels: l };
}
const once = (f) => { const t0 = process.hrtime.bigint(); for (let i = 0; i < 1e6; i++) f(i); return Number(process.hrtime.bigint() - t0) / 1e6; };
const fns = { direct: (i) => direct(labels[i & 3]), raw: (i) => raw.inc(labels[i & 3]) };
for (let k = 0; k < 3; k++) { const b = { direct: 1e9, raw: 1e9 }; for (let j = 0; j < 7; j++) for (const [n, f] of Object.entries(fns)) b[n] = Math.min(b[n], once(f)); console.log(b.direct.toFixed(1), b.raw.toFixed(1), (b.direct / b.raw).toFixed(3)); }
console.log(Object.keys(c.hashMap), Object.keys(raw.hashMap));
