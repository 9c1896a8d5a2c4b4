/**
 * What the load benchmarks share: a `cairn serve` in a process of its own on a store given by the
 * environment, keep-alive HTTP clients, and percentiles.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import http from 'node:http';

export const BENCH_KEY = 'BenchKey0123456789abcdefghijklmnopqrstuv';

export interface BenchServer {
  base: URL;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `cairn serve --port 0 [args]` with `env` added to this process's environment. */
export async function startServer(env: NodeJS.ProcessEnv, args: string[] = []): Promise<BenchServer> {
  // BENCH_SERVER_NODE_ARGS (say --cpu-prof) go to the server's node.
  const child = spawn(process.execPath, [...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'src/cli/main.ts', 'serve', '--port', '0', ...args], {
    env: { ...process.env, CAIRN_ADMIN_KEY: BENCH_KEY, ...env }, stdio: ['ignore', 'ignore', 'pipe'],
  });
  const base = await new Promise<URL>((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /serving MISP's REST API on (http:\/\/\S+)/.exec(err);
      if (m) resolve(new URL(m[1]!));
    });
    child.on('exit', () => reject(new Error(`the server stopped: ${err}`)));
  });
  return {
    base, child,
    stop: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}

export interface Answer {
  status: number;
  bytes: number;
  body?: string;
}

/** A client of one server: requests on keep-alive sockets, the answer read to its end. */
export function client(base: URL, maxSockets = 64) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  function request(method: string, path: string, body?: unknown, keepBody = false): Promise<Answer> {
    const data = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = http.request({ host: base.hostname, port: base.port, path, method, agent,
        headers: { Authorization: BENCH_KEY, Accept: 'application/json', 'Content-Type': 'application/json', ...(data ? { 'Content-Length': Buffer.byteLength(data) } : {}) } }, (res) => {
        let bytes = 0;
        const parts: Buffer[] = [];
        res.on('data', (d: Buffer) => {
          bytes += d.length;
          if (keepBody) parts.push(d);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, bytes, ...(keepBody ? { body: Buffer.concat(parts).toString() } : {}) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(data);
    });
  }
  return { request, close: () => agent.destroy() };
}

/** The p-th percentile of `xs`, in ms to two decimals. */
export function pct(xs: readonly number[], p: number): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]! * 100) / 100;
}

/** The machine's load average over the last minute, to read the figures by. */
export async function loadAverage(): Promise<number> {
  const { loadavg } = await import('node:os');
  return Math.round(loadavg()[0]! * 100) / 100;
}

/**
 * CPU time so far of process `pid` and its children (`cairn serve` and its --workers, each with its threads),
 * in ms; Linux's /proc, else 0. On a shared machine wall time says little, CPU per request more.
 */
export function processTreeCpuMs(pid: number): number {
  const stat = (p: string) => {
    try {
      // After the command's name: state, ppid, …, utime and stime (clock ticks, 100 a second on Linux) 12th and 13th.
      return readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    } catch {
      return undefined;
    }
  };
  let ticks = 0;
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  for (const p of entries) {
    const f = stat(p);
    if (f && (p === String(pid) || f[1] === String(pid))) ticks += Number(f[11]) + Number(f[12]);
  }
  return ticks * 10;
}
