import { errorMessage } from './api-client';
import type { UsagePoint } from './api-types';
import { useSession } from './session';
import { ErrorNote, useLoader } from './ui';

const SLOTS = ['primary', 'secondary'] as const;

/** Requests per slot over the last day, with errors and the worst hourly p95. */
export function UsagePanel(props: { keyId: string }) {
  const { api } = useSession();
  const usage = useLoader(() => api.keyUsage(props.keyId), [props.keyId]);
  const sum = (points: readonly UsagePoint[], pick: (p: UsagePoint) => number) =>
    points.reduce((n, p) => n + pick(p), 0);
  return (
    <section className="card" aria-labelledby="usage-heading">
      <h2 id="usage-heading">Usage, last 24 hours</h2>
      <ErrorNote message={usage.error ? errorMessage(usage.error) : null} />
      {usage.data === null && !usage.error && <p className="muted">Loading…</p>}
      {usage.data && (
        <table>
          <thead>
            <tr>
              <th scope="col">Slot</th>
              <th scope="col">Requests</th>
              <th scope="col">Errors</th>
              <th scope="col">Busiest hour</th>
              <th scope="col">Worst hourly p95</th>
            </tr>
          </thead>
          <tbody>
            {SLOTS.map((slot) => {
              const points = usage.data?.slots[slot] ?? [];
              const worst = Math.max(0, ...points.map((p) => p.p95LatencyMs ?? 0));
              return (
                <tr key={slot} data-testid={`usage-${slot}`}>
                  <td>{slot}</td>
                  <td>{sum(points, (p) => p.requests)}</td>
                  <td>{sum(points, (p) => p.errors)}</td>
                  <td>{Math.max(0, ...points.map((p) => p.requests))}</td>
                  <td>{worst === 0 ? '—' : `${worst} ms`}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
