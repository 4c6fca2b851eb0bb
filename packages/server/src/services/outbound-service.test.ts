// Whose hosts a tenant's calls may reach: the operator's, the operator's grant to that tenant, and
// that tenant's admin's own; and which hosts an admin may not add.

import { describe, expect, it } from 'vitest';
import { hostAllowed, parseServerSettings } from '../config/server-settings.js';
import type { Store } from '../stores/store.js';
import { OutboundService, tenantHostProblem } from './outbound-service.js';

const settings = parseServerSettings({
  outbound: { allow_hosts: ['hooks.example.com'], allow_addresses: ['10.0.0.0/8'] },
  tenants: { acme: { outbound: { allow_hosts: ['undo.acme.example'] } } },
});
const stored: Record<string, string> = { 'outbound_hosts:acme': JSON.stringify(['admin.acme.example']) };
const store = { settings: { get: async (key: string) => stored[key] } } as unknown as Store;
const service = new OutboundService({ store, clock: { now: () => 0 }, settings });

describe('OutboundService.rules', () => {
  it("joins the operator's hosts, its grant to the tenant and the tenant admin's", async () => {
    const acme = await service.rules('acme');
    for (const host of ['hooks.example.com', 'undo.acme.example']) expect(hostAllowed(host, ...acme.allowHosts)).toBe(true);
    // The admin's own hosts are kept apart: they get none of the operator's address allowances.
    expect(hostAllowed('admin.acme.example', ...acme.allowHosts)).toBe(false);
    expect(acme.adminHosts).toEqual(['admin.acme.example']);
    expect(acme).toMatchObject({ allowHttp: false, allowAddresses: ['10.0.0.0/8'], timeoutMs: 10_000 });
  });

  it("never gives one tenant another's hosts", async () => {
    const other = await service.rules('globex');
    expect(hostAllowed('hooks.example.com', ...other.allowHosts)).toBe(true);
    expect(hostAllowed('undo.acme.example', ...other.allowHosts)).toBe(false);
    expect(hostAllowed('admin.acme.example', ...other.allowHosts)).toBe(false);
    expect(other.adminHosts).toEqual([]);
  });
});

describe('tenantHostProblem', () => {
  it.each(['hooks.example.com', '*.example.com', 'a-b.c.example'])('allows `%s`', (host) => {
    expect(tenantHostProblem(host)).toBeUndefined();
  });

  it.each([
    'localhost',
    'intranet',
    '127.0.0.1',
    '10.0.0.1',
    '[::1]',
    'printer.local',
    'metadata.google.internal',
    'x.localhost',
    '*.com',
    'host:8080',
    '',
  ])('refuses `%s`', (host) => {
    expect(tenantHostProblem(host)).toBeDefined();
  });
});
