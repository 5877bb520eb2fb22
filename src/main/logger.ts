import pino, { type Logger } from 'pino';
import { maskSecrets } from '../core/secret-mask.js';

/**
 * Paths whose values never reach a log line: the secret headers, Authorization, cookies and any
 * field named like a secret or password, at any depth we log.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["ocp-apim-subscription-key"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  'secret',
  'secrets',
  'password',
  '*.secret',
  '*.secrets',
  '*.password',
  '*.newPassword',
  '*.currentPassword',
  '*.temporaryPassword',
  '*.csrfToken',
  '*.sessionToken',
];

/** Structured JSON logs (pino) with redaction. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      serializers: {
        // A client may put a secret in a URL by mistake: it must not reach the log through it.
        req: (req: {
          method?: string;
          url?: string;
          ip?: string;
          socket?: { remotePort?: number };
        }) => ({
          method: req.method,
          url: maskSecrets(req.url ?? ''),
          remoteAddress: req.ip,
        }),
      },
    },
    destination,
  );
}
