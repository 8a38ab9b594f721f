import { useState } from 'react';

/**
 * A new secret, shown once: a warning, the secret, and a button that copies it. It lives only in
 * the memory of the page that shows it; leaving the page loses it for good.
 */
export function NewSecret({ secret, label }: { secret: string; label: string }) {
  const [copied, setCopied] = useState<string>();
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied('Copied.');
    } catch {
      setCopied('Copying is not allowed here: select the secret and copy it by hand.');
    }
  };
  return (
    <div className="notice" role="region" aria-label={label}>
      <p>
        <strong>Copy this secret now.</strong> tessera keeps only a digest of it: it will not be shown again.
      </p>
      <p>
        <code className="secret">{secret}</code>
      </p>
      <button type="button" onClick={() => void copy()}>
        Copy the secret
      </button>{' '}
      <span role="status">{copied}</span>
    </div>
  );
}
