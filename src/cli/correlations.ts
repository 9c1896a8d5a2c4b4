import { OPERATOR } from '../access/viewer.js';
import { correlationGraph, GRAPH_DEFAULTS, GRAPH_MAX_DEPTH, GRAPH_MAX_NODES, type CorrelationGraph } from '../store/correlations/graph.js';
import { eventCorrelations, lookupValue, type EventCorrelations } from '../store/correlations/event-correlations.js';
import type { Store } from '../store/db/database.js';
import { eventOfAttribute, parseEventRef } from '../store/events/reader.js';
import { correlationSettings } from '../store/settings.js';
import { feedsHolding } from '../services/feeds/hits.js';
import { CliError, whole, withStore, writeOut } from './context.js';

export interface CorrelationsOptions {
  json?: boolean;
  graph?: boolean;
  depth?: string;
  maxNodes?: string;
}

/**
 * `cairn correlations ID [--json] [--graph --depth N --max-nodes N]`: the events sharing values with an
 * event, or with one attribute when ID is an attribute's uuid; or the graph of correlations around an event.
 */
export async function correlationsCommand(arg: string, options: CorrelationsOptions): Promise<number> {
  const ref = parseEventRef(arg);
  if (!ref) throw new CliError(`"${arg}" is neither an event id nor a uuid`);
  const limits = {
    depth: whole(options.depth, '--depth', GRAPH_DEFAULTS.depth, GRAPH_MAX_DEPTH),
    maxNodes: whole(options.maxNodes, '--max-nodes', GRAPH_DEFAULTS.maxNodes, GRAPH_MAX_NODES),
  };
  if (!options.graph && (options.depth !== undefined || options.maxNodes !== undefined)) throw new CliError('--depth and --max-nodes go with --graph');
  return withStore(async (store) => {
    const settings = await correlationSettings(store);
    if (options.graph) {
      const g = await correlationGraph(store, OPERATOR, ref, settings, limits);
      if (!g) throw new CliError(`no event ${arg}`);
      await writeOut(options.json ? `${JSON.stringify(g, null, 2)}\n` : graphText(g));
      return 0;
    }
    const c = (await eventCorrelations(store, OPERATOR, ref, settings)) ?? (await attributeCorrelations(store, arg, settings));
    if (!c) throw new CliError(`no event or attribute ${arg}`);
    await writeOut(options.json ? `${JSON.stringify(correlationsDocument(c), null, 2)}\n` : correlationsText(c));
    return 0;
  });
}

async function attributeCorrelations(store: Store, arg: string, settings: Awaited<ReturnType<typeof correlationSettings>>): Promise<EventCorrelations | undefined> {
  const ref = parseEventRef(arg);
  if (!ref || !('uuid' in ref)) return undefined;
  const event = await eventOfAttribute(store, OPERATOR, ref.uuid);
  return event && eventCorrelations(store, OPERATOR, event, settings, { attribute: ref.uuid });
}

/** The documented JSON of `cairn correlations`. */
export function correlationsDocument(c: EventCorrelations) {
  return {
    event: c.uuid,
    ...(c.attribute ? { attribute: c.attribute } : {}),
    related: c.related.map((r) => ({ event: r.uuid, info: r.info, shared: r.shared, values: r.values })),
    overCorrelating: c.overCorrelating,
  };
}

function correlationsText(c: EventCorrelations): string {
  const what = c.attribute ? `attribute ${c.attribute} of event ${c.id} ${c.uuid}` : `event ${c.id} ${c.uuid}`;
  const lines = [`${what}: ${c.related.length} related event${c.related.length === 1 ? '' : 's'}`];
  for (const r of c.related) {
    lines.push('', `${r.shared} shared  event ${r.id} ${r.uuid}  ${r.date}  ${r.info}`);
    for (const v of r.values) {
      const cidr = [...new Set(r.links.filter((l) => l.value === v && l.kind === 'cidr').map((l) => l.relatedValue))];
      lines.push(`    ${v}${cidr.length ? `  (CIDR: ${cidr.join(', ')})` : ''}`);
    }
  }
  if (c.overCorrelating.length > 0) {
    lines.push('', 'over-correlating values (not listed above):');
    for (const o of c.overCorrelating) lines.push(`    ${o.value}  (${o.events} other events)`);
  }
  return `${lines.join('\n')}\n`;
}

function graphText(g: CorrelationGraph): string {
  const name = new Map(g.nodes.map((n) => [n.event, n]));
  const lines = [`${g.nodes.length} event${g.nodes.length === 1 ? '' : 's'} within ${g.depth} step${g.depth === 1 ? '' : 's'} of ${g.event}${g.truncated ? ' (node limit reached: more exist)' : ''}`];
  for (const n of g.nodes) lines.push(`  [${n.depth}] ${n.event}  ${n.date}  ${n.info}`);
  lines.push(`${g.edges.length} link${g.edges.length === 1 ? '' : 's'}:`);
  for (const e of g.edges) lines.push(`  ${name.get(e.from)?.info ?? e.from}  —${e.shared}—  ${name.get(e.to)?.info ?? e.to}`);
  return `${lines.join('\n')}\n`;
}

/** `cairn lookup VALUE [--json]`: the events holding a value, and whether it over-correlates. */
export async function lookupCommand(value: string, options: { json?: boolean }): Promise<number> {
  if (value.trim() === '') throw new CliError('give the VALUE to look up');
  return withStore(async (store) => {
    const l = await lookupValue(store, OPERATOR, value, await correlationSettings(store));
    const feeds = await feedsHolding(store, value);
    const doc = { value: l.value, events: l.events, warninglists: l.warninglists, overCorrelating: l.overCorrelating, feeds };
    if (options.json) {
      await writeOut(`${JSON.stringify(doc, null, 2)}\n`);
      return 0;
    }
    const lines = [`${l.value}: held by ${l.events.length} event${l.events.length === 1 ? '' : 's'}${l.overCorrelating ? ' (over-correlating)' : ''}`,
      ...l.events.map((u) => `    ${u}`),
      ...(l.warninglists.length ? ['on warninglists:', ...l.warninglists.map((w) => `    ${w}`)] : []),
      ...(feeds.length ? ['in cached feeds:', ...feeds.map((f) => `    ${f.id} ${f.name}${f.eventUuids.length ? ` (events ${f.eventUuids.join(', ')})` : ''}`)] : [])];
    await writeOut(`${lines.join('\n')}\n`);
    return 0;
  });
}
