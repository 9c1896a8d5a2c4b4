import cluster, { type Worker } from 'node:cluster';
import type { WriteTurns } from '../store/db/sqlite-connections.js';

/** The messages of write turns between `serve --workers N`'s processes and their primary. */
interface TurnMessage {
  cairnWriteTurn: 'take' | 'give' | 'granted';
  turn: number;
}

const isTurnMessage = (m: unknown): m is TurnMessage =>
  typeof m === 'object' && m !== null && typeof (m as TurnMessage).cairnWriteTurn === 'string' && typeof (m as TurnMessage).turn === 'number';

/**
 * The primary's side: the embedded store's writer lock handed to its server processes one at a time, in
 * the order they asked, the next one told the moment the holder lets go. A process that stops gives up
 * its turn and its place in line (SQLite lets go of its lock with it).
 */
export function coordinateWriteTurns(): void {
  const line: Array<{ worker: Worker; turn: number }> = [];
  let holder: { worker: Worker; turn: number } | undefined;
  const next = () => {
    while (!holder && line.length > 0) {
      const first = line.shift()!;
      if (first.worker.isDead()) continue;
      holder = first;
      first.worker.send({ cairnWriteTurn: 'granted', turn: first.turn } satisfies TurnMessage);
    }
  };
  cluster.on('message', (worker, message: unknown) => {
    if (!isTurnMessage(message)) return;
    if (message.cairnWriteTurn === 'take') line.push({ worker, turn: message.turn });
    else if (message.cairnWriteTurn === 'give' && holder?.worker === worker && holder.turn === message.turn) holder = undefined;
    next();
  });
  cluster.on('exit', (worker) => {
    for (let i = line.length - 1; i >= 0; i--) if (line[i]!.worker === worker) line.splice(i, 1);
    if (holder?.worker === worker) holder = undefined;
    next();
  });
}

/** A server process's side: its turns asked of the primary (coordinateWriteTurns). */
export function workerWriteTurns(): WriteTurns {
  let last = 0;
  const waiting = new Map<number, () => void>();
  process.on('message', (message: unknown) => {
    if (!isTurnMessage(message) || message.cairnWriteTurn !== 'granted') return;
    const granted = waiting.get(message.turn);
    waiting.delete(message.turn);
    granted?.();
  });
  const send = (message: TurnMessage) => {
    if (!process.send || !process.connected) throw new Error('the primary process of the server is gone');
    process.send(message);
  };
  return {
    take() {
      const turn = ++last;
      return new Promise<number>((resolve, reject) => {
        waiting.set(turn, () => resolve(turn));
        try {
          send({ cairnWriteTurn: 'take', turn });
        } catch (err) {
          waiting.delete(turn);
          reject(err);
        }
      });
    },
    give(turn) {
      // A primary gone is a server stopping: nothing is left to hand the turn to.
      if (process.connected) process.send?.({ cairnWriteTurn: 'give', turn } satisfies TurnMessage);
    },
  };
}
