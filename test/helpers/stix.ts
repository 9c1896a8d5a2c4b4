import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { parsePattern } from '../../src/formats/stix/pattern.js';
import { parseMispEvent } from '../../src/formats/misp-json/parse.js';
import type { MispEvent } from '../../src/model/event.js';
import { sharedPath } from './shared-data.js';

const BASE = 'http://raw.githubusercontent.com/oasis-open/cti-stix2-json-schemas/stix2.1/schemas/';

function schemaValidator() {
  const SCHEMAS = sharedPath('data', 'stix21-schemas', 'schemas');
  const ajv = new Ajv2020.default({ strict: false, allErrors: false, unicodeRegExp: false });
  addFormats.default(ajv);
  const byType = new Map<string, string>();
  for (const dir of readdirSync(SCHEMAS)) {
    for (const f of readdirSync(join(SCHEMAS, dir)).filter((n) => n.endsWith('.json'))) {
      ajv.addSchema(JSON.parse(readFileSync(join(SCHEMAS, dir, f), 'utf8')));
      if (dir !== 'common' || f === 'marking-definition.json' || f === 'language-content.json') byType.set(f.replace(/\.json$/, ''), `${BASE}${dir}/${f}`);
    }
  }
  // As the OASIS validator does, a custom object (x-…) is held to the common properties of STIX objects.
  return (o: Record<string, unknown>) => ajv.getSchema(byType.get(String(o.type)) ?? `${BASE}common/core.json`)!;
}

let schemaOf: ReturnType<typeof schemaValidator> | undefined;

/**
 * What is wrong with a bundle's identifiers and patterns: each id a `<type>--<UUID>` (RFC 4122) of its
 * object's type, each url observable a URI, each STIX pattern by Cairn's parser of the patterning grammar. Empty when they are right. Needs no data:
 * the OASIS schemas are checked by stixProblems, in the real-data tier.
 */
export function stixIdProblems(bundle: { objects: Array<Record<string, unknown>> }): string[] {
  const out: string[] = [];
  for (const o of bundle.objects) {
    if (!/^[a-z0-9-]+--[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(String(o.id)) || !String(o.id).startsWith(`${String(o.type)}--`)) {
      out.push(`${String(o.id)}: not an identifier of a ${String(o.type)}`);
    }
    // The OASIS validator holds a url observable's value to RFC 3986, which the JSON schema does not.
    if (o.type === 'url' && !/^[a-z][a-z0-9+.-]*:[^\s]+$/i.test(String(o.value))) out.push(`${String(o.id)}: value ${JSON.stringify(o.value)} is not a URI`);
    if (o.type === 'indicator' && o.pattern_type === 'stix') {
      try {
        parsePattern(String(o.pattern));
      } catch (err) {
        out.push(`${String(o.id)}: pattern ${String(o.pattern)}: ${(err as Error).message}`);
      }
    }
  }
  return out;
}

/**
 * What is wrong with a bundle by the OASIS STIX 2.1 JSON schemas (each object against its type's schema,
 * so that the error names it), and by stixIdProblems. Empty when the bundle is valid. The schemas are
 * real data (../shared): call it from a test of the real-data tier only.
 */
export function stixProblems(bundle: { objects: Array<Record<string, unknown>> }): string[] {
  schemaOf ??= schemaValidator();
  const out: string[] = [];
  for (const o of bundle.objects) {
    const validate = schemaOf(o);
    if (!validate(o)) out.push(`${String(o.id)}: ${JSON.stringify(validate.errors?.slice(0, 3))}`);
  }
  return [...out, ...stixIdProblems(bundle)];
}

type SchemaPart = { $ref?: string; properties?: Record<string, unknown>; allOf?: SchemaPart[]; oneOf?: SchemaPart[]; anyOf?: SchemaPart[] };

/** The properties each STIX type defines, by the OASIS schemas (its own and those of the common schemas it builds on). */
function definedProperties(): Map<string, Set<string>> {
  const root = sharedPath('data', 'stix21-schemas', 'schemas');
  const read = (path: string): Set<string> => {
    const out = new Set<string>();
    const walk = (part: SchemaPart) => {
      for (const k of Object.keys(part.properties ?? {})) out.add(k);
      if (part.$ref && !part.$ref.startsWith('#')) for (const k of read(join(path, '..', part.$ref))) out.add(k);
      for (const p of [...(part.allOf ?? []), ...(part.oneOf ?? []), ...(part.anyOf ?? [])]) walk(p);
    };
    walk(JSON.parse(readFileSync(path, 'utf8')) as SchemaPart);
    return out;
  };
  const byType = new Map<string, Set<string>>();
  for (const dir of ['sdos', 'sros', 'observables']) {
    for (const f of readdirSync(join(root, dir)).filter((n) => n.endsWith('.json'))) byType.set(f.replace(/\.json$/, ''), read(join(root, dir, f)));
  }
  byType.set('marking-definition', read(join(root, 'common', 'marking-definition.json')));
  return byType;
}

let propertiesOf: Map<string, Set<string>> | undefined;

/**
 * The OASIS validator's warnings that the failures of issue 17 touched, counted as it counts them (one
 * per object and property): `kill-chain-names` (a kill-chain or phase name not in lower case with
 * hyphens, on the types that have kill-chain phases) and `extensions-use` (a custom object type without
 * a new-SDO/SCO/SRO extension, a custom property on a STIX type without a top-level property extension,
 * a custom marking definition without extensions). Real-data tier: it reads the OASIS schemas.
 */
export function stixWarnings(bundle: { objects: Array<Record<string, unknown>> }): { killChainNames: string[]; extensionsUse: string[] } {
  propertiesOf ??= definedProperties();
  const killChainNames: string[] = [];
  const extensionsUse: string[] = [];
  const styled = (name: string) => name === name.toLowerCase() && !/[_ ]/.test(name);
  for (const o of bundle.objects) {
    const type = String(o.type);
    const id = String(o.id);
    const extensionTypes = Object.values((o.extensions ?? {}) as Record<string, { extension_type?: string }>).map((e) => e.extension_type);
    if (['attack-pattern', 'indicator', 'infrastructure', 'malware', 'tool'].includes(type)) {
      for (const k of (o.kill_chain_phases ?? []) as Array<{ kill_chain_name: string; phase_name: string }>) {
        if (!styled(k.kill_chain_name)) killChainNames.push(`${id}: kill_chain_name ${k.kill_chain_name}`);
        if (!styled(k.phase_name)) killChainNames.push(`${id}: phase_name ${k.phase_name}`);
      }
    }
    const defined = propertiesOf.get(type);
    if (!defined && type !== 'bundle' && type !== 'extension-definition' && type !== 'language-content'
      && !extensionTypes.some((t) => t === 'new-sdo' || t === 'new-sco' || t === 'new-sro')) extensionsUse.push(`${id}: custom object type ${type}`);
    if (defined && !extensionTypes.includes('toplevel-property-extension')) {
      for (const k of Object.keys(o)) if (!defined.has(k)) extensionsUse.push(`${id}: custom property ${k}`);
    }
    if (type === 'marking-definition' && o.extensions === undefined && o.definition_type !== 'statement' && o.definition_type !== 'tlp') {
      extensionsUse.push(`${id}: custom marking definition`);
    }
  }
  return { killChainNames, extensionsUse };
}

/** Every event of the feeds under ROOT (one folder each, of `<uuid>.json` files), parsed. */
export function feedEvents(root: string): MispEvent[] {
  const out: MispEvent[] = [];
  for (const feed of readdirSync(root)) {
    for (const f of readdirSync(join(root, feed)).filter((n) => /^[0-9a-f-]{36}\.json$/.test(n))) {
      const parsed = parseMispEvent(JSON.parse(readFileSync(join(root, feed, f), 'utf8')));
      if (parsed.event) out.push(parsed.event);
    }
  }
  return out;
}
