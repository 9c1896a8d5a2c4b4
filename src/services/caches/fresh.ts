import type { Store } from '../../store/db/database.js';
import { generationOf, type Generation } from '../../store/generations.js';

/**
 * A value built from the store and kept until the store says it changed: each use reads the generation
 * counter of what it was built from (one indexed read) and rebuilds only when another change was made,
 * by this server, another one or the CLI. So a change applies to the very next request everywhere, and
 * an idle server never pays for a rebuild of what did not change.
 */
export class Fresh<T> {
  private value: Promise<T> | undefined;
  private builtAt = -1;

  constructor(private readonly store: Store, private readonly generation: Generation, private readonly read: () => Promise<T>) {}

  async get(): Promise<T> {
    const current = await generationOf(this.store, this.generation);
    if (!this.value || current !== this.builtAt) {
      // The counter is read before the data: a change made meanwhile leaves a copy labelled older than
      // it is, which the next use rebuilds; it can never label old data as current.
      this.builtAt = current;
      const building = this.read();
      this.value = building;
      building.catch(() => {
        if (this.value === building) this.value = undefined;
      });
    }
    return this.value;
  }
}
