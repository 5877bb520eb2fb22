import { type FormEvent, useState } from 'react';
import { errorMessage } from './api-client';
import type { ApiKey, KeyKind, Secrets } from './api-types';
import {
  NO_RESTRICTIONS,
  RestrictionFields,
  type RestrictionValues,
  restrictionsInput,
} from './restriction-fields';
import { useSession } from './session';
import { ErrorNote, Modal, SecretValue } from './ui';

/**
 * Creates a key, then shows its two secrets once. They live in this component's state only and
 * are dropped when the dialog closes.
 */
export function CreateKeyDialog(props: {
  institutionId: string;
  onClose: (created: ApiKey | null) => void;
}) {
  const { api } = useSession();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<KeyKind>('use');
  const [restrictions, setRestrictions] = useState<RestrictionValues>(NO_RESTRICTIONS);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<{ key: ApiKey; secrets: Secrets } | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      setCreated(
        await api.createKey(props.institutionId, {
          name: name.trim(),
          kind,
          ...restrictionsInput(restrictions),
        }),
      );
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  if (created) {
    return (
      <Modal title={`Key “${created.key.name}” created`} onClose={() => props.onClose(created.key)}>
        <p className="warning">
          Copy these secrets now. You will not see them again unless you view them from the key’s
          page (administrators only; every view is audited).
        </p>
        <p>Both secrets are valid. Give clients the primary; keep the secondary for rotation.</p>
        <h3>Primary secret</h3>
        <SecretValue label="Primary secret" value={created.secrets.primary} testId="new-primary" />
        <h3>Secondary secret</h3>
        <SecretValue
          label="Secondary secret"
          value={created.secrets.secondary}
          testId="new-secondary"
        />
        <div className="actions">
          <button type="button" onClick={() => props.onClose(created.key)}>
            Done
          </button>
        </div>
      </Modal>
    );
  }

  return (
    <Modal title="Create key" onClose={() => props.onClose(null)}>
      <form onSubmit={(e) => void submit(e)}>
        <label>
          Name
          <input name="name" required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <fieldset>
          <legend>Kind</legend>
          <label className="choice">
            <input
              type="radio"
              name="kind"
              value="use"
              checked={kind === 'use'}
              onChange={() => setKind('use')}
            />
            Use — sent by your backend to the protected API
          </label>
          <label className="choice">
            <input
              type="radio"
              name="kind"
              value="manage"
              checked={kind === 'manage'}
              onChange={() => setKind('manage')}
            />
            Manage — automation against the admin API
          </label>
        </fieldset>
        <RestrictionFields values={restrictions} onChange={setRestrictions} />
        <ErrorNote message={error} />
        <div className="actions">
          <button type="button" className="secondary" onClick={() => props.onClose(null)}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            {busy ? 'Creating…' : 'Create key'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
