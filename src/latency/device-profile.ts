// Device profiles for modeled latency: YAML files with storage read bandwidth and per-read
// latency, DRAM bandwidth and compute throughput. Presets live in devices/ (with their sources);
// --device takes a preset name or a path to a user file.

import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { z } from 'zod';
import { usageError } from '../errors.js';
import { readYamlFile } from '../util/yaml-file.js';
import { PACKAGE_ROOT } from '../engine/model-source.js';

export const DEVICES_DIR = join(PACKAGE_ROOT, 'devices');
export const DEFAULT_DEVICE = 'phone-ufs40';

export const deviceHardwareSchema = {
  storage: z.object({ readBandwidthMBps: z.number().positive(), perReadLatencyMs: z.number().min(0) }),
  dram: z.object({ bandwidthGBps: z.number().positive() }),
  compute: z.object({ gflops: z.number().positive() }),
};

const schema = z.object({ name: z.string(), description: z.string().default(''), ...deviceHardwareSchema });

export type DeviceProfile = z.infer<typeof schema> & { source: string };

export const devicePresets = (): string[] =>
  existsSync(DEVICES_DIR) ? readdirSync(DEVICES_DIR).filter((f) => f.endsWith('.yaml')).map((f) => basename(f, '.yaml')).sort() : [];

export function loadDevice(nameOrPath: string): DeviceProfile {
  const preset = join(DEVICES_DIR, `${nameOrPath}.yaml`);
  const path = existsSync(preset) ? preset : nameOrPath;
  if (!existsSync(path)) throw usageError('device-unknown', `--device ${nameOrPath}: not a preset and not a file; presets: ${devicePresets().join(', ')}`, 'pass a preset name or a device YAML file (see devices/*.yaml)');
  const profile = readYamlFile(path, schema, 'device-yaml-invalid', 'a device needs storage.readBandwidthMBps, storage.perReadLatencyMs, dram.bandwidthGBps, compute.gflops');
  return { ...profile, source: path };
}
