import type {
  Alert,
  AlertState,
  ApiKey,
  AuditEvent,
  Institution,
  InstitutionSettings,
  KeyInput,
  KeyUsage,
  Member,
  Membership,
  Role,
  Secrets,
  SlotName,
  User,
} from './api-types';

const API = '/api/v1';
const SAFE_METHODS = new Set(['GET', 'HEAD']);

/** A problem+json answer of the admin API. `detail` is what the user is shown. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly detail: string,
    readonly fieldErrors: readonly { readonly path: string; readonly message: string }[] = [],
  ) {
    super(detail);
    this.name = 'ApiError';
  }
}

interface ProblemJson {
  code?: unknown;
  detail?: unknown;
  title?: unknown;
  errors?: unknown;
}

async function toApiError(res: Response): Promise<ApiError> {
  let body: ProblemJson = {};
  try {
    body = (await res.json()) as ProblemJson;
  } catch {
    // Not JSON (a proxy's error page, say): fall back to the status line.
  }
  const detail =
    typeof body.detail === 'string'
      ? body.detail
      : typeof body.title === 'string'
        ? body.title
        : `The server answered ${res.status} ${res.statusText}`;
  const errors = Array.isArray(body.errors)
    ? (body.errors as { path: string; message: string }[])
    : [];
  return new ApiError(
    res.status,
    typeof body.code === 'string' ? body.code : 'HTTP_ERROR',
    detail,
    errors,
  );
}

/**
 * The console's only door to the server. The session cookie is HttpOnly (the browser sends it);
 * the CSRF token from login lives in this object only — never in storage — and goes out as
 * `X-CSRF-Token` on every mutation. Secrets only ever travel in response bodies.
 */
export class AdminApi {
  private csrfToken: string | null = null;

  /** Called when a signed-in request answers 401: the session ended on the server. */
  onSessionEnded: (() => void) | null = null;

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (!SAFE_METHODS.has(method) && this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;
    const res = await fetch(`${API}${path}`, {
      method,
      headers,
      credentials: 'same-origin',
      cache: 'no-store',
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    if (!res.ok) {
      const error = await toApiError(res);
      if (res.status === 401 && path !== '/auth/login' && path !== '/auth/me') {
        this.csrfToken = null;
        this.onSessionEnded?.();
      }
      throw error;
    }
    if (res.status === 204) return undefined as T;
    return (await res.json()) as T;
  }

  async login(email: string, password: string): Promise<User> {
    const result = await this.request<{ user: User; csrfToken: string }>('POST', '/auth/login', {
      email,
      password,
    });
    this.csrfToken = result.csrfToken;
    return result.user;
  }

  async logout(): Promise<void> {
    try {
      await this.request<void>('POST', '/auth/logout');
    } finally {
      this.csrfToken = null;
    }
  }

  me(): Promise<{ user: User; memberships: Membership[] }> {
    return this.request('GET', '/auth/me');
  }

  changePassword(currentPassword: string, newPassword: string): Promise<void> {
    return this.request('POST', '/auth/password', { currentPassword, newPassword });
  }

  async listInstitutions(): Promise<Institution[]> {
    return (await this.request<{ institutions: Institution[] }>('GET', '/institutions'))
      .institutions;
  }

  createInstitution(input: { name: string; externalCode?: string }): Promise<Institution> {
    return this.request('POST', '/institutions', input);
  }

  getInstitution(id: string): Promise<Institution> {
    return this.request('GET', `/institutions/${encodeURIComponent(id)}`);
  }

  updateInstitutionSettings(
    id: string,
    settings: Partial<InstitutionSettings>,
  ): Promise<Institution> {
    return this.request('PATCH', `/institutions/${encodeURIComponent(id)}`, { settings });
  }

  async listMembers(institutionId: string): Promise<Member[]> {
    return (
      await this.request<{ members: Member[] }>(
        'GET',
        `/institutions/${encodeURIComponent(institutionId)}/members`,
      )
    ).members;
  }

  addMember(
    institutionId: string,
    input: { email: string; name: string; role: Role; password?: string },
  ): Promise<{ member: Member; temporaryPassword?: string }> {
    return this.request(
      'POST',
      `/institutions/${encodeURIComponent(institutionId)}/members`,
      input,
    );
  }

  async listKeys(institutionId: string): Promise<ApiKey[]> {
    return (
      await this.request<{ keys: ApiKey[] }>(
        'GET',
        `/institutions/${encodeURIComponent(institutionId)}/keys`,
      )
    ).keys;
  }

  createKey(
    institutionId: string,
    input: KeyInput & { name: string },
  ): Promise<{ key: ApiKey; secrets: Secrets }> {
    return this.request('POST', `/institutions/${encodeURIComponent(institutionId)}/keys`, input);
  }

  getKey(keyId: string): Promise<ApiKey> {
    return this.request('GET', `/keys/${encodeURIComponent(keyId)}`);
  }

  viewSecrets(keyId: string): Promise<Secrets> {
    return this.request('GET', `/keys/${encodeURIComponent(keyId)}/secrets`);
  }

  regenerate(
    keyId: string,
    slot: SlotName,
    force: boolean,
  ): Promise<{ key: ApiKey; slot: SlotName; secret: string }> {
    return this.request('POST', `/keys/${encodeURIComponent(keyId)}/regenerate`, {
      slot,
      ...(force && { force: true }),
    });
  }

  updateKey(keyId: string, input: KeyInput): Promise<ApiKey> {
    return this.request('PATCH', `/keys/${encodeURIComponent(keyId)}`, input);
  }

  deleteKey(keyId: string): Promise<void> {
    return this.request('DELETE', `/keys/${encodeURIComponent(keyId)}`);
  }

  /** The last day by hour. */
  keyUsage(keyId: string): Promise<KeyUsage> {
    return this.request('GET', `/keys/${encodeURIComponent(keyId)}/usage?step=1h`);
  }

  listAlerts(
    institutionId: string,
    state: AlertState | null,
  ): Promise<{ alerts: Alert[]; nextCursor: string | null }> {
    const query = new URLSearchParams({ limit: '100', ...(state !== null && { state }) });
    return this.request(
      'GET',
      `/institutions/${encodeURIComponent(institutionId)}/alerts?${query}`,
    );
  }

  async acknowledgeAlert(alertId: string): Promise<Alert> {
    return (
      await this.request<{ alert: Alert }>('POST', `/alerts/${encodeURIComponent(alertId)}/ack`)
    ).alert;
  }

  listAudit(
    institutionId: string,
    cursor: string | null,
  ): Promise<{ events: AuditEvent[]; nextCursor: string | null }> {
    const query = new URLSearchParams({ limit: '50', ...(cursor !== null && { cursor }) });
    return this.request('GET', `/institutions/${encodeURIComponent(institutionId)}/audit?${query}`);
  }
}

/** The message to show for any failure. */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.detail;
  if (err instanceof TypeError) return 'The server could not be reached. Check your connection.';
  return 'Something went wrong.';
}
