// What a request becomes as label values: a bounded route, an error type, a status class.

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^\d+$/;
const HEX_TOKEN = /^[0-9a-f]{16,}$/i;
const LONG_TOKEN = /^[A-Za-z0-9_-]{32,}$/;
export const UNMATCHED_ROUTE = '/__unmatched__';
/** Status recorded when the client disconnects before the response is sent (nginx's convention). */
export const CLIENT_CLOSED = 499;

/** /users/42/orders/3f2a...-... -> /users/{id}/orders/{id}; the query string is dropped. */
export function normalizePath(path: string): string {
  const clean = path.split('?')[0]!.split('#')[0]!;
  const segments = clean.split('/').map((s) => {
    if (!s) return s;
    let decoded = s;
    try {
      decoded = decodeURIComponent(s);
    } catch {
      /* keep it as sent */
    }
    return UUID.test(decoded) || NUMBER.test(decoded) || HEX_TOKEN.test(decoded) || LONG_TOKEN.test(decoded) ? '{id}' : s;
  });
  const joined = segments.join('/').replace(/\/+$/, '');
  return joined === '' ? '/' : joined;
}

const STATUS_ERROR_TYPE: Record<number, string> = {
  400: 'validation',
  401: 'authentication',
  403: 'authorization',
  404: 'not_found',
  409: 'conflict',
  422: 'validation',
  429: 'rate_limited',
  502: 'dependency',
  503: 'dependency',
  504: 'timeout',
};

export function errorTypeOf(status: number): string {
  return STATUS_ERROR_TYPE[status] ?? (status >= 500 ? 'internal' : 'validation');
}


/** 503 -> "5xx": the status class, the label value that keeps every code of a class countable without listing it. */
export function statusClassOf(status: number): string {
  return status >= 100 && status < 600 ? `${Math.floor(status / 100)}xx` : 'unknown';
}
