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
