import { isObject } from '../../formats/misp-json/coerce.js';
import { RemoteClient, RemoteError, parseJson } from './client.js';

/** What a remote says of itself and of the sync user's rights there (servers/getVersion). */
export interface RemoteInfo {
  version: string;
  uuid: string;
  permSync: boolean;
  permSighting: boolean;
  permGalaxyEditor: boolean;
  permAnalystData: boolean;
  /** getVersion names perm_galaxy_editor at all: MISP's sign that the remote syncs galaxy clusters. */
  hasGalaxyEditorFlag: boolean;
  requestEncoding: string[];
  filterSightings: boolean;
}

/** The remote's getVersion; the client then compresses as the remote reads. */
export async function remoteInfo(client: RemoteClient): Promise<RemoteInfo> {
  const v = await client.json<Record<string, unknown>>('GET', '/servers/getVersion');
  if (!isObject(v) || typeof v.version !== 'string') throw new RemoteError('servers/getVersion answered no version: is this a MISP instance?');
  const info: RemoteInfo = {
    version: v.version, uuid: typeof v.uuid === 'string' ? v.uuid : '?',
    permSync: v.perm_sync === true, permSighting: v.perm_sighting === true, permGalaxyEditor: v.perm_galaxy_editor === true,
    permAnalystData: v.perm_analyst_data === true, hasGalaxyEditorFlag: v.perm_galaxy_editor !== undefined,
    requestEncoding: Array.isArray(v.request_encoding) ? v.request_encoding.map(String) : [],
    filterSightings: v.filter_sightings === true,
  };
  client.requestEncodings = info.requestEncoding;
  return info;
}

/** MISP's POST test payload is a long text; this one is as long, made here rather than copied. */
export const POST_TEST_TEXT = Array.from({ length: 79 }, (_, i) => `Cairn connection test line ${String(i).padStart(3, '0')}: the body must come back unchanged.`).join('\n');

type PostResult = { status: number; 'content-encoding'?: string | null };

async function postTest(client: RemoteClient): Promise<PostResult> {
  let answer;
  let body: Record<string, unknown>;
  try {
    answer = await client.request('POST', '/servers/postTest', { body: { testString: POST_TEST_TEXT } });
    body = parseJson<Record<string, unknown>>(answer, '/servers/postTest');
  } catch {
    return { status: 8 };
  }
  const encoding = answer.headers['content-encoding'] ?? null;
  const echoed = isObject(body) && isObject(body.body) ? body.body.testString : undefined;
  if (echoed !== POST_TEST_TEXT) return { status: 9, 'content-encoding': encoding };
  const headers = isObject(body.headers) ? body.headers : {};
  for (const h of ['Accept', 'Content-type']) if (headers[h] !== 'application/json') return { status: 10, 'content-encoding': encoding };
  return { status: 1, 'content-encoding': encoding };
}

/** MISP's runConnectionTest: 1 reached (with what getVersion said and the POST test), 2 no answer, 3 not MISP's answer, 4 refused (403), 5/6 the account must be seen to first. */
async function runConnectionTest(client: RemoteClient): Promise<{ status: number; info?: RemoteInfo; post?: PostResult }> {
  try {
    const info = await remoteInfo(client);
    return { status: 1, info, post: await postTest(client) };
  } catch (err) {
    if (!(err instanceof RemoteError) || err.status === undefined) return { status: err instanceof RemoteError && /getVersion answered no version|not JSON/.test(err.message) ? 3 : 2 };
    if (err.status === 403) return { status: 4 };
    if (err.status === 405) {
      const text = err.body ?? '';
      if (text.includes('expecting a password change')) return { status: 5 };
      if (text.includes('accepted the terms of use')) return { status: 6 };
    }
    return { status: 3 };
  }
}

const versionParts = (v: string) => v.split('.').map(Number);

/**
 * MISP's servers/testConnection answer: status 1 with the versions compared, the POST test's status and
 * the encodings; 7 when the remote user has neither sync nor sighting rights, 8 sighting only; else
 * runConnectionTest's status.
 */
export async function testConnection(client: RemoteClient, localVersion: string): Promise<Record<string, unknown>> {
  const result = await runConnectionTest(client);
  if (result.status !== 1 || !result.info) return { status: result.status, client_certificate: null };
  const info = result.info;
  if (!/^[0-9]+\.+[0-9]+\.[0-9]+$/.test(info.version)) return { status: 3, client_certificate: null };
  const remote = versionParts(info.version);
  const local = versionParts(localVersion);
  let mismatch: string | false = false;
  let newer: string | false = false;
  (['major', 'minor', 'hotfix'] as const).forEach((part, k) => {
    if (mismatch) return;
    if (remote[k]! > local[k]!) [mismatch, newer] = [part, 'remote'];
    else if (remote[k]! < local[k]!) [mismatch, newer] = [part, 'local'];
  });
  if (!info.permSync && !info.permSighting) return { status: 7, info: rawInfo(info), client_certificate: null };
  if (!info.permSync && info.permSighting) return { status: 8, info: rawInfo(info), client_certificate: null };
  return {
    status: 1, local_version: localVersion, version: info.version, mismatch, newer,
    post: result.post ? result.post.status : 'too old', response_encoding: result.post?.['content-encoding'] ?? null,
    request_encoding: info.requestEncoding, client_certificate: null, uuid: info.uuid,
  };
}

const rawInfo = (i: RemoteInfo) => ({
  version: i.version, perm_sync: i.permSync, perm_sighting: i.permSighting, perm_galaxy_editor: i.permGalaxyEditor,
  perm_analyst_data: i.permAnalystData, uuid: i.uuid, request_encoding: i.requestEncoding, filter_sightings: i.filterSightings,
});
