import { type FormEvent, useState } from 'react';
import { errorMessage } from './api-client';
import type { ApiKey } from './api-types';
import { formatDateTime, formatList, formatRateLimit } from './format';
import { RestrictionFields, restrictionsInput, restrictionsOf } from './restriction-fields';
import { Link, navigate } from './router';
import { accessTo, useSession } from './session';
import { SlotsPanel } from './slots-panel';
import { ErrorNote, Modal, StateBadge, useLoader } from './ui';
import { UsagePanel } from './usage-panel';

export function KeyPage(props: { keyId: string }) {
  const session = useSession();
  const { api } = session;
  const loaded = useLoader(() => api.getKey(props.keyId), [props.keyId]);
  const key = loaded.data;
  const institution = useLoader(
    () => (key ? api.getInstitution(key.institutionId) : Promise.resolve(null)),
    [key?.institutionId],
  );

  if (loaded.error) {
    return (
      <section>
        <h1>Key</h1>
        <ErrorNote message={errorMessage(loaded.error)} />
        <Link to="/">Back to the institutions</Link>
      </section>
    );
  }
  if (!key) return <p className="muted">Loading…</p>;

  const access = accessTo(session, key.institutionId);
  const writable = access === 'admin' && key.state !== 'cancelled';
  const canView =
    key.state !== 'cancelled' &&
    (access === 'admin' ||
      (access === 'operator' && institution.data?.settings.operatorsMayViewSecrets === true));
  const keysPath = `/institutions/${key.institutionId}/keys`;

  return (
    <section>
      <nav aria-label="Breadcrumb" className="breadcrumb">
        <Link to="/">Institutions</Link> /{' '}
        <Link to={keysPath}>{institution.data?.name ?? 'Institution'}</Link> /{' '}
        <span>{key.name}</span>
      </nav>
      <h1>
        {key.name} <StateBadge state={key.state} />
      </h1>
      <dl className="meta">
        <dt>Id</dt>
        <dd>
          <code>{key.id}</code>
        </dd>
        <dt>Kind</dt>
        <dd>{key.kind === 'use' ? 'use (protected API)' : 'manage (admin API automation)'}</dd>
        <dt>Scopes</dt>
        <dd>{formatList(key.scopes, 'none')}</dd>
        <dt>Allowed networks</dt>
        <dd>{formatList(key.allowedCidrs, 'any address')}</dd>
        <dt>Expires</dt>
        <dd>{key.expiresAt ? formatDateTime(key.expiresAt) : 'never'}</dd>
        <dt>Rate limit</dt>
        <dd>{formatRateLimit(key.rateLimit)}</dd>
        <dt>Created</dt>
        <dd>
          {formatDateTime(key.createdAt)} by <code>{key.createdBy}</code>
        </dd>
      </dl>

      <SlotsPanel
        apiKey={key}
        canView={canView}
        canRegenerate={writable}
        onKeyChanged={loaded.setData}
      />

      <UsagePanel keyId={key.id} />

      {writable && (
        <>
          <StateSection apiKey={key} onChanged={loaded.setData} />
          <RestrictionsForm apiKey={key} onSaved={loaded.setData} />
          <DeleteSection apiKey={key} onDeleted={() => navigate(keysPath)} />
        </>
      )}
    </section>
  );
}

function StateSection(props: { apiKey: ApiKey; onChanged: (key: ApiKey) => void }) {
  const { api } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const suspended = props.apiKey.state === 'suspended';

  const toggle = async () => {
    setBusy(true);
    setError(null);
    try {
      props.onChanged(
        await api.updateKey(props.apiKey.id, { state: suspended ? 'active' : 'suspended' }),
      );
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="card" aria-labelledby="state-heading">
      <h2 id="state-heading">State</h2>
      <p>
        {suspended
          ? 'Suspended: neither secret authenticates until the key is activated again.'
          : 'Active: both secrets authenticate. Suspending stops both at once; it can be undone.'}
      </p>
      <ErrorNote message={error} />
      <button type="button" className="secondary" disabled={busy} onClick={() => void toggle()}>
        {suspended ? 'Activate key' : 'Suspend key'}
      </button>
    </section>
  );
}

function RestrictionsForm(props: { apiKey: ApiKey; onSaved: (key: ApiKey) => void }) {
  const { api } = useSession();
  const [values, setValues] = useState(() => restrictionsOf(props.apiKey));
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setSaved(false);
    try {
      const updated = await api.updateKey(props.apiKey.id, restrictionsInput(values));
      props.onSaved(updated);
      setValues(restrictionsOf(updated));
      setSaved(true);
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="restrictions-heading">
      <h2 id="restrictions-heading">Restrictions</h2>
      <RestrictionFields
        values={values}
        onChange={(v) => {
          setValues(v);
          setSaved(false);
        }}
      />
      <ErrorNote message={error} />
      {saved && (
        <p className="success" role="status">
          Restrictions saved.
        </p>
      )}
      <button type="submit" disabled={busy}>
        Save restrictions
      </button>
    </form>
  );
}

function DeleteSection(props: { apiKey: ApiKey; onDeleted: () => void }) {
  const { api } = useSession();
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.deleteKey(props.apiKey.id);
      props.onDeleted();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <section className="card danger-zone" aria-labelledby="delete-heading">
      <h2 id="delete-heading">Delete</h2>
      <p>Deleting a key no longer used is good hygiene. Both secrets stop working for good.</p>
      <button type="button" className="danger" onClick={() => setConfirming(true)}>
        Delete key
      </button>
      {confirming && (
        <Modal title={`Delete key “${props.apiKey.name}”?`} onClose={() => setConfirming(false)}>
          <p>
            Both secrets (<code>{props.apiKey.slots.primary.hint}</code> and{' '}
            <code>{props.apiKey.slots.secondary.hint}</code>) stop working immediately. This cannot
            be undone.
          </p>
          <ErrorNote message={error} />
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setConfirming(false)}>
              Cancel
            </button>
            <button type="button" className="danger" disabled={busy} onClick={() => void remove()}>
              Delete permanently
            </button>
          </div>
        </Modal>
      )}
    </section>
  );
}
