import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { OPERATOR } from '../../src/access/viewer.js';
import { importEvents } from '../../src/services/import/bulk.js';
import type { Store } from '../../src/store/db/database.js';
import { loadEvent } from '../../src/store/events/reader.js';
import { feedEventFiles, fullJson, jsonDiff } from '../helpers/misp-compare.js';
import { describeRealData, sharedPath } from '../helpers/shared-data.js';
import { stixProblems, stixWarnings } from '../helpers/stix.js';
import { forEachDialect, TEST_DATABASE_URL } from '../helpers/stores.js';
import { ROOT, cairnArgs } from '../helpers/cli.js';

/**
 * `cairn export --format stix2 | cairn import` of the real feeds' 140 events into an empty store gives
 * back each event's MISP JSON field by field, and every exported bundle validates.
 */


function cliEnv(store: Store): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, CAIRN_DB: '', DATABASE_URL: '', CAIRN_PG_SCHEMA: '' };
  if (store.dialect === 'sqlite') return { ...env, CAIRN_DB: store.location };
  return { ...env, DATABASE_URL: TEST_DATABASE_URL!, CAIRN_PG_SCHEMA: /\(schema (\w+)\)/.exec(store.location)![1]! };
}

function cairn(env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, cairnArgs(...args), { cwd: ROOT, env });
    // Bytes first, text at the end: a chunk may end inside a UTF-8 character.
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out: Buffer.concat(out).toString('utf8'), err: Buffer.concat(err).toString('utf8') }));
  });
}

describeRealData('STIX 2.1 round trip through the CLI', () => {
  forEachDialect('cairn export --format stix2 | cairn import keeps every field of the real events', (fixture) => {
    after(() => fixture.cleanup());

    it('exports the 140 events as valid STIX and imports them back unchanged, field by field', async () => {
      const files = feedEventFiles(sharedPath('data', 'feeds'));
      assert.equal(files.size, 140);
      const first = await fixture.open();
      const totals = await importEvents(first, (async function* () {
        for (const path of files.values()) yield { source: path, text: readFileSync(path, 'utf8') };
      })());
      assert.equal(totals.events.created, 140);
      const exported = await cairn(cliEnv(first), ['export', '--all', '--format', 'stix2']);
      assert.equal(exported.code, 0, exported.err);
      const bundle = JSON.parse(exported.out) as { objects: Array<Record<string, unknown>> };
      assert.deepEqual(stixProblems(bundle).slice(0, 10), []);
      // The validator's recommendations: kill-chain phase names in lower case with hyphens, custom content as extensions.
      const warnings = stixWarnings(bundle);
      console.log(`STIX export of the 140 events [${first.dialect}]: ${bundle.objects.length} objects, ${stixProblems(bundle).length} errors,`
        + ` ${warnings.killChainNames.length} kill-chain-names and ${warnings.extensionsUse.length} extensions-use warnings`);
      assert.deepEqual([...warnings.killChainNames, ...warnings.extensionsUse].slice(0, 10), []);
      const path = join(mkdtempSync(join(tmpdir(), 'cairn-stix-')), 'bundle.json');
      writeFileSync(path, exported.out);
      const second = await fixture.open();
      const imported = await cairn(cliEnv(second), ['import', '--quiet', path]);
      assert.equal(imported.code, 0, imported.err.slice(0, 2000));
      const losses: string[] = [];
      for (const [uuid, file] of files) {
        // What the first store holds is what the feed said, as Cairn reads it: that is what must come back.
        const before = await loadEvent(first, OPERATOR, { uuid });
        const back = await loadEvent(second, OPERATOR, { uuid });
        if (!back) {
          losses.push(`${uuid}: not imported (${file})`);
          continue;
        }
        losses.push(...jsonDiff(fullJson(before!), fullJson(back)).map((d) => `${uuid}${d}`));
      }
      assert.deepEqual(losses.slice(0, 30), [], `${losses.length} differences`);
    });
  });
});
