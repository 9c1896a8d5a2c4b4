import { isAbsolute } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { Store } from '../../store/db/database.js';
import { findOrganisationById } from '../../store/access/organisations.js';
import { tagNameById } from '../../store/tags.js';
import { FEED_SOURCE_FORMATS, type Feed, type FeedFields } from '../../store/feeds.js';
import { ServiceError } from '../errors.js';
import { getSettings } from '../../store/settings.js';

/** A feed's fields as a client sends them (MISP's names, MISP's loose types). */
export type FeedInput = Record<string, unknown>;

/** MISP's default pull rules of a feed: no tag or organisation filter. */
export const DEFAULT_RULES = '{"tags":{"OR":[],"NOT":[]},"orgs":{"OR":[],"NOT":[]}}';

/** Collects the fields at fault, to refuse them all at once in MISP's validation shape. */
class Problems {
  readonly errors: Record<string, string[]> = {};
  add(field: string, problem: string): void {
    (this.errors[field] ??= []).push(problem);
  }
  throwIfAny(message: string): void {
    const fields = Object.keys(this.errors);
    if (fields.length === 0) return;
    const first = fields.map((f) => `${f} ${this.errors[f]!.join(', ')}`).join('; ');
    throw new ServiceError('rejected', `${message}: ${first}`, { errors: this.errors });
  }
}

const FLAGS: ReadonlyArray<[string, keyof FeedFields]> = [
  ['enabled', 'enabled'], ['caching_enabled', 'cachingEnabled'], ['fixed_event', 'fixedEvent'], ['delta_merge', 'deltaMerge'],
  ['publish', 'publish'], ['override_ids', 'overrideIds'], ['delete_local_file', 'deleteLocalFile'], ['lookup_visible', 'lookupVisible'],
  ['force_to_ids', 'forceToIds'],
];

function flagOf(v: unknown): boolean | undefined {
  if (v === true || v === 1 || v === '1' || v === 'true') return true;
  if (v === false || v === 0 || v === '0' || v === 'false' || v === '') return false;
  return undefined;
}

function idOf(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v.trim());
  return undefined;
}

const given = (v: unknown) => v !== undefined && v !== null;

/**
 * A JSON field MISP keeps as text (settings, rules): an object (or list) is written as JSON, a text
 * must be JSON already. When it says what the stored text says, the stored text is kept byte for byte.
 */
function jsonText(v: unknown, field: string, problems: Problems, stored: string | null | undefined): string | undefined {
  let parsed: unknown;
  if (typeof v === 'string') {
    if (v.trim() === '') return '{}';
    try {
      parsed = JSON.parse(v);
    } catch {
      problems.add(field, 'must be JSON (an object)');
      return undefined;
    }
  } else parsed = v;
  // Some lists carry the JSON encoded twice (MISP's own default list does, once): read it once more.
  if (typeof parsed === 'string') {
    try {
      return jsonText(JSON.parse(parsed) as unknown, field, problems, stored);
    } catch {
      // Falls to the refusal below.
    }
  }
  if (typeof parsed !== 'object' || parsed === null) {
    problems.add(field, 'must be an object');
    return undefined;
  }
  if (stored) {
    try {
      if (isDeepStrictEqual(JSON.parse(stored), parsed)) return stored;
    } catch {
      // A stored text that is no JSON is replaced by what was sent.
    }
  }
  return typeof v === 'string' ? v : JSON.stringify(parsed);
}

/**
 * An exclusion pattern as MISP takes it, a delimited PCRE (`/…/i`), or a bare pattern: what JavaScript
 * compiles it to, or undefined when it does not compile.
 */
export function excludePattern(pattern: string): RegExp | undefined {
  const delimited = /^([/#~!@%|])([\s\S]*)\1([imsxu]*)$/.exec(pattern);
  try {
    if (!delimited) return new RegExp(pattern);
    return new RegExp(delimited[2]!, delimited[3]!.replace(/x/g, ''));
  } catch {
    return undefined;
  }
}

/** Settings as a fetch reads them: CSV columns and delimiter, the exclusion pattern. */
export interface FeedSettings {
  /** CSV value columns, 1-based. */
  columns: number[];
  delimiter: string;
  exclude?: RegExp;
}

/** What a feed's settings text asks for; anything unreadable is left at its default. */
export function readSettings(text: string | null): FeedSettings {
  let s: { csv?: { value?: unknown; delimiter?: unknown }; common?: { excluderegex?: unknown }; delimiter?: unknown } = {};
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) s = parsed as typeof s;
  } catch {
    // Settings that are no JSON ask for nothing.
  }
  const columns = String(s.csv?.value ?? '').split(',').map((c) => Number(c.trim())).filter((n) => Number.isInteger(n) && n >= 1);
  const delimiter = typeof s.csv?.delimiter === 'string' && s.csv.delimiter !== '' ? delimiterOf(s.csv.delimiter) : ',';
  const regex = typeof s.common?.excluderegex === 'string' && s.common.excluderegex !== '' ? excludePattern(s.common.excluderegex) : undefined;
  return { columns: columns.length ? columns : [1], delimiter, ...(regex ? { exclude: regex } : {}) };
}

/** A delimiter as settings write it: one character, or `\t` for a tab (which a form's field cannot hold). */
function delimiterOf(v: string): string {
  return v === '\\t' ? '\t' : v;
}

/**
 * The CSV settings and the exclusion pattern, as the fetch will read them: value columns are whole
 * numbers from 1 separated by commas (none: the first), the delimiter one character (none: a comma).
 */
function checkSettings(text: string, problems: Problems): void {
  let s: unknown;
  try {
    s = JSON.parse(text);
  } catch {
    return;
  }
  const settings = s as { csv?: { value?: unknown; delimiter?: unknown }; common?: { excluderegex?: unknown } } | null;
  const re = settings?.common?.excluderegex;
  if (typeof re === 'string' && re !== '' && !excludePattern(re)) {
    problems.add('settings.common.excluderegex', "Invalid exclude regex. Make sure it's a delimited PCRE regex pattern.");
  }
  const columns = settings?.csv?.value;
  if (columns !== undefined && columns !== null && !/^\s*(\d+\s*(,\s*\d+\s*)*)?$/.test(String(columns))) {
    problems.add('settings.csv.value', 'must be the numbers of the value columns, from 1, separated by commas (for example 1,3)');
  } else if (columns !== undefined && String(columns).split(',').some((c) => c.trim() === '0')) {
    problems.add('settings.csv.value', 'counts columns from 1');
  }
  const delimiter = settings?.csv?.delimiter;
  if (delimiter !== undefined && delimiter !== null && (typeof delimiter !== 'string' || delimiterOf(delimiter).length > 1 || delimiter === '\n' || delimiter === '\r')) {
    problems.add('settings.csv.delimiter', 'must be one character (\\t for a tab), or empty for a comma');
  }
}

/**
 * The rules' tag and organisation filters, as MISP's form writes them: `tags` and `orgs` each with
 * lists `OR` (allowed: one must match) and `NOT` (blocked), of names; `url_params` text (kept as is).
 * A name both allowed and blocked is refused: it would let nothing through that it names.
 */
function checkRules(text: string, problems: Problems): void {
  let r: unknown;
  try {
    r = JSON.parse(text);
  } catch {
    return;
  }
  if (Array.isArray(r)) {
    // MISP writes an empty rule set as [] (PHP's empty array): nothing to check.
    if (r.length > 0) problems.add('rules', 'must be an object with tags, orgs and url_params');
    return;
  }
  const rules = r as Record<string, unknown>;
  for (const filter of ['tags', 'orgs'] as const) {
    const f = rules[filter];
    if (f === undefined || f === null || (Array.isArray(f) && f.length === 0)) continue;
    if (typeof f !== 'object' || Array.isArray(f)) {
      problems.add(`rules.${filter}`, 'must be an object with OR (allowed) and NOT (blocked) lists');
      continue;
    }
    const lists: Record<string, string[]> = {};
    for (const [key, v] of Object.entries(f as Record<string, unknown>)) {
      if (key !== 'OR' && key !== 'NOT') {
        problems.add(`rules.${filter}`, `has ${key}: only OR (allowed) and NOT (blocked) are read`);
        continue;
      }
      const names = typeof v === 'string' ? (v === '' ? [] : [v]) : v;
      if (!Array.isArray(names) || names.some((n) => typeof n !== 'string' && typeof n !== 'number')) {
        problems.add(`rules.${filter}.${key}`, `must be a list of ${filter === 'tags' ? 'tag' : 'organisation'} names`);
        continue;
      }
      lists[key] = names.map((n) => String(n).trim().toLowerCase()).filter(Boolean);
    }
    const both = (lists.OR ?? []).filter((n) => (lists.NOT ?? []).includes(n));
    if (both.length) problems.add(`rules.${filter}`, `${both.join(', ')} is both allowed and blocked`);
  }
  const params = rules.url_params;
  if (params !== undefined && params !== null && typeof params !== 'string' && (typeof params !== 'object' || Array.isArray(params))) {
    problems.add('rules.url_params', 'must be text (JSON of request parameters) or an object');
  }
}

/** Whether a url is one the server may be told to fetch: http(s) for a network feed, an absolute path for a local one. */
function checkUrl(url: string, input: string, format: string, problems: Problems): void {
  if (url === '') return problems.add('url', 'must not be empty');
  if (input === 'local') {
    if (!isAbsolute(url)) problems.add('url', 'must be an absolute path for a local feed');
    return;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return problems.add('url', 'must be a valid http or https URL');
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') problems.add('url', 'must be a valid http or https URL');
  if (format === 'taxii' && !/\/collections\/[^/]+\/?$/.test(parsed.pathname)) {
    problems.add('url', "must be a TAXII 2.1 collection's URL (…/collections/ID/)");
  }
}

/** MISP's words when its Security.disable_local_feed_access is on. */
export const LOCAL_REFUSED = 'Security.disable_local_feed_access is currently enabled, local feeds are thereby not allowed.';

/**
 * The fields of an add (`existing` undefined) or an edit, checked and converted as MISP's controller does:
 * an add through the API defaults to a free-text feed with a fixed event, distribution 0, the network; a
 * sharing group only with distribution 4; `pull_rules` is taken for `rules`. An edit changes only the
 * fields sent. Every field at fault is named in one refusal.
 */
export async function feedFields(store: Store, raw: FeedInput, existing?: Feed): Promise<FeedFields> {
  const problems = new Problems();
  const out: FeedFields = {};
  for (const field of ['name', 'provider', 'url'] as const) {
    const v = raw[field];
    if (!given(v)) {
      if (!existing) problems.add(field, 'is required');
      continue;
    }
    if (typeof v !== 'string' && typeof v !== 'number') problems.add(field, 'must be text');
    else if (String(v).trim() === '') problems.add(field, 'must not be empty');
    else out[field] = String(v).trim();
  }
  for (const [name, key] of FLAGS) {
    if (!given(raw[name])) continue;
    const f = flagOf(raw[name]);
    if (f === undefined) problems.add(name, 'must be true or false (or 1 or 0)');
    else (out as Record<string, unknown>)[key] = f;
  }
  const format = given(raw.source_format) ? String(raw.source_format).toLowerCase() : existing ? existing.sourceFormat : 'freetext';
  if (!FEED_SOURCE_FORMATS.includes(format as never)) problems.add('source_format', `must be one of ${FEED_SOURCE_FORMATS.join(', ')}`);
  else if (given(raw.source_format) || !existing) out.sourceFormat = format;
  if (!existing && !given(raw.fixed_event)) out.fixedEvent = true;

  const input = given(raw.input_source) ? String(raw.input_source).toLowerCase() : existing ? existing.inputSource : 'network';
  if (input !== 'network' && input !== 'local') problems.add('input_source', 'must be network or local');
  else if (given(raw.input_source) || !existing) out.inputSource = input;
  if (input === 'local' && format === 'taxii') problems.add('input_source', 'a TAXII feed is read over the network');
  // MISP's Security.disable_local_feed_access: no local feed is made, nor its source changed.
  if (input === 'local' && (!existing || given(raw.input_source) || given(raw.url)) && (await getSettings(store))['feeds.disable_local_access'] === 'true') {
    problems.add('input_source', `Invalid input source. The only valid options are network. ${LOCAL_REFUSED}`);
  }
  const url = out.url ?? existing?.url;
  if (url !== undefined && (out.url !== undefined || given(raw.input_source) || given(raw.source_format))) checkUrl(url, input, format, problems);

  for (const [name, key] of [['distribution', 'distribution'], ['sharing_group_id', 'sharingGroupId'], ['tag_id', 'tagId'], ['orgc_id', 'orgcId'],
    ['event_id', 'eventId'], ['tag_collection_id', 'tagCollectionId'], ['interval_minutes', 'intervalMinutes']] as const) {
    if (!given(raw[name]) || raw[name] === '') continue;
    const n = idOf(raw[name]);
    if (n === undefined) problems.add(name, 'must be a whole number');
    else out[key] = n;
  }
  const target = idOf(raw.target_event);
  if (target !== undefined && target > 0 && (out.fixedEvent ?? existing?.fixedEvent)) out.eventId = target;
  const distribution = out.distribution ?? existing?.distribution ?? 0;
  if (distribution > 4) problems.add('distribution', 'must be 0 to 4');
  if (!existing && out.distribution === undefined) out.distribution = 0;
  if (distribution !== 4 && (out.distribution !== undefined || !existing)) out.sharingGroupId = 0;
  if (distribution === 4 && !(out.sharingGroupId ?? existing?.sharingGroupId)) problems.add('sharing_group_id', 'is required with distribution 4');
  if (out.sharingGroupId) {
    const sg = await store.db.selectFrom('sharing_group').select('id').where('id', '=', out.sharingGroupId).executeTakeFirst();
    if (!sg) problems.add('sharing_group_id', 'names no sharing group');
  }
  if (out.tagId && !(await tagNameById(store, out.tagId))) problems.add('tag_id', 'names no tag');
  if (out.orgcId && !(await findOrganisationById(store, out.orgcId))) problems.add('orgc_id', 'names no organisation');
  // MISP takes a MISP feed's events' creator from the feed itself.
  if (format === 'misp' && out.orgcId) out.orgcId = 0;

  const rules = given(raw.pull_rules) ? raw.pull_rules : raw.rules;
  if (given(rules)) {
    const text = jsonText(rules, 'rules', problems, existing?.rules);
    if (text !== undefined) {
      checkRules(text, problems);
      out.rules = text;
    }
  } else if (!existing) out.rules = DEFAULT_RULES;
  if (given(raw.settings)) {
    const text = jsonText(Array.isArray(raw.settings) && raw.settings.length === 0 ? {} : raw.settings, 'settings', problems, existing?.settings);
    if (text !== undefined) {
      checkSettings(text, problems);
      out.settings = text;
    }
  } else if (!existing) out.settings = '{}';
  if (given(raw.headers)) {
    if (typeof raw.headers !== 'string') problems.add('headers', 'must be text, one "Name: value" a line');
    else out.headers = raw.headers;
  }
  problems.throwIfAny(existing ? 'Could not edit Feed' : 'Could not add Feed');
  return out;
}

/** A feed's request headers, one `Name: value` a line, as MISP keeps them. */
export function headerLines(text: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of (text ?? '').split(/\r?\n/)) {
    const at = line.indexOf(':');
    if (at > 0) out[line.slice(0, at).trim()] = line.slice(at + 1).trim();
  }
  return out;
}

/** The tag and organisation filters of a feed's rules (MISP's pull rules). */
export interface FeedRules {
  tags: { OR: string[]; NOT: string[] };
  orgs: { OR: string[]; NOT: string[] };
}

export function readRules(text: string | null): FeedRules {
  const list = (v: unknown) => (Array.isArray(v) ? v.map(String).filter(Boolean) : typeof v === 'string' && v ? [v] : []);
  let r: Record<string, { OR?: unknown; NOT?: unknown }> = {};
  try {
    const parsed: unknown = text ? JSON.parse(text) : {};
    if (parsed && typeof parsed === 'object') r = parsed as typeof r;
  } catch {
    // Rules that are no JSON filter nothing.
  }
  return {
    tags: { OR: list(r.tags?.OR), NOT: list(r.tags?.NOT) },
    orgs: { OR: list(r.orgs?.OR), NOT: list(r.orgs?.NOT) },
  };
}
