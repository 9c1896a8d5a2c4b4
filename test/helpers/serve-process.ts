import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import pg from 'pg';
import { TEST_DATABASE_URL } from './stores.js';
import { ROOT, cairnArgs } from './cli.js';


export interface ServedProcess {
  base: string;
  child: ChildProcess;
  /** What the process wrote on standard error so far. */
  stderr: () => string;
}

/**
 * `cairn serve` as real processes, for tests of what only processes show (first start, workers): a
 * folder for their stores, the site admin's key they share, PostgreSQL schemas of their own, and a clean-up
 * after the file's tests that stops every process and drops what they made.
 */
export function serveProcesses(prefix: string) {
  const adminKey = `${'P'.repeat(20)}${randomBytes(10).toString('hex')}`;
  const work = mkdtempSync(join(tmpdir(), `cairn-${prefix}-`));
  const children: ChildProcess[] = [];
  const schemas: string[] = [];
  after(async () => {
    await Promise.all(children.map((c) => new Promise((resolve) => {
      if (c.exitCode !== null || c.signalCode !== null) return resolve(undefined);
      c.once('exit', resolve);
      c.kill('SIGTERM');
    })));
    rmSync(work, { recursive: true, force: true });
    if (schemas.length && TEST_DATABASE_URL) {
      const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await client.connect();
      for (const s of schemas) await client.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
      await client.end();
    }
  });

  /** The store a process of this file serves: an SQLite file in the folder, or a fresh PostgreSQL schema. */
  const storeEnv = (dialect: 'sqlite' | 'postgres', name: string): NodeJS.ProcessEnv => {
    if (dialect === 'sqlite') return { CAIRN_DB: join(work, `${name}.db`) };
    const schema = `${name}_${randomBytes(5).toString('hex')}`;
    schemas.push(schema);
    return { DATABASE_URL: TEST_DATABASE_URL!, CAIRN_PG_SCHEMA: schema };
  };

  /** `cairn serve --port 0 ARGS` on the store `env` names; resolves once it listens, rejects if it stops first. */
  const serve = (env: NodeJS.ProcessEnv, args: string[]): Promise<ServedProcess> => {
    const child = spawn(process.execPath, cairnArgs('serve', '--port', '0', ...args), {
      cwd: ROOT, env: { ...process.env, DATABASE_URL: '', CAIRN_ADMIN_KEY: adminKey, ...env }, stdio: ['ignore', 'ignore', 'pipe'],
    });
    children.push(child);
    let err = '';
    return new Promise((resolve, reject) => {
      child.stderr!.on('data', (d: Buffer) => {
        err += d.toString();
        const m = /serving MISP's REST API on (http:\/\/\S+)/.exec(err);
        if (m) resolve({ base: m[1]!, child, stderr: () => err });
      });
      child.on('exit', () => reject(new Error(`serve stopped: ${err}`)));
    });
  };

  return { adminKey, storeEnv, serve };
}
