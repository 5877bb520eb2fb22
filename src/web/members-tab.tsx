import { type FormEvent, useState } from 'react';
import { errorMessage } from './api-client';
import type { Member, Role } from './api-types';
import { formatDateTime } from './format';
import { type Access, useSession } from './session';
import { ErrorNote, SecretValue, useLoader } from './ui';

export function MembersTab(props: { institutionId: string; access: Access }) {
  const { api } = useSession();
  const members = useLoader(() => api.listMembers(props.institutionId), [props.institutionId]);
  const canAdd = props.access === 'admin' || props.access === 'platform';

  return (
    <div>
      <h2>Members</h2>
      {canAdd && (
        <AddMemberForm
          institutionId={props.institutionId}
          onAdded={(member) => members.setData([...(members.data ?? []), member])}
        />
      )}
      <ErrorNote message={members.error ? errorMessage(members.error) : null} />
      {members.data === null && !members.error && <p className="muted">Loading…</p>}
      {members.data?.length === 0 && <p className="empty">No members yet.</p>}
      {members.data && members.data.length > 0 && (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">Member since</th>
            </tr>
          </thead>
          <tbody>
            {members.data.map((m) => (
              <tr key={m.userId}>
                <td>{m.name}</td>
                <td>{m.email}</td>
                <td>{m.role === 'admin' ? 'Administrator' : 'Operator'}</td>
                <td>{formatDateTime(m.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function AddMemberForm(props: { institutionId: string; onAdded: (member: Member) => void }) {
  const { api } = useSession();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('admin');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [issued, setIssued] = useState<{ email: string; password: string } | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    setIssued(null);
    try {
      const result = await api.addMember(props.institutionId, {
        email: email.trim(),
        name: name.trim(),
        role,
      });
      props.onAdded(result.member);
      if (result.temporaryPassword) {
        setIssued({ email: result.member.email, password: result.temporaryPassword });
      }
      setEmail('');
      setName('');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card inline-form" onSubmit={(e) => void submit(e)} aria-label="Add member">
      <h3>Add a member</h3>
      <div className="row">
        <label>
          Email
          <input
            type="email"
            name="memberEmail"
            required
            value={email}
            onChange={(e) => setEmail(e.target.value)}
          />
        </label>
        <label>
          Name
          <input
            name="memberName"
            required
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
        </label>
        <label>
          Role
          <select name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            <option value="admin">Administrator</option>
            <option value="operator">Operator</option>
          </select>
        </label>
        <button type="submit" disabled={busy}>
          Add member
        </button>
      </div>
      <ErrorNote message={error} />
      {issued && (
        <div className="notice" role="status">
          <p>
            Temporary password for <strong>{issued.email}</strong>. It is shown only now: hand it
            over safely. They must choose their own password at first sign-in.
          </p>
          <SecretValue label="Temporary password" value={issued.password} testId="temp-password" />
          <button type="button" className="secondary small" onClick={() => setIssued(null)}>
            Hide
          </button>
        </div>
      )}
    </form>
  );
}
