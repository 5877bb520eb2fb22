import { type FormEvent, useState } from 'react';
import { errorMessage } from './api-client';
import { formatDateTime } from './format';
import { Link, navigate } from './router';
import { accessTo, useSession } from './session';
import { ErrorNote, useLoader } from './ui';

export function InstitutionsPage() {
  const session = useSession();
  const list = useLoader(() => session.api.listInstitutions(), [session.api]);

  return (
    <section>
      <h1>Institutions</h1>
      {session.user.platformOperator && <CreateInstitutionForm />}
      <ErrorNote message={list.error ? errorMessage(list.error) : null} />
      {list.data === null && !list.error && <p className="muted">Loading…</p>}
      {list.data?.length === 0 && (
        <p className="empty">
          {session.user.platformOperator
            ? 'No institutions yet. Create the first one above.'
            : 'You are not a member of any institution yet. Ask an administrator to add you.'}
        </p>
      )}
      {list.data && list.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">External code</th>
              <th scope="col">Your access</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((ins) => (
              <tr key={ins.id}>
                <td>
                  <Link to={`/institutions/${ins.id}`}>{ins.name}</Link>
                </td>
                <td>{ins.externalCode ?? '—'}</td>
                <td>{accessLabel(accessTo(session, ins.id))}</td>
                <td>{formatDateTime(ins.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

export function accessLabel(access: string): string {
  switch (access) {
    case 'admin':
      return 'Administrator';
    case 'operator':
      return 'Operator';
    case 'platform':
      return 'Platform operator (not a member)';
    default:
      return 'None';
  }
}

function CreateInstitutionForm() {
  const { api } = useSession();
  const [name, setName] = useState('');
  const [externalCode, setExternalCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await api.createInstitution({
        name: name.trim(),
        ...(externalCode.trim() && { externalCode: externalCode.trim() }),
      });
      // Next step for a new institution: invite its first administrator.
      navigate(`/institutions/${created.id}/members`);
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <form
      className="card inline-form"
      onSubmit={(e) => void submit(e)}
      aria-label="New institution"
    >
      <h2>New institution</h2>
      <div className="row">
        <label>
          Name
          <input required value={name} onChange={(e) => setName(e.target.value)} />
        </label>
        <label>
          External code <span className="field-note">(optional, e.g. tax code)</span>
          <input value={externalCode} onChange={(e) => setExternalCode(e.target.value)} />
        </label>
        <button type="submit" disabled={busy}>
          Create institution
        </button>
      </div>
      <ErrorNote message={error} />
    </form>
  );
}
