/** Uuids are kept as 16 bytes in the database and as lower-case text everywhere else. */
import { sql, type RawBuilder } from 'kysely';
import type { DialectName } from './dialect.js';

export function uuidToBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replaceAll('-', ''), 'hex');
}

export function bytesToUuid(bytes: Uint8Array): string {
  const h = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * A uuid column read as 32 lower-case hex digits (hexToUuid dashes them): reads of thousands of rows
 * take uuids so, since a Buffer per row and its conversion cost more than the rest of the row.
 */
export function uuidHexOf(dialect: DialectName, column: string): RawBuilder<string> {
  return dialect === 'sqlite' ? sql<string>`lower(hex(${sql.ref(column)}))` : sql<string>`encode(${sql.ref(column)}, 'hex')`;
}

/** `8-4-4-4-12` of 32 hex digits. */
export function hexToUuid(h: string): string {
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
