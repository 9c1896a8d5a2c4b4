import { CORRELATION_DEFAULTS } from '../correlation/rules.js';
import type { ExclusionMatcher } from '../correlation/exclusions.js';
import type { Store } from './db/database.js';
import { exclusionMatcher } from './correlations/exclusions.js';
import { enabledWarninglists } from './libraries/warninglists.js';
import { UNPUBLISHED_PRIVATE_SETTING } from './visibility.js';
import { bumpGeneration } from './generations.js';
import type { WarninglistIndex } from '../correlation/warninglists/index.js';

const flag = (v: string) => (v === 'true' || v === 'false' ? undefined : 'true or false');
const wholeNumber = (v: string) => (/^\d+$/.test(v) && Number(v) >= 1 ? undefined : 'a whole number of 1 or more');

/**
 * Every instance setting, with its default, what it takes, and what it means; `misp` is the name MISP
 * gives the same setting, under which the API shows it (servers/serverSettings).
 */
const DEFINITIONS = {
  'correlation.over_threshold': {
    default: String(CORRELATION_DEFAULTS.overCorrelationThreshold),
    check: wholeNumber,
    type: 'numeric',
    help: 'a value held by more events than this is over-correlating: flagged with its count, not listed pair by pair',
    misp: 'MISP.correlation_limit',
    level: 0,
  },
  'correlation.cidr': {
    default: 'true',
    check: flag,
    type: 'boolean',
    help: 'an ip-src/ip-dst CIDR range correlates with the addresses inside it and with overlapping ranges',
    misp: 'MISP.enable_advanced_correlations',
    level: 0,
  },
  'correlation.skip_warninglisted': {
    default: 'true',
    check: flag,
    type: 'boolean',
    help: 'values on an enabled warninglist are left out of correlation',
    level: 1,
  },
  [UNPUBLISHED_PRIVATE_SETTING]: {
    default: 'false',
    check: flag,
    type: 'boolean',
    help: "an unpublished event is seen by its owner organisation only, whatever its distribution (MISP's MISP.unpublishedprivate)",
    misp: 'MISP.unpublishedprivate',
    level: 2,
  },
  'correlation.max_per_event': {
    default: '5000',
    check: wholeNumber,
    type: 'numeric',
    help: 'at most this many correlations (RelatedAttribute entries) are listed with one event',
    misp: 'MISP.max_correlations_per_event',
    level: 1,
  },
  'sync.filter_on_type': {
    default: 'false',
    check: flag,
    type: 'boolean',
    help: "a pull leaves out the attributes and objects whose type or template the server's pull rules exclude (type_attributes / type_objects NOT), and an event they empty",
    misp: 'MISP.enable_synchronisation_filtering_on_type',
    level: 2,
  },
  'instance.live': {
    default: 'true',
    check: flag,
    type: 'boolean',
    help: 'false: only site admins may use the instance (maintenance); everyone else is refused',
    misp: 'MISP.live',
    level: 0,
  },
  'delegation.enabled': {
    default: 'false',
    check: flag,
    type: 'boolean',
    help: "an event's creator may ask another organisation to take the event over (eventDelegations); that organisation accepts or either withdraws the request",
    misp: 'MISP.delegation',
    level: 1,
  },
  'feeds.allow_private_networks': {
    default: 'false',
    check: flag,
    type: 'boolean',
    help: 'feeds may be fetched from loopback and private addresses (127.0.0.0/8, 10.0.0.0/8, 192.168.0.0/16 …); off, a feed url that resolves to one is refused',
    level: 1,
  },
  'feeds.disable_local_access': {
    default: 'false',
    check: flag,
    type: 'boolean',
    help: 'local feeds (input_source local: a folder or file of this machine) are refused, as feeds and when fetched; only `cairn settings` changes it, since a site administrator could otherwise read any file the server may read',
    misp: 'Security.disable_local_feed_access',
    level: 0,
    cliOnly: true,
  },
  'registration.allow': {
    default: 'false',
    check: flag,
    type: 'boolean',
    help: 'anyone may ask for an account (users/register); an administrator accepts or discards each request',
    misp: 'Security.allow_self_registration',
    level: 1,
  },
} satisfies Record<string, SettingDefinition>;

export type SettingName = keyof typeof DEFINITIONS;

export const SETTINGS: Readonly<Record<SettingName, SettingDefinition>> = DEFINITIONS;

export interface SettingDefinition {
  default: string;
  check: (v: string) => string | undefined;
  type: 'boolean' | 'numeric' | 'string';
  help: string;
  /** MISP's name for the setting, where MISP has it. */
  misp?: string;
  /** How much it matters, in MISP's levels: 0 critical, 1 recommended, 2 optional. */
  level: 0 | 1 | 2;
  /** Changed on the command line only (`cairn settings`), never through the API: MISP's cli_only. */
  cliOnly?: boolean;
}

export function isSettingName(name: string): name is SettingName {
  return Object.prototype.hasOwnProperty.call(SETTINGS, name);
}

export async function getSettings(store: Store): Promise<Record<SettingName, string>> {
  const rows = await store.db.selectFrom('setting').select(['name', 'value']).execute();
  const out = Object.fromEntries(Object.entries(SETTINGS).map(([k, d]) => [k, d.default])) as Record<SettingName, string>;
  for (const r of rows) if (isSettingName(r.name)) out[r.name] = r.value;
  return out;
}

/** Sets a setting after checking its value; the reason is returned when the value does not fit. */
export async function setSetting(store: Store, name: SettingName, value: string): Promise<string | undefined> {
  const problem = SETTINGS[name].check(value);
  if (problem) return problem;
  await store.db.insertInto('setting').values({ name, value })
    .onConflict((oc) => oc.column('name').doUpdateSet({ value })).execute();
  await bumpGeneration(store, 'settings');
  return undefined;
}

export interface CorrelationSettings {
  overCorrelationThreshold: number;
  /** Values taken out of correlation by an administrator. */
  exclusions: ExclusionMatcher;
  /** The enabled warninglists, if any. */
  warninglists: WarninglistIndex | undefined;
  /** Leave values on an enabled warninglist out of correlation. */
  skipWarninglisted: boolean;
  /** Correlate addresses with the CIDR ranges that hold them. */
  cidr: boolean;
  /** RelatedAttribute entries listed with one event, at most. */
  maxPerEvent: number;
}

/** What correlation queries need to know of the instance's settings, read afresh. */
export async function correlationSettings(store: Store): Promise<CorrelationSettings> {
  const s = await getSettings(store);
  return {
    overCorrelationThreshold: Number(s['correlation.over_threshold']),
    exclusions: await exclusionMatcher(store),
    warninglists: await enabledWarninglists(store),
    skipWarninglisted: s['correlation.skip_warninglisted'] === 'true',
    cidr: s['correlation.cidr'] === 'true',
    maxPerEvent: Number(s['correlation.max_per_event']),
  };
}
