import { useEffect, useState } from 'react';

/** Pages are addressed by the fragment (`#/events/12`): the server's own addresses stay the API's. */
export function currentPath(): string {
  return window.location.hash.replace(/^#/, '') || '/';
}

export function useRoute(): string {
  const [path, setPath] = useState(currentPath);
  useEffect(() => {
    const changed = () => setPath(currentPath());
    window.addEventListener('hashchange', changed);
    return () => window.removeEventListener('hashchange', changed);
  }, []);
  return path;
}

export function navigate(path: string): void {
  window.location.hash = path;
}

/** The query part of a path (`/events?page=2`) as a map. */
export function queryOf(path: string): URLSearchParams {
  const q = path.indexOf('?');
  return new URLSearchParams(q < 0 ? '' : path.slice(q + 1));
}
