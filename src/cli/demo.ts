import { fileURLToPath } from 'node:url';
import { OPERATOR } from '../access/viewer.js';
import { readInputs } from '../formats/input.js';
import { describeProblem } from '../model/problems.js';
import { renderReport } from '../formats/report-md/render.js';
import { importEvents } from '../services/import/bulk.js';
import { loadEvent } from '../store/events/reader.js';
import { formatSummary } from './import.js';
import { withStore, writeOut } from './context.js';

/** The sample feed shipped with Cairn, and the event of it that the demo prints. */
export const SAMPLE_FEED = fileURLToPath(new URL('../../samples/feed', import.meta.url));
export const SAMPLE_EVENT = '8f3b6c1e-2a47-4d0b-9c5e-7e1f0a2b3c4d';

/** `cairn demo`: imports the sample feed into the configured store and prints one of its events as a report. */
export async function demoCommand(): Promise<number> {
  return withStore(async (store) => {
    process.stderr.write(`store: ${store.location}\nimporting the sample feed ${SAMPLE_FEED}\n`);
    const summary = await importEvents(store, readInputs([SAMPLE_FEED]), {
      onProblem: (p, source) => process.stderr.write(`${source}: ${describeProblem(p)}\n`),
    });
    process.stderr.write(`${formatSummary(summary)}\n\n`);
    const event = await loadEvent(store, OPERATOR, { uuid: SAMPLE_EVENT });
    if (!event) throw new Error(`the sample feed has no event ${SAMPLE_EVENT}`);
    await writeOut(renderReport(event));
    return 0;
  });
}
