import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, ERROR_CATALOG, type ErrorCode } from '../core/errors.js';

/**
 * The one place that turns faults into HTTP: `application/problem+json` with a stable `code`
 * and the request id. Bodies never carry input echoes (a secret could be in them), stack traces
 * or internals.
 */

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  requestId: string;
  errors?: { path: string; message: string }[];
  /** SLOT_IN_USE: who still uses the slot (addresses, user agents, times; never a secret). */
  evidence?: unknown;
}

export function problemBody(code: ErrorCode, detail: string, requestId: string): ProblemBody {
  const { status, title } = ERROR_CATALOG[code];
  return { type: `urn:keyward:problem:${code}`, title, status, detail, code, requestId };
}

export function sendProblem(reply: FastifyReply, body: ProblemBody): FastifyReply {
  return reply.code(body.status).type('application/problem+json').send(body);
}

const FASTIFY_CODES: Readonly<Record<string, { code: ErrorCode; detail: string }>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', detail: 'Request body is too large' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: 'Send the body as application/json',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: {
    code: 'INVALID_JSON',
    detail: 'Body is empty but content-type is application/json',
  },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'INVALID_JSON', detail: 'Body is not valid JSON' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    code: 'INVALID_REQUEST',
    detail: 'Body size does not match Content-Length',
  },
};

function validationProblem(err: FastifyError, requestId: string): ProblemBody {
  const errors = (err.validation ?? []).map((v) => {
    const missing = v.keyword === 'required' ? `/${String(v.params.missingProperty)}` : '';
    const extra =
      v.keyword === 'additionalProperties' ? `/${String(v.params.additionalProperty)}` : '';
    const path = `${err.validationContext ?? 'body'}${v.instancePath}${missing}${extra}`;
    const message =
      v.keyword === 'additionalProperties'
        ? 'is not an allowed field'
        : (v.message ?? 'is invalid');
    return { path, message };
  });
  const first = errors[0];
  const detail = first ? `${first.path} ${first.message}` : 'Request does not match the schema';
  return { ...problemBody('INVALID_REQUEST', detail, requestId), errors };
}

export function errorToProblem(err: unknown, request: FastifyRequest): ProblemBody {
  const requestId = String(request.id);
  if (err instanceof AppError) {
    const body = problemBody(err.code, err.message, requestId);
    return err.details?.evidence === undefined ? body : { ...body, evidence: err.details.evidence };
  }
  const fe = err as FastifyError;
  if (fe.validation) return validationProblem(fe, requestId);
  const known = fe.code ? FASTIFY_CODES[fe.code] : undefined;
  if (known) return problemBody(known.code, known.detail, requestId);
  if (fe instanceof SyntaxError && fe.statusCode === 400) {
    return problemBody('INVALID_JSON', 'Body is not valid JSON', requestId);
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    return problemBody('INVALID_REQUEST', 'The request could not be processed', requestId);
  }
  return problemBody(
    'INTERNAL',
    'An internal error occurred; quote the request id to the operator',
    requestId,
  );
}
