/**
 * The one catalog of fault codes. The HTTP layer maps each code to a status once
 * (http/problem.ts); everything else throws `AppError` with a code from here.
 */
export const ERROR_CATALOG = {
  INVALID_JSON: { status: 400, title: 'Body is not valid JSON' },
  INVALID_REQUEST: { status: 400, title: 'Request does not match the schema' },
  VALIDATION_FAILED: { status: 422, title: 'Validation failed' },
  INVALID_ID: { status: 400, title: 'Invalid identifier' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'Payload too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'Unsupported media type' },
  UNAUTHENTICATED: { status: 401, title: 'Authentication required' },
  INVALID_CREDENTIALS: { status: 401, title: 'Invalid credentials' },
  LEAK_SIGNATURE_INVALID: { status: 401, title: 'Leak report signature invalid' },
  PASSWORD_CHANGE_REQUIRED: { status: 403, title: 'Password change required' },
  CSRF_FAILED: { status: 403, title: 'CSRF token missing or invalid' },
  FORBIDDEN: { status: 403, title: 'Forbidden' },
  NOT_FOUND: { status: 404, title: 'Not found' },
  CONFLICT: { status: 409, title: 'Conflict' },
  SLOT_IN_USE: { status: 409, title: 'Slot still in use' },
  ROTATION_BLOCKED: { status: 409, title: 'Rotation step not possible yet' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  STORE_UNAVAILABLE: { status: 503, title: 'Store unavailable' },
  DECRYPT_FAILED: { status: 500, title: 'Secret could not be decrypted' },
  CONFIG_INVALID: { status: 500, title: 'Invalid configuration' },
  INTERNAL: { status: 500, title: 'Internal error' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

/** A typed fault. `detail` must never contain a secret. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: ErrorCode, detail?: string, details?: Record<string, unknown>) {
    super(detail ?? ERROR_CATALOG[code].title);
    this.name = 'AppError';
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }
}

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}

/** A failed store read as the fault verifiers report (fail closed): STORE_UNAVAILABLE, cause kept. */
export function storeFault(err: unknown): AppError {
  if (isAppError(err) && err.code === 'STORE_UNAVAILABLE') return err;
  const fault = new AppError('STORE_UNAVAILABLE', 'The key store did not answer');
  fault.cause = err;
  return fault;
}
