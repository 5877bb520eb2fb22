import { useState } from 'react';
import { errorMessage } from './api-client';
import type { AuditEvent } from './api-types';
import { formatDateTime } from './format';
import { useSession } from './session';
import { ErrorNote, useLoader } from './ui';

/** The institution's audit log, newest first, a page at a time. */
export function AuditTab(props: { institutionId: string }) {
  const { api } = useSession();
  const first = useLoader(() => api.listAudit(props.institutionId, null), [props.institutionId]);
  const [more, setMore] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const nextCursor = cursor === undefined ? (first.data?.nextCursor ?? null) : cursor;
  const events = [...(first.data?.events ?? []), ...more];

  const loadMore = async () => {
    if (nextCursor === null) return;
    setBusy(true);
    setError(null);
    try {
      const page = await api.listAudit(props.institutionId, nextCursor);
      setMore((prev) => [...prev, ...page.events]);
      setCursor(page.nextCursor);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <h2>Audit log</h2>
      <ErrorNote message={first.error ? errorMessage(first.error) : null} />
      {first.data === null && !first.error && <p className="muted">Loading…</p>}
      {first.data && events.length === 0 && <p className="empty">Nothing recorded yet.</p>}
      {events.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Action</th>
                <th scope="col">Actor</th>
                <th scope="col">Target</th>
                <th scope="col">Source IP</th>
                <th scope="col">Details</th>
              </tr>
            </thead>
            <tbody>
              {events.map((e) => (
                <tr key={e.seq}>
                  <td>
                    <time dateTime={e.at}>{formatDateTime(e.at)}</time>
                  </td>
                  <td>
                    <code>{e.action}</code>
                  </td>
                  <td>
                    {e.actor.type} <code>{e.actor.id}</code>
                  </td>
                  <td>{e.target ? <code>{e.target}</code> : '—'}</td>
                  <td>{e.sourceIp ?? '—'}</td>
                  <td className="details">{detailsText(e.details)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <ErrorNote message={error} />
      {nextCursor !== null && (
        <button type="button" className="secondary" disabled={busy} onClick={() => void loadMore()}>
          {busy ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}

function detailsText(details: Readonly<Record<string, unknown>>): string {
  const entries = Object.entries(details);
  if (entries.length === 0) return '—';
  return entries
    .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join('; ');
}
