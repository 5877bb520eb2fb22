import { useState } from 'react';
import { ApiError, errorMessage } from './api-client';
import type { ApiKey, SlotName } from './api-types';
import { formatDateTime, usedRecently } from './format';
import { useSession } from './session';
import { ErrorNote, Modal, SecretValue } from './ui';

const OTHER: Record<SlotName, SlotName> = { primary: 'secondary', secondary: 'primary' };

/**
 * Confirms the regeneration of one slot (naming it, and saying the other keeps working), then
 * shows the new secret once. A 409 from the server (slot in recent use) offers to force it.
 */
export function RegenerateDialog(props: {
  apiKey: ApiKey;
  slot: SlotName;
  onClose: (updated: ApiKey | null) => void;
}) {
  const { api } = useSession();
  const { apiKey, slot } = props;
  const other = OTHER[slot];
  const current = apiKey.slots[slot];
  const [error, setError] = useState<string | null>(null);
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ key: ApiKey; secret: string } | null>(null);

  const regenerate = async (force: boolean) => {
    setBusy(true);
    setError(null);
    try {
      const answer = await api.regenerate(apiKey.id, slot, force);
      setResult({ key: answer.key, secret: answer.secret });
    } catch (err) {
      setError(errorMessage(err));
      setConflict(err instanceof ApiError && err.status === 409);
    } finally {
      setBusy(false);
    }
  };

  if (result) {
    return (
      <Modal title={`New ${slot} secret`} onClose={() => props.onClose(result.key)}>
        <p className="warning">
          Copy it now and update the clients that use the {slot} secret. The old one no longer
          works; the {other} secret is unchanged.
        </p>
        <SecretValue
          label={`New ${slot} secret`}
          value={result.secret}
          testId="regenerated-secret"
        />
        <div className="actions">
          <button type="button" onClick={() => props.onClose(result.key)}>
            Done
          </button>
        </div>
      </Modal>
    );
  }

  return (
    <Modal title={`Regenerate the ${slot} secret?`} onClose={() => props.onClose(null)}>
      <p>
        The current <strong>{slot}</strong> secret of “{apiKey.name}” (<code>{current.hint}</code>)
        stops working immediately and a new one is issued.
      </p>
      <p>
        The <strong>{other}</strong> secret (<code>{apiKey.slots[other].hint}</code>) is not touched
        and keeps working.
      </p>
      {usedRecently(current.lastUsedAt) && (
        <p className="warning">
          The {slot} secret was last used {formatDateTime(current.lastUsedAt)}
          {current.lastUsedFrom ? ` from ${current.lastUsedFrom}` : ''}. Clients still sending it
          will be refused: move them to the {other} secret first.
        </p>
      )}
      <ErrorNote message={error} />
      <div className="actions">
        <button type="button" className="secondary" onClick={() => props.onClose(null)}>
          Cancel
        </button>
        {conflict ? (
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => void regenerate(true)}
          >
            Regenerate {slot} anyway
          </button>
        ) : (
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => void regenerate(false)}
          >
            Regenerate {slot}
          </button>
        )}
      </div>
    </Modal>
  );
}
