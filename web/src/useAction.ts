import { useState } from 'react';
import { ApiFailure } from './api';

/** Runs a change, then says what happened (or why it failed) and reloads what it changed. */
export function useAction(reload: () => void): {
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
      setMessage(done);
      reload();
    } catch (err) {
      setMessage(err instanceof ApiFailure ? err.message : String(err));
    }
  };
  return { message, run, done: (text) => { setMessage(text); reload(); } };
}
