import { type FormEvent, useState } from 'react';
import { type AdminApi, errorMessage } from './api-client';
import { ErrorNote } from './ui';

const MIN_LENGTH = 12;

/** Shown instead of everything else while the user still has a generated password. */
export function PasswordChangePage(props: { api: AdminApi; onChanged: () => Promise<void> }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (next !== repeat) {
      setError('The two new passwords differ.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await props.api.changePassword(current, next);
      await props.onChanged();
    } catch (err) {
      setError(errorMessage(err));
      setBusy(false);
    }
  };

  return (
    <section className="narrow card">
      <h1>Choose a new password</h1>
      <p>
        You signed in with a temporary password. Choose your own (at least {MIN_LENGTH} characters)
        to continue.
      </p>
      <form onSubmit={(e) => void submit(e)}>
        <label>
          Temporary password
          <input
            type="password"
            autoComplete="current-password"
            required
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
          />
        </label>
        <label>
          New password
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={MIN_LENGTH}
            value={next}
            onChange={(e) => setNext(e.target.value)}
          />
        </label>
        <label>
          New password again
          <input
            type="password"
            autoComplete="new-password"
            required
            minLength={MIN_LENGTH}
            value={repeat}
            onChange={(e) => setRepeat(e.target.value)}
          />
        </label>
        <ErrorNote message={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Saving…' : 'Change password'}
        </button>
      </form>
    </section>
  );
}
