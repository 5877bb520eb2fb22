import pino, { type Logger } from 'pino';
import type { AccessLogOutput } from '../adapters/log/access-log-sink.js';
import { maskSecrets } from '../core/secret-mask.js';

/** The default secret headers of the gateway's two profiles. */
const SECRET_HEADERS = ['x-api-key', 'ocp-apim-subscription-key'];
/** Headers that carry credentials wherever they are logged. */
const CREDENTIAL_HEADERS = ['authorization', 'cookie', 'set-cookie', 'x-csrf-token'];
/** An HTTP header name (RFC 9110 token): anything else cannot be a redaction path segment. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Paths whose values never reach a log line: the secret headers (the configured one too),
 * Authorization, cookies and CSRF tokens under `req`, `res` or `headers`, and any field named
 * like a secret or password at the top level or one object down. Only that: pino walks every
 * wildcard path on every line (each `*.x` costs about 0.8 µs a line here), and nothing logs
 * headers deeper (requests are logged through the `req` serializer: method, masked URL, address).
 */
export function redactPaths(secretHeaders: readonly string[] = []): string[] {
  const headers = [
    ...new Set(
      [
        ...CREDENTIAL_HEADERS,
        ...SECRET_HEADERS,
        ...secretHeaders.map((h) => h.toLowerCase()),
      ].filter((h) => HEADER_NAME.test(h)),
    ),
  ];
  const headerPaths = headers.flatMap((h) => [
    `req.headers["${h}"]`,
    `res.headers["${h}"]`,
    `headers["${h}"]`,
  ]);
  const fields = ['secret', 'secrets', 'password'];
  const nestedFields = [
    ...fields,
    'newPassword',
    'currentPassword',
    'temporaryPassword',
    'csrfToken',
    'sessionToken',
  ];
  return [...headerPaths, ...fields, ...nestedFields.map((f) => `*.${f}`)];
}

/** Query parameters that may carry a key (the gateway's query key is `subscription-key`). */
const SECRET_QUERY = /([?&](?:subscription-key|api[-_]?key|key|token|secret|password)=)[^&#]*/gi;

/** A URL fit for a log line: secret-shaped tokens become hints, credential parameters go. */
export function maskUrl(url: string): string {
  return maskSecrets(url).replace(SECRET_QUERY, '$1[redacted]');
}

export interface LoggerOptions {
  /** More secret headers to redact: the gateway's configured `gateway.header`. */
  readonly secretHeaders?: readonly string[];
}

/** Structured JSON logs (pino) with redaction. */
export function createLogger(
  level: string,
  destination?: pino.DestinationStream,
  options: LoggerOptions = {},
): Logger {
  return pino(
    {
      level,
      redact: { paths: redactPaths(options.secretHeaders), censor: '[redacted]' },
      serializers: {
        // A client may put a secret in a URL by mistake: it must not reach the log through it.
        req: (req: {
          method?: string;
          url?: string;
          ip?: string;
          socket?: { remotePort?: number };
        }) => ({
          method: req.method,
          url: maskUrl(req.url ?? ''),
          remoteAddress: req.ip,
        }),
      },
    },
    destination,
  );
}

/**
 * Where the gateway's access log writes (adapters/log/access-log-sink.ts): this logger's own
 * destination and fixed fields, with `"component":"access"`, so its lines are ordinary lines of
 * this log. The sink renders and batches them itself (the reasons are in its comment), bypassing
 * the redaction pass, which its fields never need. `pino.symbols` is pino's documented door to
 * a logger's destination and rendered bindings; null when this logger has neither (not one of
 * `createLogger`'s).
 */
export function accessLogOutput(logger: Logger): AccessLogOutput | null {
  const holder = logger.child({ component: 'access' }) as unknown as Record<symbol, unknown>;
  const destination = holder[pino.symbols.streamSym] as AccessLogOutput['destination'] | undefined;
  const bindings = holder[pino.symbols.chindingsSym];
  if (typeof destination?.write !== 'function' || typeof bindings !== 'string') return null;
  return { destination, bindings };
}
