import { eventToStix, StixBundleWriter, tagNamesOf } from '../../formats/stix/export.js';
import type { StixObject } from '../../formats/stix/observables.js';
import type { MispEvent } from '../../model/event.js';
import type { Store } from '../../store/db/database.js';
import { clustersOfTags } from '../../store/libraries/galaxies.js';

/** An event's STIX objects, its galaxies described by the loaded libraries. */
export async function eventStixObjects(store: Store, event: MispEvent): Promise<StixObject[]> {
  return eventToStix(event, { clusters: await clustersOfTags(store, tagNamesOf(event)) });
}

/** The STIX 2.1 bundle of events, as text, a piece per event, each event's galaxies described by the loaded libraries. */
export async function* stixBundleText(store: Store, events: AsyncIterable<MispEvent>, container: 'report' | 'grouping' = 'report'): AsyncGenerator<string> {
  const writer = new StixBundleWriter({ container });
  yield writer.start();
  for await (const event of events) yield writer.add(event, await clustersOfTags(store, tagNamesOf(event)));
  yield writer.end();
}
