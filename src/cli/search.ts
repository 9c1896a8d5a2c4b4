import { OPERATOR } from '../access/viewer.js';
import { parseEventRef } from '../store/events/reader.js';
import type { AttributeFilter, AttributeHit } from '../store/search/attributes.js';
import { CliError, list, withStore, writeOut } from './context.js';
import { warninglistsOf } from '../correlation/warninglists/enforce.js';
import { enabledWarninglists } from '../store/libraries/warninglists.js';
import { findAttributes } from '../services/search/attributes.js';

export interface SearchCliOptions {
  value?: string;
  type?: string;
  category?: string;
  tag?: string[];
  event?: string;
  limit?: string;
  json?: boolean;
  enforceWarninglist?: boolean;
}

type ListedHit = AttributeHit & { warninglists: string[] };

function cell(text: string, width: number): string {
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > width ? `${flat.slice(0, width - 1)}\u2026` : flat.padEnd(width);
}

function table(hits: ListedHit[]): string {
  const valueWidth = Math.min(64, Math.max(5, ...hits.map((h) => h.value.length)));
  const typeWidth = Math.max(4, ...hits.map((h) => h.type.length));
  const head = `${'event'.padEnd(7)} ${'type'.padEnd(typeWidth)} ${'value'.padEnd(valueWidth)} ids  info`;
  const rows = hits.map((h) =>
    `${String(h.eventId).padEnd(7)} ${h.type.padEnd(typeWidth)} ${cell(h.value, valueWidth)} ${h.to_ids ? 'yes' : 'no '}  ${cell(h.eventInfo, 48).trimEnd()}`
    + (h.warninglists.length ? `  [on warninglist: ${h.warninglists.join(', ')}]` : ''));
  return `${[head, ...rows].join('\n')}\n${hits.length} attribute${hits.length === 1 ? '' : 's'}\n`;
}

/** `cairn search`: attributes by value (exact or `%` pattern), type, category, tag and event. */
export async function searchCommand(valueArg: string | undefined, options: SearchCliOptions): Promise<number> {
  const filter: AttributeFilter = {};
  const value = valueArg ?? options.value;
  if (value !== undefined) filter.value = value;
  if (options.type) filter.types = list(options.type);
  if (options.category) filter.categories = list(options.category);
  if (options.tag?.length) filter.tags = options.tag;
  if (options.event) {
    const ref = parseEventRef(options.event);
    if (!ref) throw new CliError(`--event "${options.event}" is neither an event id nor a uuid`);
    filter.event = ref;
  }
  if (options.limit !== undefined) {
    if (!/^\d+$/.test(options.limit)) throw new CliError(`--limit must be a whole number, not "${options.limit}"`);
    filter.limit = Number(options.limit);
  }
  if (Object.keys(filter).filter((k) => k !== 'limit').length === 0) {
    throw new CliError('give a VALUE or at least one of --type, --category, --tag, --event');
  }
  return withStore(async (store) => {
    const lists = await enabledWarninglists(store);
    // Listed values are shown with the lists they are on; on request they are left out, before the limit.
    const found = await findAttributes(store, OPERATOR, filter, options.enforceWarninglist ? lists : undefined);
    const hits: ListedHit[] = found.map((h) => ({ ...h, warninglists: warninglistsOf(lists, h) }));
    await writeOut(options.json ? `${JSON.stringify(hits, null, 2)}\n` : table(hits));
    return 0;
  });
}
