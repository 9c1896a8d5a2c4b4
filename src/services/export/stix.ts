import { eventToStix, StixBundleWriter, tagNamesOf } from '../../formats/stix/export.js';
import type { StixObject } from '../../formats/stix/observables.js';
import type { Viewer } from '../../access/viewer.js';
import type { MispEvent } from '../../model/event.js';
import type { Store } from '../../store/db/database.js';
import { clustersOfTags } from '../../store/libraries/galaxies.js';

/** An event's STIX objects, its galaxies described by the clusters the viewer may see. */
export async function eventStixObjects(store: Store, viewer: Viewer, event: MispEvent): Promise<StixObject[]> {
  return eventToStix(event, { clusters: await clustersOfTags(store, viewer, tagNamesOf(event)) });
}

/** The STIX 2.1 bundle of events, as text, a piece per event, each event's galaxies described by the clusters the viewer may see. */
export async function* stixBundleText(store: Store, viewer: Viewer, events: AsyncIterable<MispEvent>, container: 'report' | 'grouping' = 'report'): AsyncGenerator<string> {
  const writer = new StixBundleWriter({ container });
  yield writer.start();
  for await (const event of events) yield writer.add(event, await clustersOfTags(store, viewer, tagNamesOf(event)));
  yield writer.end();
}
