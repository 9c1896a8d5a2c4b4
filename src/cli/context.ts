import { openStore, storeConfigFromEnv, type Store } from '../store/db/database.js';

/** A failure the user can act on: printed as its message alone, with the exit status given. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 1) {
    super(message);
  }
}

/** Runs a command against the store the environment names, closing it whatever happens. */
export async function withStore<T>(run: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(storeConfigFromEnv());
  try {
    return await run(store);
  } finally {
    await store.close();
  }
}

export function writeOut(text: string): Promise<void> {
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (err) => (err ? reject(err) : resolve()));
  });
}

/** A comma-separated option as a list, blanks dropped. */
export function list(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

/** An option that takes a whole number from 1 to max: `fallback` when not given, a CliError naming it when out of range. */
export function whole(text: string | undefined, name: string, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1 || Number(text) > max) throw new CliError(`${name} must be a whole number from 1 to ${max}, not "${text}"`);
  return Number(text);
}
