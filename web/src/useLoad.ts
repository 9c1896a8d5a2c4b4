import { useCallback, useEffect, useState } from 'react';
import { ApiFailure } from './api';

/** Loads something when its key changes; `reload` loads it again (after a change). */
export function useLoad<T>(load: () => Promise<T>, key: string): { data: T | undefined; error: string; reload: () => void } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState('');
  const [round, setRound] = useState(0);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, [key, round]);
  useEffect(() => {
    let live = true;
    setError('');
    run().then((d) => live && setData(d), (e: unknown) => live && setError(e instanceof ApiFailure ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [run]);
  return { data, error, reload: () => setRound((r) => r + 1) };
}
