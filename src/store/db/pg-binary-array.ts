/**
 * A column of values as a PostgreSQL array in binary form (what `array_send` writes, `array_recv` reads),
 * ready to be bound as a parameter: node-postgres sends a Buffer parameter in binary format.
 *
 * Why: node-postgres writes an array parameter as a text literal, an escaped string per element (two
 * regular expressions each, a hex string per bytea), and the server parses it back element by element.
 * At 10^6 attributes of twenty columns each, that text was a large share of Cairn's side of an import.
 * The binary form is the elements' bytes behind their lengths, written straight into one buffer.
 *
 * Only element types whose binary form is plain are written here; any other type, or a value of an
 * unexpected JavaScript type, answers undefined and the caller sends the array as text, as before.
 */

/** Element type oids (pg_type) of the types written here. */
const BOOL = 16;
const BYTEA = 17;
const INT8 = 20;
const INT2 = 21;
const INT4 = 23;
const TEXT = 25;
const VARCHAR = 1043;

const HEADER = 20;
/** The lowest integer of each width in bytes (the highest is -1 - that). */
const LOWEST: Record<number, number> = { 2: -0x8000, 4: -0x8000_0000, 8: Number.MIN_SAFE_INTEGER };
const TWO_32 = 0x1_0000_0000;

/** Whether a column of this element type is written in binary here. */
export function binaryArrayType(oid: number): boolean {
  return oid === BOOL || oid === BYTEA || oid === INT8 || oid === INT2 || oid === INT4 || oid === TEXT || oid === VARCHAR;
}

const fixedWidth = (oid: number): number => (oid === INT8 ? 8 : oid === INT4 ? 4 : oid === INT2 ? 2 : oid === BOOL ? 1 : 0);

/** The array of `values` (null or undefined: SQL NULL) with elements of type `oid`, or undefined (see above). */
export function encodeBinaryArray(oid: number, values: readonly unknown[]): Buffer | undefined {
  const width = fixedWidth(oid);
  let size = HEADER;
  let nulls = 0;
  for (const v of values) {
    if (v === null || v === undefined) {
      nulls++;
      size += 4;
    } else if (width > 0) {
      // Out of the type's range: sent as text, for PostgreSQL to refuse as it always did.
      if (oid === BOOL ? typeof v !== 'boolean' : !Number.isSafeInteger(v) || (v as number) < LOWEST[width]! || (v as number) > -1 - LOWEST[width]!) return undefined;
      size += 4 + width;
    } else if (oid === BYTEA) {
      if (!(v instanceof Uint8Array)) return undefined;
      size += 4 + v.byteLength;
    } else {
      if (typeof v !== 'string') return undefined;
      // Room for the longest UTF-8 form: three bytes per UTF-16 code unit. Shrunk below.
      size += 4 + 3 * v.length;
    }
  }
  const buf = Buffer.allocUnsafe(size);
  buf.writeInt32BE(1, 0);
  buf.writeInt32BE(nulls > 0 ? 1 : 0, 4);
  buf.writeInt32BE(oid, 8);
  buf.writeInt32BE(values.length, 12);
  buf.writeInt32BE(1, 16);
  let at = HEADER;
  for (const v of values) {
    if (v === null || v === undefined) {
      buf.writeInt32BE(-1, at);
      at += 4;
      continue;
    }
    switch (oid) {
      case INT4:
        buf.writeInt32BE(4, at);
        buf.writeInt32BE(v as number, at + 4);
        at += 8;
        break;
      case INT8: {
        const n = v as number;
        const hi = Math.floor(n / TWO_32);
        buf.writeInt32BE(8, at);
        buf.writeInt32BE(hi, at + 4);
        buf.writeUInt32BE(n - hi * TWO_32, at + 8);
        at += 12;
        break;
      }
      case INT2:
        buf.writeInt32BE(2, at);
        buf.writeInt16BE(v as number, at + 4);
        at += 6;
        break;
      case BOOL:
        buf.writeInt32BE(1, at);
        buf[at + 4] = v ? 1 : 0;
        at += 5;
        break;
      case BYTEA: {
        const b = v as Uint8Array;
        buf.writeInt32BE(b.byteLength, at);
        buf.set(b, at + 4);
        at += 4 + b.byteLength;
        break;
      }
      default: {
        const n = buf.write(v as string, at + 4, 'utf8');
        buf.writeInt32BE(n, at);
        at += 4 + n;
      }
    }
  }
  return at === size ? buf : buf.subarray(0, at);
}

/** Element types by name, for statements written with a fixed cast (`$1::bigint[]`). */
export const PG_ELEMENT = { integer: INT4, bigint: INT8, text: TEXT, bytea: BYTEA } as const;

/** A parameter for `$n::<type>[]`: the binary array where it can be written, else the values as they are. */
export function pgArray(type: keyof typeof PG_ELEMENT, values: readonly unknown[]): Buffer | readonly unknown[] {
  return encodeBinaryArray(PG_ELEMENT[type], values) ?? values;
}
