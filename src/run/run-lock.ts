// One process at a time per run folder: an exclusive lock file (created with O_EXCL) holding the
// owner's pid and host. A lock left by a process of this host that no longer exists is stale and
// taken over; a lock of another host cannot be checked, so it is refused with its owner named.

import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { usageError } from '../errors.js';

export const LOCK_FILE = 'run.lock';

interface LockOwner {
  pid: number;
  host: string;
  startedAt: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(path: string): LockOwner | null {
  try {
    const o = JSON.parse(readFileSync(path, 'utf8')) as Partial<LockOwner>;
    return typeof o.pid === 'number' && typeof o.host === 'string' ? { pid: o.pid, host: o.host, startedAt: String(o.startedAt ?? '?') } : null;
  } catch {
    return null; // torn by a killed writer: nobody can own it
  }
}

export class RunLock {
  private held = false;

  constructor(readonly dir: string) {}

  get path(): string {
    return join(this.dir, LOCK_FILE);
  }

  /** Takes the lock, or refuses (exit 2) naming the process that holds it. */
  acquire(): void {
    const me: LockOwner = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        writeFileSync(this.path, `${JSON.stringify(me)}\n`, { flag: 'wx' });
        this.held = true;
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const owner = readOwner(this.path);
      const stale = owner === null || (owner.host === me.host && !alive(owner.pid));
      if (!stale) {
        throw usageError(
          'run-locked',
          `${this.dir} is in use by process ${owner.pid} on ${owner.host} (since ${owner.startedAt})`,
          owner.host === me.host
            ? 'wait for that run to finish, or pass another --output'
            : `wait for that run to finish, or pass another --output; if it is gone from ${owner.host}, delete ${this.path}`,
        );
      }
      rmSync(this.path, { force: true });
    }
    throw usageError('run-locked', `${this.dir}: could not take ${LOCK_FILE}`, 'another process is starting a run in the same folder; pass another --output');
  }

  /** Gives the lock back (only if this process holds it); idempotent. */
  release(): void {
    if (!this.held) return;
    this.held = false;
    const owner = existsSync(this.path) ? readOwner(this.path) : null;
    if (owner && owner.pid === process.pid && owner.host === hostname()) rmSync(this.path, { force: true });
  }
}
