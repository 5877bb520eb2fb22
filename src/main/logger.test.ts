import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { accessLogOutput, createLogger, maskUrl } from './logger.js';

function capture(secretHeaders: readonly string[] = []) {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  return { logger: createLogger('debug', sink, { secretHeaders }), lines };
}

describe('createLogger', () => {
  it('redacts the configured secret header, Authorization, cookies and secret fields', () => {
    const { logger, lines } = capture(['X-Partner-Key']);
    logger.info(
      {
        req: { headers: { 'x-partner-key': 'CANARY1', authorization: 'Bearer CANARY2' } },
        res: { headers: { 'set-cookie': 'keyward_session=CANARY3' } },
        headers: { cookie: 'keyward_session=CANARY4', 'x-api-key': 'CANARY5' },
        secret: 'CANARY6',
        body: { secrets: ['CANARY7'], password: 'CANARY8' },
      },
      'line',
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/CANARY\d/);
    expect(lines[0]).toContain('[redacted]');
  });

  it('ignores a header name that is not a header (it could not be a redaction path)', () => {
    expect(() => capture(['bad"name', 'X-Ok'])).not.toThrow();
  });

  it('logs request URLs with secret-shaped tokens and key parameters masked', () => {
    const secret = 'kw_live_abcdefghijklmnopqrstuvwxyzABCD4dNndU';
    expect(maskUrl(`/legacy/x?subscription-key=CANARY&a=1`)).toBe(
      '/legacy/x?subscription-key=[redacted]&a=1',
    );
    expect(maskUrl(`/x?API_KEY=CANARY#f`)).toBe('/x?API_KEY=[redacted]#f');
    expect(maskUrl(`/keys/${secret}?unusedFor=30d`)).toBe('/keys/kw_live_…NndU?unusedFor=30d');
    const { logger, lines } = capture();
    logger.info({ req: { method: 'GET', url: `/k?token=CANARY&s=${secret}` } }, 'request');
    expect(lines[0]).not.toContain('CANARY');
    expect(lines[0]).not.toContain(secret);
  });

  it('hands the access log its destination and fixed fields, marked as access lines', () => {
    const { logger, lines } = capture();
    const output = accessLogOutput(logger);
    expect(output?.bindings).toMatch(/^,"pid":\d+,"hostname":".*","component":"access"$/);
    output?.destination.write('{"msg":"raw"}\n');
    logger.info('after');
    expect(lines.map((l) => JSON.parse(l).msg)).toEqual(['raw', 'after']);
  });
});
