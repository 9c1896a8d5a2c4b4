import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe } from 'node:test';

/**
 * The real-data tier: tests that need the third-party data of the steering repository's shared/ folder
 * (the MISP feeds and libraries, the OASIS STIX 2.1 schemas and examples, the seed reports). Every other
 * test reads the small fixtures of test/fixtures, so that a clone with nothing beside it passes.
 *
 * The folder is where CAIRN_SHARED says when that is set (and then only there: CAIRN_SHARED=/nonexistent
 * runs the tests as a bare clone would), else `../shared` beside the checkout. It counts as present when
 * it holds `data/`.
 */
const ROOT = join(import.meta.dirname, '..', '..');
const WHERE = process.env.CAIRN_SHARED ? resolve(ROOT, process.env.CAIRN_SHARED) : join(ROOT, '..', 'shared');
const PRESENT = existsSync(join(WHERE, 'data'));

/**
 * `false` when the real data is present, else the reason a real-data test is skipped: give it as
 * node:test's `skip` option, so that the reason shows in the test output.
 */
export const REAL_DATA_SKIP: string | false = PRESENT
  ? false
  : `real data tier: ${process.env.CAIRN_SHARED ? `CAIRN_SHARED=${process.env.CAIRN_SHARED}` : WHERE} not found (set CAIRN_SHARED, or put shared/ beside the checkout)`;

/** A path inside the shared folder; throws when the data is absent, so that only a real-data test may ask. */
export function sharedPath(...parts: string[]): string {
  if (!PRESENT) throw new Error(`${REAL_DATA_SKIP}: a test that reads ${join(...parts)} must be skipped with REAL_DATA_SKIP`);
  return join(WHERE, ...parts);
}

/** A suite of the real-data tier: skipped, with the reason shown, when the data is absent. */
export function describeRealData(name: string, suite: () => void): void {
  describe(`${name} (real data)`, { skip: REAL_DATA_SKIP }, suite);
}

/** The fixtures written for the tests (test/fixtures). */
export function fixturePath(...parts: string[]): string {
  return join(ROOT, 'test', 'fixtures', ...parts);
}
