import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkWebhookSignature, type WebhookVerdict } from '../../src/core/webhook-signature.js';

/** One POST the receiver got, with its signature checked as a real receiver would. */
export interface ReceivedDelivery {
  readonly headers: IncomingHttpHeaders;
  /** The raw body, exactly as received (what the signature covers). */
  readonly body: string;
  readonly json: {
    id: string;
    type: string;
    institutionId: string;
    at: string;
    data: Record<string, unknown>;
  };
  /** The verdict against the secret set with `acceptSecret` (null when none was set). */
  readonly verdict: WebhookVerdict | null;
}

export interface CannedAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  /** Answers this late (the request is recorded at once). */
  readonly delayMs?: number;
}

export interface WebhookReceiver {
  /** `http://127.0.0.1:<port>/hook` */
  readonly url: string;
  readonly received: ReceivedDelivery[];
  /** The secret signatures are checked with (known only once the webhook is created). */
  acceptSecret(secret: string): void;
  /** Answers the next requests with these statuses (and headers), in order; then 204. */
  respondWith(...answers: (number | CannedAnswer)[]): void;
  /** Resolves once `count` deliveries arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedDelivery[]>;
  close(): Promise<void>;
}

/**
 * A webhook receiver on loopback (node:http, port 0) that records each delivery and checks its
 * signature with `verifyWebhookSignature`'s rules against the real clock, as production receivers
 * do. Use it for any end-to-end check of what Keyward sends (tests of alerts, too).
 */
export async function startWebhookReceiver(
  options: {
    /** The receiver's clock for the freshness check (default: the real one). */
    nowSeconds?: () => number;
  } = {},
): Promise<WebhookReceiver> {
  const received: ReceivedDelivery[] = [];
  const answers: CannedAnswer[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let secret: string | null = null;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      let json: ReceivedDelivery['json'];
      try {
        json = JSON.parse(body) as ReceivedDelivery['json'];
      } catch {
        json = { id: '', type: '', institutionId: '', at: '', data: {} };
      }
      const header = (name: string) => {
        const value = req.headers[name];
        return Array.isArray(value) ? value.join(',') : (value ?? null);
      };
      const verdict =
        secret === null
          ? null
          : checkWebhookSignature(
              secret,
              header('x-keyward-timestamp'),
              body,
              header('x-keyward-signature'),
              options.nowSeconds?.() ?? Math.floor(Date.now() / 1000),
            );
      received.push({ headers: req.headers, body, json, verdict });
      const answer = answers.shift() ?? { status: 204 };
      setTimeout(
        () => res.writeHead(answer.status, answer.headers ?? {}).end(),
        answer.delayMs ?? 0,
      );
      for (const waiter of [...waiters]) {
        if (received.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    acceptSecret: (s) => {
      secret = s;
    },
    respondWith: (...next) => {
      answers.push(...next.map((a) => (typeof a === 'number' ? { status: a } : a)));
    },
    waitFor: (count, timeoutMs = 5_000) =>
      new Promise((resolve, reject) => {
        if (received.length >= count) return resolve(received);
        const timer = setTimeout(
          () => reject(new Error(`expected ${count} deliveries, got ${received.length}`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve(received);
          },
        });
      }),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
