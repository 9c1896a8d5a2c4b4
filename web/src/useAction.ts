import { useState } from 'react';
import { ApiFailure } from './api';

/** Runs a change, then says what happened (or why it failed) and reloads what it changed. */
export function useAction(reload: () => Promise<void>): {
  message: string;
  run: (what: () => Promise<unknown>, done: string) => Promise<void>;
  /** Says something that happened elsewhere (a form of the page), and reloads. */
  done: (message: string) => void;
} {
  const [message, setMessage] = useState('');
  const run = async (what: () => Promise<unknown>, done: string) => {
    setMessage('');
    try {
      await what();
      // Said once the page shows the change: a reader (or a test) that sees the message sees the new state.
      await reload();
      setMessage(done);
    } catch (err) {
      setMessage(err instanceof ApiFailure ? err.message : String(err));
    }
  };
  return { message, run, done: (text) => { void reload().then(() => setMessage(text)); } };
}
