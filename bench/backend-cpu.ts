/**
 * The CPU the PostgreSQL backends serving a store spent, read from /proc (server on this machine): the
 * backends are polled while the work runs, since the pool closes idle connections and a closed backend's
 * time would be lost. Per backend the highest figure seen counts.
 */
import { readFileSync } from 'node:fs';
import { backendPids } from '../src/store/db/storage.js';
import type { Store } from '../src/store/db/database.js';

const TICKS_PER_S = 100;

function cpuSeconds(pid: number): number | undefined {
  try {
    // Fields after the command name (which may hold spaces): utime and stime are the 12th and 13th.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / TICKS_PER_S;
  } catch {
    return undefined;
  }
}

export interface BackendCpu {
  /** Stops polling; the CPU seconds spent by the backends since start, undefined off PostgreSQL or off this machine. */
  stop(): Promise<number | undefined>;
}

export async function watchBackendCpu(store: Store, everyMs = 1000): Promise<BackendCpu> {
  if (store.dialect !== 'postgres') return { stop: async () => undefined };
  const first = new Map<number, number>();
  const last = new Map<number, number>();
  let readable = false;
  const poll = async () => {
    for (const pid of await backendPids(store)) {
      const s = cpuSeconds(pid);
      if (s === undefined) continue;
      readable = true;
      if (!first.has(pid)) first.set(pid, s);
      last.set(pid, Math.max(s, last.get(pid) ?? 0));
    }
  };
  await poll();
  // A backend first seen after the start counts from zero (it was opened for the work).
  const known = new Set(first.keys());
  let polling = Promise.resolve();
  const timer = setInterval(() => { polling = polling.then(poll).catch(() => undefined); }, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await polling;
      await poll();
      if (!readable) return undefined;
      let total = 0;
      for (const [pid, s] of last) total += s - (known.has(pid) ? first.get(pid)! : 0);
      return Math.round(total * 100) / 100;
    },
  };
}
