import { useState } from 'react';
import { errorMessage } from './api-client';
import type { Alert, AlertState } from './api-types';
import { formatDateTime } from './format';
import { Link } from './router';
import type { Access } from './session';
import { useSession } from './session';
import { ErrorNote, useLoader } from './ui';

const TYPE_LABELS: Readonly<Record<string, string>> = {
  RETIRED_SECRET_USED: 'Retired secret used',
  IP_NOT_ALLOWED: 'Request from outside the allowed networks',
  FAILED_AUTH_BURST: 'Burst of failed authentications',
  NEW_NETWORK: 'New source network',
  VOLUME_SPIKE: 'Volume spike',
  UNUSED: 'Unused slot',
  SHARE_EXPIRED: 'Shared secret revoked',
  SECRET_AGE: 'Secret due for rotation (age policy)',
  SECRET_LEAKED: 'Secret reported leaked',
};

/** What the misuse detectors found: open alerts first; admins acknowledge them. */
export function AlertsTab(props: { institutionId: string; access: Access }) {
  const { api } = useSession();
  const [state, setState] = useState<AlertState | null>('open');
  const alerts = useLoader(
    () => api.listAlerts(props.institutionId, state),
    [props.institutionId, state],
  );
  const [error, setError] = useState<string | null>(null);
  const mayAcknowledge = props.access === 'admin';

  const acknowledge = async (alert: Alert) => {
    setError(null);
    try {
      await api.acknowledgeAlert(alert.id);
      alerts.reload();
    } catch (err) {
      setError(errorMessage(err));
    }
  };

  const list = alerts.data?.alerts ?? [];
  return (
    <div>
      <h2>Alerts</h2>
      <label>
        Show{' '}
        <select
          value={state ?? 'all'}
          onChange={(e) =>
            setState(e.target.value === 'all' ? null : (e.target.value as AlertState))
          }
        >
          <option value="open">open</option>
          <option value="acknowledged">acknowledged</option>
          <option value="all">all</option>
        </select>
      </label>
      <ErrorNote message={alerts.error ? errorMessage(alerts.error) : error} />
      {alerts.data === null && !alerts.error && <p className="muted">Loading…</p>}
      {alerts.data && list.length === 0 && <p className="empty">No alerts.</p>}
      {list.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Alert</th>
                <th scope="col">Severity</th>
                <th scope="col">Key</th>
                <th scope="col">Slot</th>
                <th scope="col">Count</th>
                <th scope="col">Last seen</th>
                <th scope="col">Evidence</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {list.map((a) => (
                <tr key={a.id} data-testid={`alert-${a.type}`}>
                  <td>{TYPE_LABELS[a.type] ?? a.type}</td>
                  <td>
                    <span className={`badge severity-${a.severity}`}>{a.severity}</span>
                  </td>
                  <td>{a.keyId ? <Link to={`/keys/${a.keyId}`}>{a.keyId}</Link> : '—'}</td>
                  <td>{a.slot ?? '—'}</td>
                  <td>{a.count}</td>
                  <td>
                    <time dateTime={a.lastSeenAt}>{formatDateTime(a.lastSeenAt)}</time>
                  </td>
                  <td className="details">
                    {Object.entries(a.evidence)
                      .map(([k, v]) => `${k}: ${v ?? '—'}`)
                      .join('; ')}
                  </td>
                  <td>
                    {a.state === 'open' && mayAcknowledge ? (
                      <button
                        type="button"
                        className="secondary"
                        onClick={() => void acknowledge(a)}
                      >
                        Acknowledge
                      </button>
                    ) : (
                      a.state
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
