import type { Store } from '../store/database.js';
import { correlationSettings, type CorrelationSettings } from '../store/settings.js';

/** How long the server trusts what it read of the settings and warninglists before it reads them again. */
const FRESH_MS = 5_000;

/**
 * The instance settings the server needs on every request, read at most every few seconds: building
 * the warninglist index takes most of a second with every list enabled. A change made by another
 * process (the CLI, a second server) is seen within that time.
 */
export class SettingsCache {
  private value: Promise<CorrelationSettings> | undefined;
  private readAt = 0;

  constructor(private readonly store: Store) {}

  /** Forgets what was read: a change made through this server applies to its next request. */
  invalidate(): void {
    this.value = undefined;
  }

  correlation(): Promise<CorrelationSettings> {
    if (!this.value || Date.now() - this.readAt > FRESH_MS) {
      this.readAt = Date.now();
      this.value = correlationSettings(this.store);
    }
    return this.value;
  }
}
