import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Store } from '../../src/store/db/database.js';
import {
  CATALOGUE_VIEWERS, compileCatalogue, compileOnlyStore, OPERATOR_VIEWER, queryCatalogue, renderSnapshot, SNAPSHOT_DIR, snapshotPath, type CataloguedQuery,
} from '../../src/store/queries/catalogue.js';
import { forEachDialect } from '../helpers/stores.js';
import { lineDiff } from '../helpers/line-diff.js';

const HINT = 'run `npm run sql:snapshot` and review the diff';


describe('query catalogue: the compiled SQL of the queries that matter is checked in (src/store/queries)', () => {
  let catalogue: CataloguedQuery[];
  before(async () => {
    catalogue = await queryCatalogue();
  });

  it('compiles every query to the SQL of its checked-in snapshot', () => {
    const differences: string[] = [];
    for (const query of catalogue) {
      const file = snapshotPath(query);
      const compiled = renderSnapshot(query);
      if (!existsSync(file)) differences.push(`${basename(file)} is missing`);
      else {
        const checkedIn = readFileSync(file, 'utf8');
        if (checkedIn !== compiled) differences.push(`${basename(file)} (- checked in, + compiled):\n${lineDiff(checkedIn, compiled)}`);
      }
    }
    assert.equal(differences.length, 0, `the compiled SQL differs from the checked-in snapshots; ${HINT}.\n\n${differences.join('\n\n')}`);
  });

  it('has no snapshot of a query it no longer catalogues', () => {
    const expected = new Set(catalogue.map((q) => basename(snapshotPath(q))));
    const stale = readdirSync(SNAPSHOT_DIR).filter((f) => f.endsWith('.sql') && !expected.has(f));
    assert.deepEqual(stale, [], `snapshots of queries no longer catalogued; ${HINT}`);
  });

  it('covers both dialects and the viewers the policy tells apart', () => {
    for (const dialect of ['sqlite', 'postgres']) {
      for (const { label } of CATALOGUE_VIEWERS) assert.ok(catalogue.some((q) => q.dialect === dialect && q.name.endsWith(`.${label}`)), `${label} on ${dialect}`);
    }
    // The policy must tell them apart: a user of an organisation is not shown a site admin's query.
    const row = (label: string) => catalogue.find((q) => q.dialect === 'sqlite' && q.name === `event.attributes.${label}`)!.sql;
    assert.notEqual(row('org-user'), row('site-admin'));
  });

  it('gives the operator on the command line the site admin\'s SQL, which is why he has no snapshots of his own', async () => {
    for (const dialect of ['sqlite', 'postgres'] as const) {
      const store = compileOnlyStore(dialect);
      try {
        const admin = CATALOGUE_VIEWERS.find((v) => v.label === 'site-admin')!;
        const [asAdmin, asOperator] = [await compileCatalogue(store, [admin]), await compileCatalogue(store, [{ ...OPERATOR_VIEWER, label: 'site-admin' }])];
        assert.deepEqual(asOperator, asAdmin);
      } finally {
        await store.close();
      }
    }
  });
});

forEachDialect('query catalogue against a real store', (fixture) => {
  let store: Store;
  before(async () => {
    store = await fixture.open();
  });
  after(async () => {
    await fixture.cleanup();
  });

  it('compiles without a database exactly as the store\'s own connection does', async () => {
    const real = await compileCatalogue(store);
    const compileOnly = compileOnlyStore(fixture.dialect);
    try {
      assert.deepEqual(await compileCatalogue(compileOnly), real);
    } finally {
      await compileOnly.close();
    }
  });
});
