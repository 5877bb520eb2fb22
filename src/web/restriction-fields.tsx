import type { ApiKey, RateLimit } from './api-types';
import { formatList, fromLocalInput, splitItems, toLocalInput } from './format';

/** The restrictions of a key as typed in a form (text fields, not yet parsed). */
export interface RestrictionValues {
  readonly scopes: string;
  readonly allowedCidrs: string;
  readonly expiresAt: string;
  readonly rateLimit: string;
  readonly rateWindow: string;
}

export const NO_RESTRICTIONS: RestrictionValues = {
  scopes: '',
  allowedCidrs: '',
  expiresAt: '',
  rateLimit: '',
  rateWindow: '60',
};

const WINDOWS = [
  { seconds: 1, label: 'per second' },
  { seconds: 60, label: 'per minute' },
  { seconds: 3600, label: 'per hour' },
  { seconds: 86400, label: 'per day' },
];

export function restrictionsOf(key: ApiKey): RestrictionValues {
  return {
    scopes: formatList(key.scopes, ''),
    allowedCidrs: formatList(key.allowedCidrs, ''),
    expiresAt: toLocalInput(key.expiresAt),
    rateLimit: key.rateLimit ? String(key.rateLimit.limit) : '',
    rateWindow: String(key.rateLimit?.windowSeconds ?? 60),
  };
}

/** Form values → the API's fields. The server validates (CIDRs, future expiry) and answers 422. */
export function restrictionsInput(values: RestrictionValues) {
  const limit = Number.parseInt(values.rateLimit, 10);
  const rateLimit: RateLimit | null =
    values.rateLimit.trim() === '' || Number.isNaN(limit)
      ? null
      : { limit, windowSeconds: Number.parseInt(values.rateWindow, 10) };
  return {
    scopes: splitItems(values.scopes),
    allowedCidrs: splitItems(values.allowedCidrs),
    expiresAt: fromLocalInput(values.expiresAt),
    rateLimit,
  };
}

export function RestrictionFields(props: {
  values: RestrictionValues;
  onChange: (values: RestrictionValues) => void;
}) {
  const { values, onChange } = props;
  const set = (field: keyof RestrictionValues) => (value: string) =>
    onChange({ ...values, [field]: value });
  const windowSeconds = Number.parseInt(values.rateWindow, 10);
  const windows = WINDOWS.some((w) => w.seconds === windowSeconds)
    ? WINDOWS
    : [...WINDOWS, { seconds: windowSeconds, label: `per ${windowSeconds} seconds` }];
  return (
    <>
      <label>
        Scopes <span className="field-note">(separated by spaces or commas; empty: none)</span>
        <input
          name="scopes"
          value={values.scopes}
          onChange={(e) => set('scopes')(e.target.value)}
          placeholder="messages:send profiles:read"
        />
      </label>
      <label>
        Allowed networks{' '}
        <span className="field-note">(IPv4/IPv6 CIDRs or addresses; empty: any address)</span>
        <textarea
          name="allowedCidrs"
          rows={2}
          value={values.allowedCidrs}
          onChange={(e) => set('allowedCidrs')(e.target.value)}
          placeholder="203.0.113.0/24, 2001:db8::/32"
        />
      </label>
      <div className="row">
        <label>
          Expires at <span className="field-note">(empty: never)</span>
          <input
            type="datetime-local"
            name="expiresAt"
            value={values.expiresAt}
            onChange={(e) => set('expiresAt')(e.target.value)}
          />
        </label>
        <label>
          Rate limit <span className="field-note">(requests; empty: none)</span>
          <input
            type="number"
            name="rateLimit"
            min={1}
            inputMode="numeric"
            value={values.rateLimit}
            onChange={(e) => set('rateLimit')(e.target.value)}
          />
        </label>
        <label>
          Window
          <select
            name="rateWindow"
            value={values.rateWindow}
            onChange={(e) => set('rateWindow')(e.target.value)}
          >
            {windows.map((w) => (
              <option key={w.seconds} value={String(w.seconds)}>
                {w.label}
              </option>
            ))}
          </select>
        </label>
      </div>
    </>
  );
}
