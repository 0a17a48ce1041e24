// verify's own endpoint on 127.0.0.1 for the notification drill: Prometheus scrapes it as the drill target (so
// the drill alert fires only while verify runs, on the shard that owns its address), and Alertmanager posts the
// drill's notifications to it. Each notification is recorded as received.
import { createServer } from 'node:http';
import type { Server } from 'node:http';

export interface Notification {
  receivedAt: number;
  groupLabels: Record<string, string>;
  alerts: { labels: Record<string, string>; status: string }[];
}

export interface DrillWebhook {
  notifications: Notification[];
  close(): Promise<void>;
}

const EXPOSITION = '# HELP devskyy_mon_verify_drill The target of devskyy-mon verify\'s notification drill.\n# TYPE devskyy_mon_verify_drill gauge\ndevskyy_mon_verify_drill 1\n';

export function startDrillWebhook(port: number): Promise<DrillWebhook> {
  const notifications: Notification[] = [];
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(EXPOSITION);
      return;
    }
    if (req.method !== 'POST' || req.url !== '/notify') {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { groupLabels?: Record<string, string>; alerts?: { labels?: Record<string, string>; status?: string }[] };
        notifications.push({ receivedAt: Date.now(), groupLabels: body.groupLabels ?? {}, alerts: (body.alerts ?? []).map((a) => ({ labels: a.labels ?? {}, status: a.status ?? '' })) });
        res.writeHead(200).end();
      } catch {
        res.writeHead(400).end();
      }
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(new Error(`cannot serve the drill webhook on 127.0.0.1:${port} (Alertmanager's copy of the config names that port): ${err.code ?? err.message}`)));
    server.listen(port, '127.0.0.1', () =>
      resolve({
        notifications,
        close: () =>
          new Promise<void>((done) => {
            // Prometheus keeps its scrape connections open: close them, or close() waits for them.
            server.closeAllConnections();
            server.close(() => done());
          }),
      }),
    );
  });
}
