import type { Store } from '../../store/db/database.js';
import { correlationSettings, getSettings, type CorrelationSettings, type SettingName } from '../../store/settings.js';
import { Fresh } from './fresh.js';

/**
 * The instance settings the server needs on every request, rebuilt only when they change (building
 * the warninglist index takes most of a second with every list enabled).
 */
export class SettingsCache {
  private readonly settings: Fresh<CorrelationSettings>;
  private readonly values: Fresh<Record<SettingName, string>>;

  constructor(store: Store) {
    this.settings = new Fresh(store, 'settings', () => correlationSettings(store));
    this.values = new Fresh(store, 'settings', () => getSettings(store));
  }

  /** Every setting's value, as stored (defaults filled in). */
  all(): Promise<Record<SettingName, string>> {
    return this.values.get();
  }

  /** MISP.live: false when only site admins may use the instance. */
  async live(): Promise<boolean> {
    return (await this.all())['instance.live'] === 'true';
  }

  correlation(): Promise<CorrelationSettings> {
    return this.settings.get();
  }
}
