import { useId, useState, type ReactNode } from 'react';

/**
 * A new secret, shown this once: it lives only in the page's memory (React state), so leaving or
 * reloading the page loses it, and tessera keeps only its digest. A button copies it.
 */
export function SecretOnce({
  secret,
  label = 'New secret',
  intro,
  onHide,
}: {
  secret: string;
  label?: string;
  intro?: ReactNode;
  /** Offers "I have copied it: hide the secret", which calls this. */
  onHide?: () => void;
}) {
  const id = useId();
  const [copied, setCopied] = useState<'yes' | 'failed' | undefined>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };
  return (
    <section className="notice secret-once" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Copy the secret now: it will not be shown again</h2>
      <p>
        tessera keeps only a digest of it. Once you leave or reload this page the secret is gone, and the only way to get a working one is to rotate the token.
      </p>
      {intro}
      <label htmlFor={`${id}-secret`}>{label}</label>
      <div className="secret-row">
        <input id={`${id}-secret`} className="secret" readOnly value={secret} spellCheck={false} autoComplete="off" onFocus={(e) => e.currentTarget.select()} />
        <button type="button" onClick={() => void copy()}>
          Copy
        </button>
      </div>
      <p role="status" className={copied === 'failed' ? 'error' : 'muted'}>
        {copied === 'yes' ? 'Copied to the clipboard.' : copied === 'failed' ? 'The browser would not copy it: select the text and copy it yourself.' : ''}
      </p>
      {onHide ? (
        <button type="button" className="secondary" onClick={onHide}>
          I have copied it: hide the secret
        </button>
      ) : null}
    </section>
  );
}
