// Small JSON-over-HTTP helpers for the Prometheus and Alertmanager APIs.
import { setTimeout as sleep } from 'node:timers/promises';

export async function getJson<T>(url: string, timeoutMs = 5000): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  const body = (await res.json()) as T;
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${JSON.stringify(body).slice(0, 200)}`);
  return body;
}

export async function postJson(url: string, payload: unknown, timeoutMs = 5000): Promise<void> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload), signal: AbortSignal.timeout(timeoutMs) });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
}

/** Resolves once url answers 2xx, polling every intervalMs; rejects when `until` says stop. */
export async function waitReady(url: string, until: () => string | undefined, intervalMs = 150): Promise<void> {
  for (;;) {
    const stop = until();
    if (stop) throw new Error(stop);
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      /* not yet */
    }
    await sleep(intervalMs);
  }
}

/** A component that does not answer at all (connection refused, no such host): no retry will help. */
export class ComponentDown extends Error {
  constructor(
    readonly component: 'prometheus' | 'alertmanager',
    readonly url: string,
    readonly why: string,
  ) {
    super(`${component} at ${url} does not answer (${why})`);
  }
}

/** Errors from Prometheus' API (a bad query): `status: error` with its message. */
export class ApiError extends Error {}

/** The two APIs verify reads, with the one distinction it needs: a component down vs a request that failed. */
export class Api {
  constructor(
    readonly prometheusUrl: string,
    readonly alertmanagerUrl: string,
  ) {}

  private async call(component: 'prometheus' | 'alertmanager', base: string, path: string, init?: RequestInit): Promise<Response> {
    try {
      return await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(15_000) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code;
      if (cause === 'ECONNREFUSED' || cause === 'ENOTFOUND' || cause === 'EHOSTUNREACH' || cause === 'ECONNRESET') throw new ComponentDown(component, base, cause);
      throw err;
    }
  }

  /** GET a Prometheus API path and return its `data`; an API error (bad query) throws ApiError. */
  async prom<T>(path: string): Promise<T> {
    const res = await this.call('prometheus', this.prometheusUrl, path);
    const body = (await res.json().catch(() => ({ status: 'error', error: `HTTP ${res.status}` }))) as { status: string; data: T; error?: string };
    if (body.status !== 'success') throw new ApiError(body.error ?? `HTTP ${res.status}`);
    return body.data;
  }

  async am<T>(path: string): Promise<T> {
    const res = await this.call('alertmanager', this.alertmanagerUrl, path);
    if (!res.ok) throw new Error(`${this.alertmanagerUrl}${path}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    return (await res.json()) as T;
  }
}
