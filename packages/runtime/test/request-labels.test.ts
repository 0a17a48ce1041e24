import { describe, expect, it } from 'vitest';
import { Exporter } from '../src/exporter.js';
import type { ExporterSpec } from '../src/spec.js';

const spec = (labels: ExporterSpec['metrics'][number]['labels']): ExporterSpec => ({
  namespace: 't',
  title: 'T',
  collectors: [],
  metrics: [{ name: 't_requests_total', key: 'requests', type: 'counter', help: 'Requests.', labels, role: 'http_requests', aggregate: 'sum' }],
});

describe('request labels are filled by meaning, whatever they are called', () => {
  it('declared meanings: route, method, status code and status class under any names', async () => {
    const e = new Exporter(
      spec([
        { name: 'verb', meaning: 'method', values: ['GET', 'POST'] },
        { name: 'handler_path', meaning: 'route', maxValues: 10 },
        { name: 'code', meaning: 'status_code', maxValues: 63 },
        { name: 'klass', meaning: 'status_class', values: ['1xx', '2xx', '3xx', '4xx', '5xx'] },
      ]),
    );
    e.recordRequest('GET', '/users/{id}', 200, 0.01);
    e.recordRequest('POST', '/orders', 502, 0.2);
    const body = (await e.exposition()).body;
    expect(body).toContain('t_requests_total{verb="GET",handler_path="/users/{id}",code="200",klass="2xx"} 1');
    expect(body).toContain('t_requests_total{verb="POST",handler_path="/orders",code="502",klass="5xx"} 1');
  });

  it('conventional names imply their meaning (the minimal template names its route label "route")', async () => {
    const e = new Exporter(spec([{ name: 'method', values: ['GET'] }, { name: 'route', maxValues: 5 }, { name: 'status', maxValues: 63 }]));
    e.recordRequest('GET', '/items/{id}', 404, 0.01);
    expect((await e.exposition()).body).toContain('t_requests_total{method="GET",route="/items/{id}",status="404"} 1');
  });

  it('a 5xx the enum does not list folds, but the status class still counts it', async () => {
    const e = new Exporter(spec([{ name: 'status', values: ['200', '500'] }, { name: 'status_class', values: ['2xx', '5xx'] }]));
    e.recordRequest('GET', '/', 502, 0.01);
    const body = (await e.exposition()).body;
    expect(body).toContain('t_requests_total{status="__overflow__",status_class="5xx"} 1');
  });
});
