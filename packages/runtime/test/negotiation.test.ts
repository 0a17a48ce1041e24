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
  ])('Accept %j -> OpenMetrics %s', (accept, om) => {
    expect(wantsOpenMetrics(accept)).toBe(om);
  });
});
