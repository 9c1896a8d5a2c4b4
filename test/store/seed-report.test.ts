import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { OPERATOR } from '../../src/access/viewer.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import { readLibraries } from '../../src/libraries/directory.js';
import { renderReport } from '../../src/formats/report-md/render.js';
import { loadEvent } from '../../src/store/events/reader.js';
import { saveEvent } from '../../src/store/events/writer.js';
import { saveLibraries } from '../../src/store/libraries/load.js';
import { templateDescriptions } from '../../src/store/libraries/object-templates.js';
import { eventFromSeed } from '../helpers/seed-event.js';
import { describeRealData, sharedPath } from '../helpers/shared-data.js';
import { forEachDialect } from '../helpers/stores.js';

// The seed reports and the object templates they describe are real data: a suite of the real-data tier.
describeRealData("the seeds' reports", () => {
  const SEEDS = sharedPath('seeds');
  const TEMPLATES = readLibraries(sharedPath('data', 'misp', 'misp-objects'));

  forEachDialect('rendered from the store', (fixture) => {
    after(() => fixture.cleanup());

    for (const name of readdirSync(SEEDS).filter((f) => f.endsWith('.txt')).sort()) {
      it(`reproduces ${name} byte for byte`, async () => {
        const seed = readFileSync(join(SEEDS, name), 'utf8');
        const parsed = parseMispEvent(eventFromSeed(name, seed));
        assert.deepEqual(parsed.problems, []);
        const store = await fixture.open();
        await saveLibraries(store, TEMPLATES);
        const templates = await templateDescriptions(store);
        const saved = await saveEvent(store, parsed.event!);
        assert.equal(saved.status, 'created');
        for (const ref of [{ id: saved.eventId }, { uuid: parsed.event!.uuid }]) {
          const event = await loadEvent(store, OPERATOR, ref);
          const report = renderReport(event!, { redact: new Set(['md5', 'sha1', 'sha256']), templates });
          assert.equal(report, seed);
        }
      });
    }
  });
});
