// `tollgate audit verify|export|head|public-key`: auditors check and take out the trail, on the database.

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Option, type Command } from 'commander';
import { databaseUrl } from '../../config/client-config.js';
import type { VerifyResult } from '../../services/audit-chain.js';
import type { AuditService } from '../../services/audit-service.js';
import { UsageError, wholeNumber } from '../input.js';
import { EXIT, type CliIo } from '../io.js';

/**
 * The audit service on `--db`. With `settings` (for the commands that sign or verify), the keys and
 * publish file of `--settings` or TOLLGATE_SETTINGS, as the server has them.
 */
async function withAudit<T>(db: string | undefined, work: (audit: AuditService) => Promise<T>, settings?: { file?: string }): Promise<T> {
  // Loaded by the command that runs, so that help and bad usage answer without the database code.
  const [{ auditConfig }, { openStore }, { AuditService }] = await Promise.all([
    import('../../config/config.js'),
    import('../../stores/open-store.js'),
    import('../../services/audit-service.js'),
  ]);
  const config = settings === undefined ? undefined : auditConfig(settings.file);
  const store = await openStore(databaseUrl(db));
  try {
    await store.migrate();
    const publishedFile = config?.settings.audit.publish.file;
    return await work(
      new AuditService({
        store,
        ...(config === undefined ? {} : { keys: config.keys }),
        ...(publishedFile === undefined ? {} : { publishedFile }),
      }),
    );
  } finally {
    await store.close();
  }
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** The verdict: what was checked, or where it first went wrong and every problem found. */
function printVerdict(io: CliIo, result: VerifyResult): void {
  const { signed } = result;
  const signatures =
    signed.heads === 0
      ? 'no signed heads yet'
      : `${signed.heads} signed ${signed.heads === 1 ? 'head' : 'heads'} (${signed.published} published), on the trail up to event ${signed.up_to}, ${signed.unsigned_events} events since`;
  if (result.ok) {
    io.out(`ok: ${result.events} events, head ${result.head.seq} ${result.head.hash}; ${signatures}`);
    return;
  }
  const first = result.problems[0]!;
  const where = first.seq === 0 ? 'in the signed heads' : `at event ${first.seq}`;
  io.out(`FAILED ${where}: ${first.code}: ${first.message}`);
  io.out(`${result.problems.length} ${result.problems.length === 1 ? 'problem' : 'problems'} in ${result.events} events; ${signatures}:`);
  for (const problem of result.problems) io.out(`  seq ${problem.seq}: ${problem.code}: ${problem.message}`);
}

export function registerAuditCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const audit = program.command('audit').description('verify and export the tamper-evident audit trail');
  audit
    .command('verify')
    .description('recompute the hash chain and check every signed head (stored, published, anchored) is still on it')
    .option('--tenant <tenant>', 'tenant', 'default')
    .option('--db <file|url>', 'SQLite file or postgres:// URL')
    .option('--published <file>', 'a JSON Lines file of published signed heads (the publish file, or what the webhook received)')
    .option('--public-key <file>', 'trust only this public key (PEM); repeat for keys rotated out', collect)
    .option('--settings <file>', "the operator's server settings: the signing key's variable, earlier public keys, the publish file")
    .addOption(new Option('--anchor-seq <n>', 'seq of a head exported earlier').argParser(wholeNumber('--anchor-seq')))
    .option('--anchor-hash <hash>', 'hash of a head exported earlier')
    .option('--json', 'print the result as JSON')
    .action(
      async (options: {
        tenant: string;
        db?: string;
        anchorSeq?: number;
        anchorHash?: string;
        published?: string;
        publicKey?: string[];
        settings?: string;
        json?: boolean;
      }) => {
        if ((options.anchorSeq === undefined) !== (options.anchorHash === undefined))
          throw new UsageError('give both --anchor-seq and --anchor-hash, or neither');
        if (options.anchorHash !== undefined && !/^[0-9a-f]{64}$/.test(options.anchorHash))
          throw new UsageError('--anchor-hash must be 64 hex characters');
        const [{ readPublicKey }, { verifyKeyFromPem }] = await Promise.all([
          import('../../config/audit-keys.js'),
          import('../../services/audit-signing.js'),
        ]);
        const publicKeys = options.publicKey?.map((file) => {
          try {
            return verifyKeyFromPem(readPublicKey(file));
          } catch (error) {
            throw new UsageError(`--public-key: ${(error as Error).message}`);
          }
        });
        const result = await withAudit(
          options.db,
          (service) =>
            service.verify(options.tenant, {
              ...(options.anchorSeq === undefined ? {} : { anchor: { seq: options.anchorSeq, hash: options.anchorHash! } }),
              ...(options.published === undefined ? {} : { published: options.published }),
              ...(publicKeys === undefined ? {} : { publicKeys }),
            }),
          { ...(options.settings === undefined ? {} : { file: options.settings }) },
        );
        if (options.json === true) io.out(JSON.stringify(result, null, 2));
        else printVerdict(io, result);
        if (!result.ok) setExit(EXIT.failed);
      },
    );
  audit
    .command('public-key')
    .description('print the public key (PEM) that signs chain heads, to verify them without trusting the database')
    .option('--db <file|url>', 'SQLite file or postgres:// URL')
    .option('--settings <file>', "the operator's server settings, for the signing key in the environment")
    .action(async (options: { db?: string; settings?: string }) => {
      const key = await withAudit(options.db, (service) => service.signingKey(), {
        ...(options.settings === undefined ? {} : { file: options.settings }),
      });
      io.out(key.pem.trimEnd());
      io.err(`key id ${key.keyId}`);
    });
  audit
    .command('head')
    .description('print the chain head ({seq, hash}) to keep elsewhere as an anchor')
    .option('--tenant <tenant>', 'tenant', 'default')
    .option('--db <file|url>', 'SQLite file or postgres:// URL')
    .action(async (options: { tenant: string; db?: string }) => {
      const head = await withAudit(options.db, (service) => service.head(options.tenant));
      io.out(JSON.stringify({ tenant: options.tenant, ...head }));
    });
  audit
    .command('export')
    .description('write every event as JSON lines or CSV')
    .addOption(new Option('--format <format>', 'jsonl or csv').choices(['jsonl', 'csv']).default('jsonl'))
    .option('--out <file>', 'write to a file instead of standard output')
    .option('--tenant <tenant>', 'tenant', 'default')
    .option('--db <file|url>', 'SQLite file or postgres:// URL')
    .action(async (options: { format: 'jsonl' | 'csv'; out?: string; tenant: string; db?: string }) => {
      const { EXPORT_COLUMNS, toCsvRow, toJsonLine } = await import('../../services/audit-service.js');
      await withAudit(options.db, async (service) => {
        const file = options.out === undefined ? undefined : createWriteStream(options.out);
        const write = async (line: string): Promise<void> => {
          if (file === undefined) io.out(line);
          else if (!file.write(`${line}\n`)) await once(file, 'drain');
        };
        if (options.format === 'csv') await write(EXPORT_COLUMNS.join(','));
        let count = 0;
        for await (const event of service.events(options.tenant)) {
          await write(options.format === 'csv' ? toCsvRow(event) : toJsonLine(event));
          count++;
        }
        if (file !== undefined) {
          file.end();
          await once(file, 'finish');
          io.err(`wrote ${count} events to ${options.out}`);
        }
      });
    });
}
