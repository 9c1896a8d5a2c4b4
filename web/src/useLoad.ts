import { useCallback, useEffect, useRef, useState } from 'react';
import { ApiFailure } from './api';

/**
 * Loads something when its key changes. `reload` loads it again (after a change) and resolves once
 * the new data is in place, so that whoever announces the change announces what the page shows.
 */
export function useLoad<T>(load: () => Promise<T>, key: string): { data: T | undefined; error: string; reload: () => Promise<void> } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState('');
  const [round, setRound] = useState(0);
  const waiting = useRef<Array<() => void>>([]);
  // eslint-disable-next-line react-hooks/exhaustive-deps
  const run = useCallback(load, [key, round]);
  useEffect(() => {
    let live = true;
    const settled = waiting.current.splice(0);
    setError('');
    run()
      .then((d) => live && setData(d), (e: unknown) => live && setError(e instanceof ApiFailure ? e.message : String(e)))
      .finally(() => settled.forEach((resolve) => resolve()));
    return () => {
      live = false;
    };
  }, [run]);
  const reload = useCallback(
    () => new Promise<void>((resolve) => {
      waiting.current.push(resolve);
      setRound((r) => r + 1);
    }),
    [],
  );
  return { data, error, reload };
}
