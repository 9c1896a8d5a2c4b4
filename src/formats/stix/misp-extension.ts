import { uuidV5 } from './ids.js';
import type { StixObject } from './observables.js';

/**
 * STIX 2.1 has no place for much of what a MISP event holds (distribution, per-attribute to_ids in an
 * object, timestamps, event reports, the exact type of a value STIX spells one way for several MISP
 * types…). Cairn writes those as STIX 2.1 wants custom content written: in a property extension (the
 * MISP JSON of the attribute, object or event the STIX object stands for), declared by an
 * extension-definition in the bundle; and its custom objects (x-misp-attribute, x-misp-object,
 * x-misp-galaxy-cluster) declare the new-SDO extension that defines them. A reader that knows the
 * extension restores the MISP item exactly; any other reads the STIX objects as they are.
 */

const EPOCH = '2024-01-01T00:00:00.000Z';

export const CAIRN_IDENTITY: StixObject = {
  type: 'identity', spec_version: '2.1', id: 'identity--0c5b9e52-3e0b-4a4f-9a58-6c1f4a0e2d11', created: EPOCH, modified: EPOCH,
  name: 'Cairn', identity_class: 'system',
};

/** The property extension holding an item's MISP JSON. */
export const MISP_DATA_EXTENSION = 'extension-definition--3f1f6d0e-8a52-4c2b-9a0b-5d6f7e8a9b01';
/** The new-SDO extension defining the x-misp-* object types. */
export const MISP_OBJECTS_EXTENSION = 'extension-definition--3f1f6d0e-8a52-4c2b-9a0b-5d6f7e8a9b02';

const definition = (id: string, name: string, description: string, types: string[]): StixObject => ({
  type: 'extension-definition', spec_version: '2.1', id, created_by_ref: CAIRN_IDENTITY.id, created: EPOCH, modified: EPOCH, name, description,
  schema: 'https://github.com/MISP/misp-rfc', version: '1.0.0', extension_types: types,
});

export const EXTENSION_DEFINITIONS: readonly StixObject[] = [
  definition(MISP_DATA_EXTENSION, 'MISP data', 'The MISP JSON of the attribute, object or event a STIX object stands for (MISP core format).', ['property-extension']),
  definition(MISP_OBJECTS_EXTENSION, 'MISP custom objects', 'x-misp-attribute, x-misp-object and x-misp-galaxy-cluster: MISP content STIX has no type for.', ['new-sdo']),
];

export type MispKind = 'attribute' | 'object' | 'event';

/** The `extensions` of a STIX object carrying an item's MISP JSON (and, for a custom object, its type's definition). */
export function mispExtensions(kind: MispKind, json: Record<string, unknown>, customType = false): Record<string, unknown> {
  return {
    ...(customType ? { [MISP_OBJECTS_EXTENSION]: { extension_type: 'new-sdo' } } : {}),
    [MISP_DATA_EXTENSION]: { extension_type: 'property-extension', [kind]: json },
  };
}

/** The `extensions` a custom object declares without MISP data of its own. */
export const customTypeExtension = () => ({ [MISP_OBJECTS_EXTENSION]: { extension_type: 'new-sdo' } });

/** The MISP JSON a STIX object carries in Cairn's extension, if any. */
export function mispDataOf(o: Record<string, unknown>, kind: MispKind): Record<string, unknown> | undefined {
  const ext = (o.extensions as Record<string, Record<string, unknown>> | undefined)?.[MISP_DATA_EXTENSION];
  const data = ext?.[kind];
  return data && typeof data === 'object' && !Array.isArray(data) ? data as Record<string, unknown> : undefined;
}

const RFC4122 = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-5][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
/** The namespace of the STIX ids Cairn derives from MISP uuids that are not RFC 4122 uuids. */
const MISP_UUID_NAMESPACE = '6a1f3c1e-2b7d-5e0a-8c4f-9d2e1b0a7c55';

/**
 * The uuid part of the STIX id of a MISP item: its own uuid when that is an RFC 4122 uuid (as STIX
 * requires), else a UUIDv5 derived from it, the same on every export. The MISP uuid itself travels in
 * the MISP extension, so that an import gives the item its own uuid back.
 */
export function stixUuid(mispUuid: string): string {
  return RFC4122.test(mispUuid) ? mispUuid.toLowerCase() : uuidV5(MISP_UUID_NAMESPACE, mispUuid.toLowerCase());
}
