import { Type, type TObject, type TProperties, type TSchema } from 'typebox';

/**
 * The pieces answer schemas are made of. MISP writes ids, counts and timestamps as text and flags as
 * booleans; these schemas say so, so that a test can hold the handlers to it (test/api/answers.test.ts).
 */

/** A MISP document: the members listed are there; others may be, as MISP's clients ignore what they do not know. */
export const Doc = <P extends TProperties>(properties: P, description?: string): TObject<P> =>
  Type.Object(properties, { additionalProperties: true, ...(description ? { description } : {}) });

/** A local id, or any other whole number, written as text. */
export const IdText = (description = 'a local id, as text') => Type.String({ pattern: '^[0-9]+$', description });

export const UuidText = () => Type.String({ pattern: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$', description: 'a uuid' });

/** Seconds since the epoch, as text. */
export const EpochText = (description = 'seconds since the epoch, as text') => Type.String({ pattern: '^[0-9]+$', description });

/** `YYYY-MM-DD HH:MM:SS`, as MISP's database writes it. */
export const SqlDatetime = () => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}$', description: 'YYYY-MM-DD HH:MM:SS' });

export const DateText = () => Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD' });

export const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
