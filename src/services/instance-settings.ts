import type { Store } from '../store/db/database.js';
import { SETTINGS, getSettings, setSetting, type SettingDefinition, type SettingName } from '../store/settings.js';
import { ServiceError } from './errors.js';

/**
 * The instance settings as MISP's servers/serverSettings shows them: each under MISP's name where MISP
 * has the same setting (Cairn's own name otherwise), with a typed value. Values are stored as text by
 * Cairn's name (src/store/settings.ts); this module only translates.
 */
export type SettingValue = boolean | number | string;

export interface InstanceSetting {
  name: string;
  /** MISP repeats the name as `setting`. */
  setting: string;
  value: SettingValue;
  type: SettingDefinition['type'];
  level: number;
  /** MISP's tab: the first part of the name (Cairn for Cairn's own settings). */
  tab: string;
  description: string;
  editable: boolean;
  redacted?: true;
}

/** Facts of Cairn that MISP has as settings: shown, but fixed. */
const FIXED: ReadonlyArray<Omit<InstanceSetting, 'setting' | 'tab' | 'editable'>> = [
  {
    name: 'Security.advanced_authkeys', value: true, type: 'boolean', level: 0,
    description: 'Every API key is stored hashed and shown once; a user may hold several, each with a comment. Always on in Cairn.',
  },
  {
    name: 'MISP.background_jobs', value: false, type: 'boolean', level: 0,
    description: 'Cairn has no background workers: publishing, e-mail and every other job runs within the request that asks for it. Always off.',
  },
  {
    name: 'Security.salt', value: '*****', type: 'string', level: 0, redacted: true,
    description: 'The secret API keys are hashed under, made with the instance. Never shown, never changed through the API.',
  },
];

const apiName = (name: SettingName): string => SETTINGS[name].misp ?? name;

const byApiName = new Map<string, SettingName>(Object.keys(SETTINGS).map((k) => [apiName(k as SettingName), k as SettingName]));

function typed(definition: SettingDefinition, stored: string): SettingValue {
  if (definition.type === 'boolean') return stored === 'true';
  if (definition.type === 'numeric') return Number(stored);
  return stored;
}

function view(name: SettingName, stored: string): InstanceSetting {
  const d = SETTINGS[name];
  const shown = apiName(name);
  return {
    name: shown, setting: shown, value: typed(d, stored), type: d.type, level: d.level,
    tab: d.misp ? shown.split('.')[0]! : 'Cairn', description: d.help, editable: !d.cliOnly,
  };
}

function fixedView(f: (typeof FIXED)[number]): InstanceSetting {
  return { ...f, setting: f.name, tab: f.name.split('.')[0]!, editable: false };
}

export async function listInstanceSettings(store: Store): Promise<InstanceSetting[]> {
  const values = await getSettings(store);
  return [...(Object.keys(SETTINGS) as SettingName[]).map((n) => view(n, values[n])), ...FIXED.map(fixedView)]
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** One setting by MISP's (or Cairn's) name; a redacted one is refused. */
export async function instanceSetting(store: Store, name: string): Promise<InstanceSetting> {
  const fixed = FIXED.find((f) => f.name === name);
  if (fixed?.redacted) throw new ServiceError('forbidden', 'This setting is redacted.');
  if (fixed) return fixedView(fixed);
  const key = byApiName.get(name);
  if (!key) throw new ServiceError('not-found', `Setting ${name} is invalid.`);
  return view(key, (await getSettings(store))[key]);
}

/** The text a value sent for a setting of this type is stored as, if it is one. */
function storedForm(type: SettingDefinition['type'], value: unknown): string | undefined {
  if (type === 'boolean') {
    if (value === true || value === 1 || value === '1' || value === 'true') return 'true';
    if (value === false || value === 0 || value === '0' || value === 'false') return 'false';
    return undefined;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'string') return value.trim();
  return undefined;
}

/**
 * Changes a setting. Unlike MISP's `force`, a value that does not fit is always refused: Cairn reads
 * its settings as typed values and cannot run on one it does not understand.
 */
export async function changeInstanceSetting(store: Store, name: string, value: unknown): Promise<void> {
  const fixed = FIXED.find((f) => f.name === name);
  if (fixed?.redacted) throw new ServiceError('forbidden', 'This setting is redacted.');
  if (fixed) {
    // Setting a fixed fact to what it already is changes nothing, so it succeeds (clients restore a value they read).
    if (storedForm(fixed.type, value) === storedForm(fixed.type, fixed.value)) return;
    throw new ServiceError('rejected', `${name} cannot be changed: ${fixed.description}`);
  }
  const key = byApiName.get(name);
  if (!key) throw new ServiceError('not-found', `Setting ${name} is invalid.`);
  if (SETTINGS[key].cliOnly) throw new ServiceError('rejected', 'This setting can only changed via the CLI. Change request ignored.');
  if (value === undefined || value === null || typeof value === 'object') {
    throw new ServiceError('rejected', 'Invalid input. Expected: {"value": "new_setting"}');
  }
  const stored = storedForm(SETTINGS[key].type, value);
  if (stored === undefined) throw new ServiceError('rejected', `${name} takes ${SETTINGS[key].type === 'boolean' ? 'true or false' : 'a number'}.`);
  const problem = await setSetting(store, key, stored);
  if (problem) throw new ServiceError('rejected', `${name} takes ${problem}.`);
}
