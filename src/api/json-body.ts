/** A JSON body read from its bytes, or what is wrong with it: the JSON parsers of the API and of TAXII share it. */
export type JsonBody = { ok: true; value: unknown } | { ok: false; message: string };

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });
const LENIENT_UTF8 = new TextDecoder('utf-8');

/**
 * The first string of `value` (depth first, keys included) that `bad` finds, named by its path
 * (`Event.Attribute.3.value`); iterative, as a body may nest deeply.
 */
function fieldWhere(value: unknown, bad: (s: string) => boolean): string | undefined {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (bad(v)) return path || 'body';
    } else if (v !== null && typeof v === 'object') {
      const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, x] = entries[i]!;
        const at = path ? `${path}.${key}` : key;
        if (bad(key)) return at;
        stack.push([x, at]);
      }
    }
  }
  return undefined;
}

/**
 * Parses a JSON body. Bytes that are not UTF-8 are refused rather than replaced (a replaced character
 * would store another value than the one sent), and so are NUL characters (`\u0000`), which PostgreSQL
 * cannot store and which no title, value or name holds: both name the field they are in.
 */
export function parseJsonBody(bytes: Buffer): JsonBody {
  let text: string;
  let invalidUtf8 = false;
  try {
    text = STRICT_UTF8.decode(bytes);
  } catch {
    text = LENIENT_UTF8.decode(bytes);
    invalidUtf8 = true;
  }
  if (text.trim() === '') return { ok: true, value: undefined };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, message: `The request body is not valid JSON: ${(err as Error).message}` };
  }
  if (invalidUtf8) {
    const field = fieldWhere(value, (s) => s.includes('\uFFFD'));
    return { ok: false, message: `${field ?? 'The request body'}: the request body is not valid UTF-8${field ? ' in this field' : ''}` };
  }
  // Only a body that spells a NUL out can hold one: most are not walked.
  if (text.includes('\\u0000')) {
    const field = fieldWhere(value, (s) => s.includes('\0'));
    if (field) return { ok: false, message: `${field}: a NUL character (\\u0000) is not allowed in text` };
  }
  return { ok: true, value };
}
