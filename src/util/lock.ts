// Cross-process exclusive lock without native addons. Node has no flock(2), and a PID lock file
// needs stale-lock stealing, which races. A bound abstract unix socket is exclusive per network
// namespace and the kernel releases it the instant its owner dies (even by SIGKILL), so a crashed
// hook can never wedge later starts. The name is derived from the host root, so two simulated hosts
// never contend and a real host ('/') has one lock per purpose.
import * as crypto from 'node:crypto';
import * as net from 'node:net';
import { ExitCode, VirtMdevError } from './errors.js';

export interface LockOptions {
  /** give up after this long (default 60 s: parallel boot of many VMs must queue, not fail) */
  timeoutMs?: number;
}

export interface HeldLock {
  readonly name: string;
  release(): Promise<void>;
}

function socketName(rootDir: string, name: string): string {
  const h = crypto.createHash('sha256').update(rootDir).update('\0').update(name).digest('hex').slice(0, 40);
  return `\0virt-mdev/${name.slice(0, 24)}/${h}`;
}

function tryBind(sock: string): Promise<net.Server | undefined> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    const onError = (e: NodeJS.ErrnoException): void => {
      srv.removeListener('listening', onListening);
      if (e.code === 'EADDRINUSE') resolve(undefined);
      else reject(e);
    };
    const onListening = (): void => {
      srv.removeListener('error', onError);
      srv.unref();
      resolve(srv);
    };
    srv.once('error', onError);
    srv.once('listening', onListening);
    srv.listen({ path: sock, exclusive: true });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function acquireLock(rootDir: string, name: string, opts: LockOptions = {}): Promise<HeldLock> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const sock = socketName(rootDir, name);
  const deadline = Date.now() + timeoutMs;
  let wait = 2;
  for (;;) {
    const srv = await tryBind(sock);
    if (srv) {
      let released = false;
      return {
        name,
        release: () => new Promise<void>((resolve) => {
          if (released) return resolve();
          released = true;
          srv.close(() => resolve());
        }),
      };
    }
    if (Date.now() >= deadline) {
      throw new VirtMdevError(ExitCode.TIMEOUT, 'lock-timeout',
        `timed out after ${Math.round(timeoutMs / 1000)} s waiting for the virt-mdev '${name}' lock on host root ${rootDir}: another virt-mdev process holds it; retry, or find it with 'ps -ef | grep virt-mdev'`);
    }
    // jittered backoff so that dozens of parallel starts do not wake in lockstep
    await sleep(wait + Math.random() * wait);
    wait = Math.min(wait * 2, 50);
  }
}

export async function withLock<T>(rootDir: string, name: string, fn: () => Promise<T> | T, opts: LockOptions = {}): Promise<T> {
  const lock = await acquireLock(rootDir, name, opts);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}
