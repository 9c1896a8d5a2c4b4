/**
 * A real PostgreSQL primary and a real streaming replica of it, made by the test that needs them:
 * initdb and pg_basebackup into a temporary directory, servers on free loopback ports, stopped and
 * removed by `stop` (and, should the test process die first, by an exit handler). PostgreSQL refuses
 * to run as root: as root (CI), the servers run as the `postgres` user in a directory it owns.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BIN = process.env.CAIRN_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** Why the cluster cannot be made here (no binaries, no `postgres` user as root), or undefined when it can. */
export function replicaClusterMissing(): string | undefined {
  for (const tool of ['initdb', 'pg_ctl', 'pg_basebackup']) {
    if (!existsSync(join(BIN, tool))) return `PostgreSQL's ${tool} is not in ${BIN} (set CAIRN_PG_BIN to its folder)`;
  }
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) return 'running as root and there is no `postgres` user to run the servers as';
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface ReplicaCluster {
  primaryUrl: string;
  replicaUrl: string;
  /** Stops the replica (fast shutdown: its connections are cut). */
  stopReplica(): void;
  startReplica(): void;
  /** Stops both servers and removes the directory; safe to call twice. */
  stop(): void;
}

export async function startReplicaCluster(): Promise<ReplicaCluster> {
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'cairn-replica-'));
  const run = (tool: string, args: string[]) => {
    const argv = asRoot ? ['-u', 'postgres', '--', join(BIN, tool), ...args] : args;
    execFileSync(asRoot ? 'runuser' : join(BIN, tool), argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir });
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString().trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString().trim());
    chownSync(dir, uid, gid);
  }
  const primary = join(dir, 'primary');
  const replica = join(dir, 'replica');
  const [primaryPort, replicaPort] = [await freePort(), await freePort()];
  // Settings for a throwaway cluster: small, no fsync, sockets in its own directory.
  const options = (port: number) => `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c shared_buffers=16MB -c max_connections=60 -c hot_standby_feedback=on`;
  let primaryUp = false;
  let replicaUp = false;
  const stopServer = (data: string) => {
    try {
      run('pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Already stopped.
    }
  };
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    if (replicaUp) stopServer(replica);
    if (primaryUp) stopServer(primary);
    rmSync(dir, { recursive: true, force: true });
    process.off('exit', stop);
  };
  process.on('exit', stop);
  try {
    run('initdb', ['-D', primary, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    run('pg_ctl', ['-D', primary, '-o', options(primaryPort), '-l', join(dir, 'primary.log'), '-w', 'start']);
    primaryUp = true;
    // -R writes standby.signal and primary_conninfo: the copy starts as a streaming replica of the primary.
    run('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replica, '-R', '-X', 'stream', '--no-sync']);
    const startReplica = () => {
      run('pg_ctl', ['-D', replica, '-o', options(replicaPort), '-l', join(dir, 'replica.log'), '-w', 'start']);
      replicaUp = true;
    };
    startReplica();
    return {
      primaryUrl: `postgres://postgres@127.0.0.1:${primaryPort}/postgres`,
      replicaUrl: `postgres://postgres@127.0.0.1:${replicaPort}/postgres`,
      stopReplica: () => {
        run('pg_ctl', ['-D', replica, '-m', 'fast', '-w', 'stop']);
        replicaUp = false;
      },
      startReplica,
      stop,
    };
  } catch (err) {
    stop();
    const e = err as { stderr?: Buffer; message: string };
    throw new Error(`could not start the PostgreSQL primary and replica: ${e.stderr?.toString() || e.message}`);
  }
}
