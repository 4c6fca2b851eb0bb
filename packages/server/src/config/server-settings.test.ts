import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  channelEndpoints,
  defaultServerSettings,
  hostAllowed,
  parseServerSettings,
  readServerSettings,
  SettingsError,
  tenantSettings,
} from './server-settings.js';

describe('server settings', () => {
  it('reads a whole file, with defaults for what it leaves out', () => {
    const folder = mkdtempSync(join(tmpdir(), 'tollgate-settings-'));
    try {
      const path = join(folder, 'settings.yaml');
      writeFileSync(
        path,
        `tenants:
  acme:
    policy: /srv/acme
    secrets: { prefix: ACME_, names: [SHARED_SMTP_URL] }
    outbound: { allow_hosts: [Hooks.Acme.example] }
outbound:
  allow_hosts: ["*.example.com"]
  timeout: 5s
channels:
  slack: { base_url: "http://127.0.0.1:9/api/" }
audit:
  publish: { every: 1m, file: /var/lib/tollgate/heads.jsonl }
`,
      );
      const settings = readServerSettings(path);
      expect(settings.tenants.acme).toEqual({
        policy: '/srv/acme',
        secrets: { prefix: 'ACME_', names: ['SHARED_SMTP_URL'] },
        outbound: { allow_hosts: ['hooks.acme.example'] },
      });
      expect(settings.outbound).toMatchObject({ allow_hosts: ['*.example.com'], allow_http: false, timeout_ms: 5000 });
      expect(settings.channels.slack.base_url).toBe('http://127.0.0.1:9/api');
      expect(settings.channels.pagerduty.base_url).toBe(defaultServerSettings().channels.pagerduty.base_url);
      expect(settings.audit.publish).toEqual({ every_ms: 60_000, file: '/var/lib/tollgate/heads.jsonl' });
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  it('names every problem by its path, at once', () => {
    let error: unknown;
    try {
      parseServerSettings({
        tenants: { Bad_Tenant: {}, acme: { secrets: { prefix: 3, name: [] } } },
        outbound: { allow_http: 'yes', allow_addresses: ['not-an-address'], timeout: 'soon' },
        channels: { slack: { base_url: 'ftp://example.com' }, teams: {} },
        extra: true,
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const message = (error as Error).message;
    for (const expected of [
      'settings.extra: unknown setting',
      'tenants.Bad_Tenant: a tenant id is lowercase',
      'tenants.acme.secrets.name: unknown setting',
      'tenants.acme.secrets.prefix: must be a non-empty string',
      'outbound.allow_http: must be true or false',
      'outbound.allow_addresses: `not-an-address` is not an address',
      'outbound.timeout: must be a duration',
      'channels.slack.base_url: must be an http(s) URL',
      'channels.teams: unknown setting',
    ])
      expect(message).toContain(expected);
  });

  it("takes Jira and ServiceNow sites server-wide and per tenant, the tenant's first", () => {
    const settings = parseServerSettings({
      tenants: { acme: { channels: { jira: { base_url: 'https://acme.atlassian.net/' } } } },
      channels: {
        jira: { base_url: 'https://jira.internal.example', api: 'data-center' },
        servicenow: { base_url: 'https://example.service-now.com' },
      },
    });
    expect(channelEndpoints(settings, 'acme')).toMatchObject({
      jira: { base_url: 'https://acme.atlassian.net', api: 'cloud' },
      servicenow: { base_url: 'https://example.service-now.com' },
    });
    expect(channelEndpoints(settings, 'other').jira).toEqual({ base_url: 'https://jira.internal.example', api: 'data-center' });
    expect(channelEndpoints(defaultServerSettings(), 'acme').jira).toBeUndefined();
    let message = '';
    try {
      parseServerSettings({
        tenants: { acme: { channels: { servicenow: {} } } },
        channels: { jira: { base_url: 'ftp://x', api: 'server' } },
      });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('tenants.acme.channels.servicenow.base_url');
    expect(message).toContain('channels.jira.base_url: must be an http(s) URL');
    expect(message).toContain('channels.jira.api: must be `cloud` or `data-center`');
  });

  it('says which file could not be read', () => {
    expect(() => readServerSettings('/nonexistent/settings.yaml')).toThrow(/cannot read settings file `\/nonexistent\/settings.yaml`/);
  });

  it('gives a tenant the operator does not name an empty grant, whatever its name', () => {
    const settings = parseServerSettings({ tenants: { acme: { secrets: { prefix: 'ACME_' } } } });
    for (const name of ['constructor', '__proto__', 'toString', 'globex'])
      expect(tenantSettings(settings, name)).toEqual({ secrets: { names: [] }, outbound: { allow_hosts: [] } });
    expect(tenantSettings(settings, 'acme').secrets.prefix).toBe('ACME_');
  });

  it('matches hosts exactly, or as subdomains of a wildcard', () => {
    expect(hostAllowed('hooks.example.com', ['*.example.com'])).toBe(true);
    expect(hostAllowed('example.com', ['*.example.com'])).toBe(false);
    expect(hostAllowed('evilexample.com', ['*.example.com'])).toBe(false);
    expect(hostAllowed('HOOKS.acme.example', [], ['hooks.acme.example'])).toBe(true);
    expect(hostAllowed('hooks.acme.example.evil', ['hooks.acme.example'])).toBe(false);
  });
});
