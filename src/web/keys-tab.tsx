import { useState } from 'react';
import { errorMessage } from './api-client';
import type { SlotView } from './api-types';
import { CreateKeyDialog } from './create-key-dialog';
import { formatDateTime, formatList } from './format';
import { Link } from './router';
import { type Access, useSession } from './session';
import { ErrorNote, ImportedBadge, StateBadge, useLoader } from './ui';

export function KeysTab(props: { institutionId: string; access: Access }) {
  if (props.access === 'platform') {
    return (
      <p className="empty">
        Platform operators do not see an institution’s keys. Add yourself as a member to manage
        them.
      </p>
    );
  }
  return <KeyList institutionId={props.institutionId} canCreate={props.access === 'admin'} />;
}

function KeyList(props: { institutionId: string; canCreate: boolean }) {
  const { api } = useSession();
  const keys = useLoader(() => api.listKeys(props.institutionId), [props.institutionId]);
  const [creating, setCreating] = useState(false);

  return (
    <div>
      <div className="toolbar">
        <h2>Keys</h2>
        {props.canCreate && (
          <button type="button" onClick={() => setCreating(true)}>
            Create key
          </button>
        )}
      </div>
      <ErrorNote message={keys.error ? errorMessage(keys.error) : null} />
      {keys.data === null && !keys.error && <p className="muted">Loading…</p>}
      {keys.data?.length === 0 && <p className="empty">No keys yet.</p>}
      {keys.data && keys.data.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">State</th>
                <th scope="col">Scopes</th>
                <th scope="col">Primary</th>
                <th scope="col">Secondary</th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((key) => (
                <tr key={key.id}>
                  <td>
                    <Link to={`/keys/${key.id}`}>{key.name}</Link>
                  </td>
                  <td>{key.kind}</td>
                  <td>
                    <StateBadge state={key.state} />
                  </td>
                  <td>{formatList(key.scopes)}</td>
                  <td>
                    <SlotSummary slot={key.slots.primary} />
                  </td>
                  <td>
                    <SlotSummary slot={key.slots.secondary} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {creating && (
        <CreateKeyDialog
          institutionId={props.institutionId}
          onClose={(created) => {
            setCreating(false);
            if (created) keys.reload();
          }}
        />
      )}
    </div>
  );
}

function SlotSummary(props: { slot: SlotView }) {
  const { slot } = props;
  return (
    <>
      <code className="hint">{slot.hint}</code> {slot.imported && <ImportedBadge />}
      <br />
      <span className="muted small-text">
        {slot.lastUsedAt
          ? `Used ${formatDateTime(slot.lastUsedAt)}${slot.lastUsedFrom ? ` from ${slot.lastUsedFrom}` : ''}`
          : 'Never used'}
      </span>
    </>
  );
}
