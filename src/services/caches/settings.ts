import type { Store } from '../../store/db/database.js';
import { correlationSettings, type CorrelationSettings } from '../../store/settings.js';
import { Fresh } from './fresh.js';

/**
 * The instance settings the server needs on every request, read at most every few seconds: building
 * the warninglist index takes most of a second with every list enabled.
 */
export class SettingsCache {
  private readonly settings: Fresh<CorrelationSettings>;

  constructor(store: Store) {
    this.settings = new Fresh(() => correlationSettings(store));
  }

  /** Forgets what was read: a change made through this server applies to its next request. */
  invalidate(): void {
    this.settings.invalidate();
  }

  correlation(): Promise<CorrelationSettings> {
    return this.settings.get();
  }
}
