import { OPERATOR } from '../access/viewer.js';
import { renderReport } from '../formats/report-md/render.js';
import { isKnownType } from '../model/types.js';
import { withEventAnalystData } from '../services/analyst-data/document.js';
import { eventCorrelations } from '../store/correlations/event-correlations.js';
import { loadEvent, parseEventRef } from '../store/events/reader.js';
import { templateDescriptions } from '../store/libraries/object-templates.js';
import { correlationSettings } from '../store/settings.js';
import { CliError, list, withStore, writeOut } from './context.js';

export interface ReportCliOptions {
  redact?: string;
  related?: boolean;
}

/**
 * `cairn report EVENT [--redact TYPES] [--related]`: the event as the seeds' threat report; objects without a
 * description take their stored template's; its reports and analyst notes follow, when it has any.
 */
export async function reportCommand(eventArg: string, options: ReportCliOptions): Promise<number> {
  const ref = parseEventRef(eventArg);
  if (!ref) throw new CliError(`"${eventArg}" is neither an event id nor a uuid`);
  const redact = list(options.redact);
  const unknown = redact.filter((t) => !isKnownType(t));
  if (unknown.length) throw new CliError(`--redact names unknown attribute types: ${unknown.join(', ')}`);
  return withStore(async (store) => {
    const stored = await loadEvent(store, OPERATOR, ref);
    if (!stored) throw new CliError(`no event ${eventArg}`);
    // Reports and analyst notes appear only when the event has some: a report of one without is as it was.
    const event = await withEventAnalystData(store, OPERATOR, stored);
    const related = options.related
      ? (await eventCorrelations(store, OPERATOR, { id: event.id }, await correlationSettings(store)))?.related ?? []
      : undefined;
    await writeOut(renderReport(event, { redact: new Set(redact), templates: await templateDescriptions(store), ...(related ? { related } : {}) }));
    return 0;
  });
}
