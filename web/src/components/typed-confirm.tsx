import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { useAction } from '../use-action';
import { ErrorMessage } from './feedback';

/**
 * An action that cannot be undone: a first button opens it, then it runs only once the person has
 * typed `name` exactly. The server's refusal, if any, is shown in words.
 */
export function TypedConfirm({
  name,
  open: openLabel,
  confirm: confirmLabel,
  onConfirm,
  children,
  what = 'token',
}: {
  name: string;
  /** What is named: "Type the {what}'s name". */
  what?: string;
  open: string;
  confirm: string;
  onConfirm: () => Promise<void>;
  children: ReactNode;
}) {
  const id = useId();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const { busy, error, run } = useAction(async () => {
    await onConfirm();
    setOpen(false);
    setTyped('');
  });
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (typed === name) void run();
  };
  if (!open)
    return (
      <button type="button" className="danger" aria-controls={`${id}-form`} aria-expanded="false" onClick={() => setOpen(true)}>
        {openLabel}
      </button>
    );
  return (
    <form id={`${id}-form`} className="confirm" onSubmit={submit}>
      {children}
      <label htmlFor={`${id}-name`}>
        Type the {what}&apos;s name, <strong>{name}</strong>, to confirm
      </label>
      <input id={`${id}-name`} value={typed} autoComplete="off" spellCheck={false} onChange={(e) => setTyped(e.target.value)} />
      <div className="actions">
        <button type="submit" className="danger" disabled={busy || typed !== name}>
          {busy ? 'Working…' : confirmLabel}
        </button>
        <button type="button" className="secondary" onClick={() => setOpen(false)}>
          Cancel
        </button>
      </div>
      <ErrorMessage error={error} />
    </form>
  );
}
