// Prometheus naming rules (https://prometheus.io/docs/practices/naming/ and the data model).
import { dict } from '../util/dict.js';

export const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
export const RECORD_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
/** Recording rule names by convention are level:metric:operations; an empty level (":metric:sum", as the monitoring mixins write it) means no labels left. */
export const RECORD_CONVENTION = /^[a-zA-Z_]?[a-zA-Z0-9_]*:[a-zA-Z_][a-zA-Z0-9_:]*$/;
export const ALERT_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Series suffixes a histogram or summary exposes next to its base name. */
export const SERIES_SUFFIXES = ['_bucket', '_sum', '_count', '_created'] as const;

/** The name suffix each catalog unit requires (Prometheus: base units, unit before _total). */
export const UNIT_SUFFIX: Readonly<Record<string, string>> = dict({
  seconds: '_seconds',
  bytes: '_bytes',
  percent: '_percent',
  ratio: '_ratio',
  usd: '_usd',
  celsius: '_celsius',
  meters: '_meters',
  volts: '_volts',
  amperes: '_amperes',
  joules: '_joules',
  grams: '_grams',
});
