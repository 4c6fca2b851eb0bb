// Settings that let a server call the local stand-ins on 127.0.0.1 over plain http: what an
// operator would have to allow for receivers on the server's own host.

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseServerSettings, type ServerSettings } from '../../src/config/server-settings.js';

export const LOCAL_OUTBOUND = { allow_http: true, allow_addresses: ['127.0.0.1/32'], allow_hosts: ['127.0.0.1'] };

/** Those settings, with `more` of the settings file beside them (say, `channels` for the vendors' stand-ins). */
export function localOutbound(more: Record<string, unknown> = {}): ServerSettings {
  return parseServerSettings({ outbound: LOCAL_OUTBOUND, ...more });
}

/** The same settings as a file in `folder`, for a server started as its own process (`--settings`). */
export function localOutboundFile(folder: string, more: Record<string, unknown> = {}): string {
  const path = join(folder, 'settings.yaml');
  writeFileSync(path, JSON.stringify({ outbound: LOCAL_OUTBOUND, ...more }));
  return path;
}
