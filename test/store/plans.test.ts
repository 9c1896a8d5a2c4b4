import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql, type CompiledQuery } from 'kysely';
import type { Viewer } from '../../src/access/viewer.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import type { Store } from '../../src/store/db/database.js';
import { eventIndexQuery } from '../../src/store/events/list.js';
import { EventSaver } from '../../src/store/events/writer.js';
import { attributeSearchQuery, eventSearchQuery, plainValueQuery } from '../../src/store/search/attributes.js';
import { candidateEventsQuery } from '../../src/store/search/export-stream.js';
import { valueIdsOf } from '../../src/store/values/match.js';
import { forEachDialect } from '../helpers/stores.js';

/**
 * The plans of the hot reads over a skewed store: one value held by thousands of attributes among tens
 * of thousands of others, one tag on two events of 120. Written through the bulk writer, which analyses
 * the tables it grew before it reports done, so the planner sees the skew as it would after an import.
 */
const EVENTS = 120;
const PER_EVENT = 400;
const FREQUENT = 'sinkhole.example';
const FREQUENT_EVERY = 32; // 12 or 13 an event: 1,500 attributes
const RARE_TAG = 'skew:rare';

function eventDoc(n: number) {
  const hex = n.toString(16).padStart(8, '0');
  const attributes = Array.from({ length: PER_EVENT }, (_, i) => ({
    uuid: `${hex}-0000-4000-8000-${i.toString(16).padStart(12, '0')}`,
    type: 'domain', category: 'Network activity',
    value: i % FREQUENT_EVERY === 0 ? FREQUENT : `host-${n}-${i}.example`,
    timestamp: '10',
  }));
  return { Event: {
    uuid: `${hex}-0000-4000-8000-ffffffffffff`, info: `event ${n}`, date: '2024-01-01', timestamp: '10', published: true, distribution: '1',
    Orgc: { uuid: '00000000-0000-4000-8000-00000000000a', name: 'Skew' },
    Tag: [{ name: n % 60 === 7 ? RARE_TAG : 'tlp:green' }], Attribute: attributes,
  } };
}

const ORG_USER: Viewer = { kind: 'user', orgId: 2, siteAdmin: false };

/** Every node of a plan in PostgreSQL's JSON form. */
function nodes(plan: Record<string, unknown>): Array<Record<string, unknown>> {
  const children = (plan.Plans as Array<Record<string, unknown>> | undefined) ?? [];
  return [plan, ...children.flatMap(nodes)];
}

forEachDialect('query plans over a skewed store', (fixture) => {
  let store: Store;
  before(async () => {
    store = await fixture.open();
    const saver = new EventSaver(store);
    for (let n = 0; n < EVENTS; n++) await saver.save(parseMispEvent(eventDoc(n)).event!);
    await saver.flush();
  });
  after(() => fixture.cleanup());

  /** PostgreSQL's plan of a compiled query, as JSON, and the text of every node for messages. */
  async function explain(compiled: CompiledQuery, analyze = false): Promise<{ all: Array<Record<string, unknown>>; text: string; raw: string }> {
    const rows = await store.db.executeQuery<{ 'QUERY PLAN': unknown }>({ ...compiled, sql: `explain (format json${analyze ? ', analyze' : ''}) ${compiled.sql}` });
    const doc = rows.rows[0]!['QUERY PLAN'] as Array<{ Plan: Record<string, unknown> }>;
    const all = nodes(doc[0]!.Plan);
    return { all, raw: JSON.stringify(doc), text: all.map((n) => `${n['Node Type']} ${n['Index Name'] ?? n['Relation Name'] ?? ''} ${n.Filter ?? ''}`).join('\n') };
  }

  /** No walk of the attribute table (its primary key in order, or all of it) filtered by value; no JIT. */
  function readsValueRowsOnly(plan: { all: Array<Record<string, unknown>>; text: string; raw: string }): void {
    for (const n of plan.all) {
      const filter = String(n.Filter ?? '');
      const walksAttributes = n['Index Name'] === 'attribute_pkey' || (n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'attribute');
      assert.ok(!(walksAttributes && /value[12]_id/.test(filter)), `a walk of attribute filtered by value:\n${plan.text}`);
    }
    assert.ok(!plan.raw.includes('"JIT"'), 'the plan is JIT-compiled');
  }

  it('analyses the tables a bulk write grew, and sessions run without JIT', async (t) => {
    if (fixture.dialect !== 'postgres') return t.skip('PostgreSQL statistics');
    const row = await sql<{ analysed: boolean }>`select last_analyze is not null as analysed from pg_stat_user_tables
      where relname = 'attribute' and schemaname = current_schema()`.execute(store.db);
    assert.equal(row.rows[0]?.analysed, true);
    const jit = await sql<{ jit: string }>`show jit`.execute(store.db);
    assert.equal(jit.rows[0]?.jit, 'off');
  });

  it('looks a frequent value up in its own rows, page after page, for every viewer', async (t) => {
    const [id] = await valueIdsOf(store.db, FREQUENT);
    assert.ok(id !== undefined);
    for (const viewer of [{ kind: 'user', orgId: 1, siteAdmin: true } as Viewer, ORG_USER]) {
      const { compiled, placeholders } = await plainValueQuery(store, { viewer, value: FREQUENT, valueCount: 1, afterId: true, offset: false });
      const given = [2, 20_000, 100, 0, id];
      const parameters = compiled.parameters.map((p) => (placeholders.includes(p as number) ? given[placeholders.indexOf(p as number)] : p));
      const query = { ...compiled, parameters };
      if (fixture.dialect === 'sqlite') {
        const steps = store.sqlite!.prepare(`explain query plan ${compiled.sql}`).all(...parameters) as Array<{ detail: string }>;
        const text = steps.map((s) => s.detail).join('\n');
        assert.match(text, /attribute_value1/, text);
        assert.match(text, /attribute_value2/, text);
        // The sides come in id order from their indexes and are merged as they come: no row of the page
        // is sorted (the policy's lists of sharing groups are, which are small).
        const lines = text.split('\n');
        lines.forEach((line, i) => {
          if (line.includes('TEMP B-TREE')) assert.match(lines[i - 1]!, /sharing_group/, `a page's rows sorted:\n${text}`);
        });
        continue;
      }
      const plan = await explain(query, true);
      readsValueRowsOnly(plan);
      assert.match(plan.text, /attribute_value1/, plan.text);
      assert.match(plan.text, /attribute_value2/, plan.text);
      // A page reads as far as the page goes in each value index, however many attributes follow
      // (about 900 here): a plan weighing the value's count read them all and sorted them, every page.
      for (const n of plan.all.filter((x) => x['Relation Name'] === 'attribute')) {
        const read = Number(n['Actual Rows']) * Number(n['Actual Loops']);
        assert.ok(read <= 100, `${n['Node Type']} ${n['Index Name'] ?? ''} read ${read} attributes for a page of 100:\n${plan.text}`);
      }
    }
    if (fixture.dialect === 'sqlite') t.diagnostic('SQLite: the value indexes end with the row id, in page order');
  });

  it('plans a tag search, the event index with a tag and events/restSearch by value without walking attributes by value', async (t) => {
    if (fixture.dialect !== 'postgres') return t.skip('PostgreSQL plans');
    for (const viewer of [{ kind: 'user', orgId: 1, siteAdmin: true } as Viewer, ORG_USER]) {
      readsValueRowsOnly(await explain((await attributeSearchQuery(store, viewer, { tags: [RARE_TAG], limit: 5000 })).compile()));
      readsValueRowsOnly(await explain(eventIndexQuery(store, viewer, { limit: 50, page: 1 }, { tags: { any: [RARE_TAG] } }).compile()));
      const restSearch = await explain((await eventSearchQuery(store, viewer, { value: FREQUENT }, { limit: 50 })).compile());
      readsValueRowsOnly(restSearch);
      assert.ok(!restSearch.all.some((n) => n['Node Type'] === 'Seq Scan' && n['Relation Name'] === 'attribute'), `a scan of every attribute:\n${restSearch.text}`);
    }
  });

  it('finds the events a line export by tag reads without reading attributes', async (t) => {
    if (fixture.dialect !== 'postgres') return t.skip('PostgreSQL plans');
    for (const viewer of [{ kind: 'user', orgId: 1, siteAdmin: true } as Viewer, ORG_USER]) {
      for (const filter of [{ anyTags: [RARE_TAG] }, { tags: [RARE_TAG] }]) {
        const plan = await explain(candidateEventsQuery(store, viewer, filter, 0).compile(), true);
        // Then each of those events' attributes, in id order, by the event's index (exportAttributes).
        assert.ok(!plan.all.some((n) => n['Relation Name'] === 'attribute'), `reads attributes:\n${plan.text}`);
      }
    }
  });
});
