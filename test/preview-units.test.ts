// Grafana's unit formatting, as the preview's page script applies it. Expected strings follow Grafana's value
// formats (packages/grafana-data/src/valueFormats); "short turns 12990 into 13.0 K" is Grafana's own example.
import { describe, expect, it } from 'vitest';
import { formatValue, toFixed } from '../src/preview/client/units.js';

const cases: [unit: string, value: number, expected: string][] = [
  ['s', 0, '0 s'],
  ['s', 3e-7, '300 ns'],
  ['s', 0.0004, '400 µs'],
  ['s', 0.005, '5 ms'],
  ['s', 0.25, '250 ms'],
  ['s', 1.5, '1.50 s'],
  ['s', 90, '1.50 min'],
  ['s', 7200, '2 hour'],
  ['ms', 250, '250 ms'],
  ['ms', 1500, '1.50 s'],
  ['percentunit', 0.125, '12.5%'],
  ['percentunit', 1, '100%'],
  ['percent', 50, '50%'],
  ['bytes', 100, '100 B'],
  ['bytes', 1536, '1.50 KiB'],
  ['bytes', 10 * 1024 * 1024, '10 MiB'],
  ['Bps', 2000, '2 kB/s'],
  ['volt', 999, '999 V'],
  ['volt', 1000, '1 kV'],
  ['volt', -1e6, '-1 MV'],
  ['si:mV', 1500, '1.50 V'],
  ['reqps', 12, '12 reqps'],
  ['reqps', 3200, '3.20K reqps'],
  ['ops', 0.5, '0.500 ops'],
  ['short', 12990, '13.0 K'],
  ['short', 2_500_000, '2.50 Mil'],
  ['none', 3, '3'],
  ['', 3, '3'],
  ['currencyUSD', 1234, '$1.23K'],
  ['currencyUSD', -5, '-$5'],
  ['celsius', 21.5, '21.5 °C'],
  ['widgets', 3, '3 widgets'],
  ['prefix:€', 3, '€3'],
  ['suffix:x', 3, '3 x'],
  ['count:req', 3, '3 req'],
];

describe('formatValue', () => {
  it.each(cases)('%s %d -> %s', (unit, value, expected) => {
    expect(formatValue(unit, value)).toBe(expected);
  });

  it('says No data for null and NaN, and prints infinities', () => {
    expect(formatValue('s', null)).toBe('No data');
    expect(formatValue('s', Number.NaN)).toBe('No data');
    expect(formatValue('short', Infinity)).toBe('∞');
  });

  it('takes the decimals an axis asks for', () => {
    expect(formatValue('percentunit', 0.06, 2)).toBe('6.00%');
    expect(formatValue('reqps', 0.05, 2)).toBe('0.05 reqps');
  });

  it("rounds like Grafana's toFixed", () => {
    expect(toFixed(2.5)).toBe('2.50');
    expect(toFixed(0.05)).toBe('0.0500');
    expect(toFixed(1234)).toBe('1234');
    expect(toFixed(0, 2)).toBe('0.00');
  });
});
