import { useState, type FormEvent } from 'react';

export interface Action {
  /** While `act` runs: its button says so and is disabled. */
  busy: boolean;
  /** Why the last run failed, until the next run. */
  error: Error | undefined;
  run(): Promise<void>;
  /** A form's onSubmit: keeps the page where it is, then runs. */
  submit(event: FormEvent): void;
}

/**
 * What a form or button does on the server: busy while `act` runs, its failure kept as `error`
 * (in the words `explain` gives it, when given). A refusal the page can judge before asking is
 * thrown from `act` like the server's, and shown the same way.
 */
export function useAction(act: () => Promise<void>, explain: (failure: Error) => Error = (failure) => failure): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<Error>();
  const run = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await act();
    } catch (failure) {
      setError(explain(failure as Error));
    } finally {
      setBusy(false);
    }
  };
  return {
    busy,
    error,
    run,
    submit: (event) => {
      event.preventDefault();
      void run();
    },
  };
}
