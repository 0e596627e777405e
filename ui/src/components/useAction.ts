// Something a person started (a form's submit, a button) that calls the API: its busy state and
// the readable error it failed with, kept once here instead of in every form.
import { useState } from 'preact/hooks';

export interface Action<A extends unknown[]> {
  busy: boolean;
  /** Why the last attempt failed ('' when it did not). */
  error: string;
  /** Runs it; resolves to whether it succeeded. */
  run: (...args: A) => Promise<boolean>;
}

export function useAction<A extends unknown[]>(perform: (...args: A) => Promise<unknown>): Action<A> {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState('');
  const run = async (...args: A) => {
    setBusy(true);
    setError('');
    try {
      await perform(...args);
      return true;
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}
