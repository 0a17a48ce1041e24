import { describe, expect, it } from 'vitest';
import { wantsOpenMetrics } from '../src/exposition.js';

describe('content negotiation', () => {
  it.each([
    ['application/openmetrics-text; version=1.0.0', true],
    ['application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1', true], // what Prometheus sends
    ['application/openmetrics-text; q=0', false],
    ['text/plain;q=1, application/openmetrics-text;q=0.5', false],
    ['', false],
    ['*/*', false],
    // Versions the runtime does not write are passed over, as client_golang's expfmt.Negotiate does.
    ['application/openmetrics-text; version=2.0.0', false],
    ['application/openmetrics-text; version=2.0.0, application/openmetrics-text; version=0.0.1; q=0.5', true],
    ['application/openmetrics-text; version=0.0.1', true],
    // Prometheus 3's header: text 1.0.0 (UTF-8 names) is not written, so OpenMetrics 1.0.0 still wins.
    ['application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,application/openmetrics-text;version=0.0.1;q=0.4,text/plain;version=1.0.0;escaping=allow-utf-8;q=0.3,text/plain;version=0.0.4;q=0.2,*/*;q=0.1', true],
    ['text/plain; version=1.0.0, application/openmetrics-text; q=0.5', true],
  ])('Accept %j -> OpenMetrics %s', (accept, om) => {
    expect(wantsOpenMetrics(accept)).toBe(om);
  });
});
