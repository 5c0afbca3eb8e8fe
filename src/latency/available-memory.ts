// The memory this process may still use: the kernel's MemAvailable, and in a container the room
// left under its cgroup limit (a container's /proc/meminfo shows the host's memory).

import { existsSync, readFileSync } from 'node:fs';
import { freemem } from 'node:os';

function readNumber(path: string): number | null {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : null; // "max": no limit
  } catch {
    return null;
  }
}

function memAvailable(): number {
  try {
    const m = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'utf8'));
    if (m) return Number(m[1]) * 1024;
  } catch {
    // not Linux: fall back to free memory
  }
  return freemem();
}

/** Bytes available now and where the figure comes from. */
export function availableMemory(): { bytes: number; source: string } {
  const host = memAvailable();
  const cgroup = '/sys/fs/cgroup';
  const max = existsSync(`${cgroup}/memory.max`) ? readNumber(`${cgroup}/memory.max`) : null;
  const current = max === null ? null : readNumber(`${cgroup}/memory.current`);
  if (max !== null && current !== null && max - current < host) return { bytes: Math.max(0, max - current), source: 'the room left under this container\'s memory limit' };
  return { bytes: host, source: 'the memory this machine has available' };
}
