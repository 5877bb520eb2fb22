import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import type { KeyState } from './api-types';

/** A failure message, read out by screen readers as soon as it appears. */
export function ErrorNote(props: { message: string | null }) {
  if (!props.message) return null;
  return (
    <p className="error" role="alert">
      {props.message}
    </p>
  );
}

/**
 * A modal on the native <dialog>: focus is trapped and restored by the browser, Escape closes.
 * Mount it to open it.
 */
export function Modal(props: { title: string; onClose: () => void; children: ReactNode }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog
      ref={ref}
      className="modal"
      aria-labelledby={titleId}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.children}
    </dialog>
  );
}

/** Copies `value` to the clipboard; says so, or says how to copy by hand. */
export function CopyButton(props: { value: string; label: string }) {
  const [status, setStatus] = useState<'idle' | 'copied' | 'failed'>('idle');
  useEffect(() => {
    if (status === 'idle') return;
    const timer = setTimeout(() => setStatus('idle'), 2500);
    return () => clearTimeout(timer);
  }, [status]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(props.value);
      setStatus('copied');
    } catch {
      setStatus('failed');
    }
  };
  return (
    <>
      <button type="button" className="small" onClick={() => void copy()} aria-label={props.label}>
        {status === 'copied'
          ? 'Copied'
          : status === 'failed'
            ? 'Copy failed: select the text'
            : 'Copy'}
      </button>
      <span className="sr-only" role="status">
        {status === 'copied' ? 'Copied to the clipboard' : ''}
        {status === 'failed' ? 'Copy failed: select the text and copy it' : ''}
      </span>
    </>
  );
}

/** A secret in clear, selectable, with a copy button. Rendered only while it must be seen. */
export function SecretValue(props: { label: string; value: string; testId: string }) {
  return (
    <div className="secret">
      <span className="sr-only">{props.label}: </span>
      <code data-testid={props.testId}>{props.value}</code>
      <CopyButton value={props.value} label={`Copy ${props.label.toLowerCase()}`} />
    </div>
  );
}

export function StateBadge(props: { state: KeyState }) {
  return <span className={`badge badge-${props.state}`}>{props.state}</span>;
}

/** Marks a slot whose secret was imported in a legacy format: it works, but should be rotated. */
export function ImportedBadge() {
  return (
    <span
      className="badge badge-imported"
      title="Imported from another gateway (no checksum): regenerate it to get a Keyward secret"
    >
      imported
    </span>
  );
}

/** Runs an async loader on mount and whenever `deps` change; exposes data, error and reload. */
export function useLoader<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  // biome-ignore lint/correctness/useExhaustiveDependencies: deps are the caller's inputs
  useEffect(() => {
    let live = true;
    setError(null);
    loadRef.current().then(
      (value) => {
        if (live) setData(value);
      },
      (err: unknown) => {
        if (live) setError(err);
      },
    );
    return () => {
      live = false;
    };
  }, [...deps, version]);
  return { data, error, setData, reload: () => setVersion((v) => v + 1) };
}
