import { Type, type TSchema } from 'typebox';

/**
 * The field types MISP clients send, as JSON schemas that validate, document (/openapi.json) and type
 * the handlers. MISP's clients are loose (numbers as strings, "1"/"0" flags, PHP's objects for lists):
 * each schema takes every form MISP takes, and the domain checks that follow (the event parser, the
 * store) judge the value itself. `$comment` names the kind, so that a failure is told in words
 * (see `fieldProblem`).
 */
const kind = (name: string, description: string) => ({ $comment: name, description });

/** Text; a number is taken as its text, as MISP takes it. */
export const Text = (description = '') => Type.Union([Type.String(), Type.Number(), Type.Null()], kind('text', description));

/** A flag: true/false, 1/0, "1"/"0", "true"/"false"; empty means absent. */
export const Flag = (description = '') => Type.Union([
  Type.Boolean(), Type.Literal(0), Type.Literal(1), Type.Literal('0'), Type.Literal('1'), Type.Literal('true'), Type.Literal('false'), Type.Literal(''), Type.Null(),
], kind('flag', description));

/** A local id: a whole number, or its digits as text. */
export const Id = (description = '') => Type.Union([
  Type.Integer({ minimum: 0 }), Type.String({ pattern: '^\\s*\\d*\\s*$' }), Type.Null(),
], kind('id', description));

/** One item or a list of them (MISP takes either for most filters). */
export const OneOrMany = (description = '') => Type.Union([
  Type.String(), Type.Number(), Type.Array(Type.Union([Type.String(), Type.Number()])), Type.Null(),
], kind('list', description));

/** A list of items; PHP's json_encode writes a list as an object at times, so that is taken too. */
export const Items = (item: TSchema, description = '') => Type.Union([Type.Array(item), Type.Record(Type.String(), item)], kind('items', description));

/** Any JSON value: documented, checked by the domain. */
export const AnyValue = (description = '') => Type.Unknown({ description });

/** A JSON object of the given fields; others are allowed, since MISP's documents carry many more. */
export const Fields = (properties: Record<string, TSchema>, description?: string) =>
  Type.Object(Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, Type.Optional(v)])), { additionalProperties: true, ...(description ? { description } : {}) });

const PROBLEMS: Record<string, string> = {
  text: 'must be text',
  flag: 'must be true or false (or 1 or 0)',
  id: 'must be a whole number',
  list: 'must be a string, a number or a list of them',
  items: 'must be a list',
};

/** The words for a value that does not fit the schema of the given kind. */
export function fieldProblem(kindName: string | undefined, fallback: string): string {
  return (kindName && PROBLEMS[kindName]) ?? fallback;
}
