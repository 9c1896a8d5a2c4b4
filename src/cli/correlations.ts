import { OPERATOR } from '../access/viewer.js';
import { eventCorrelations, lookupValue } from '../store/correlations.js';
import { parseEventRef } from '../store/event-reader.js';
import { correlationSettings } from '../store/settings.js';
import { CliError, withStore, writeOut } from './context.js';

/** `cairn correlations EVENT [--json]`: the events sharing values with this one. */
export async function correlationsCommand(eventArg: string, options: { json?: boolean }): Promise<number> {
  const ref = parseEventRef(eventArg);
  if (!ref) throw new CliError(`"${eventArg}" is neither an event id nor a uuid`);
  return withStore(async (store) => {
    const c = await eventCorrelations(store, OPERATOR, ref, await correlationSettings(store));
    if (!c) throw new CliError(`no event ${eventArg}`);
    if (options.json) {
      const doc = {
        event: c.uuid,
        related: c.related.map((r) => ({ event: r.uuid, info: r.info, shared: r.shared, values: r.values })),
        overCorrelating: c.overCorrelating,
      };
      await writeOut(`${JSON.stringify(doc, null, 2)}\n`);
      return 0;
    }
    const lines = [`event ${c.id} ${c.uuid}: ${c.related.length} related event${c.related.length === 1 ? '' : 's'}`];
    for (const r of c.related) {
      lines.push('', `${r.shared} shared  event ${r.id} ${r.uuid}  ${r.date}  ${r.info}`);
      for (const v of r.values) lines.push(`    ${v}`);
    }
    if (c.overCorrelating.length > 0) {
      lines.push('', 'over-correlating values (not listed above):');
      for (const o of c.overCorrelating) lines.push(`    ${o.value}  (${o.events} other events)`);
    }
    await writeOut(`${lines.join('\n')}\n`);
    return 0;
  });
}

/** `cairn lookup VALUE [--json]`: the events holding a value, and whether it over-correlates. */
export async function lookupCommand(value: string, options: { json?: boolean }): Promise<number> {
  if (value.trim() === '') throw new CliError('give the VALUE to look up');
  return withStore(async (store) => {
    const l = await lookupValue(store, OPERATOR, value, await correlationSettings(store));
    const doc = { value: l.value, events: l.events, warninglists: l.warninglists, overCorrelating: l.overCorrelating };
    if (options.json) {
      await writeOut(`${JSON.stringify(doc, null, 2)}\n`);
      return 0;
    }
    const lines = [`${l.value}: held by ${l.events.length} event${l.events.length === 1 ? '' : 's'}${l.overCorrelating ? ' (over-correlating)' : ''}`,
      ...l.events.map((u) => `    ${u}`),
      ...(l.warninglists.length ? ['on warninglists:', ...l.warninglists.map((w) => `    ${w}`)] : [])];
    await writeOut(`${lines.join('\n')}\n`);
    return 0;
  });
}
