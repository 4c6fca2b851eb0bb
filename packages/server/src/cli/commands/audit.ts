// `tollgate audit verify|export|head`: auditors check and take out the trail, on the database.

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { Option, type Command } from 'commander';
import { databaseUrl } from '../../config/config.js';
import { AuditService, EXPORT_COLUMNS, toCsvRow, toJsonLine } from '../../services/audit-service.js';
import { openStore } from '../../stores/open-store.js';
import { UsageError } from '../input.js';
import { EXIT, type CliIo } from '../io.js';
import { wholeNumber } from './serve.js';

async function withAudit<T>(db: string | undefined, work: (audit: AuditService) => Promise<T>): Promise<T> {
  const store = await openStore(databaseUrl(db));
  try {
    await store.migrate();
    return await work(new AuditService({ store }));
  } finally {
    await store.close();
  }
}

export function registerAuditCommands(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const audit = program.command('audit').description('verify and export the tamper-evident audit trail');
  audit
    .command('verify')
    .description('recompute the hash chain; with an anchored head, also detect truncation')
    .option('--tenant <tenant>', 'tenant', 'default')
    .option('--db <file|url>', 'SQLite file or postgres:// URL')
    .addOption(new Option('--anchor-seq <n>', 'seq of a head exported earlier').argParser(wholeNumber('--anchor-seq')))
    .option('--anchor-hash <hash>', 'hash of a head exported earlier')
    .option('--json', 'print the result as JSON')
    .action(async (options: { tenant: string; db?: string; anchorSeq?: number; anchorHash?: string; json?: boolean }) => {
      if ((options.anchorSeq === undefined) !== (options.anchorHash === undefined))
        throw new UsageError('give both --anchor-seq and --anchor-hash, or neither');
      if (options.anchorHash !== undefined && !/^[0-9a-f]{64}$/.test(options.anchorHash))
        throw new UsageError('--anchor-hash must be 64 hex characters');
      const anchor = options.anchorSeq === undefined ? undefined : { seq: options.anchorSeq, hash: options.anchorHash! };
      const result = await withAudit(options.db, (service) => service.verify(options.tenant, anchor));
      if (options.json === true) io.out(JSON.stringify(result, null, 2));
      else if (result.ok) io.out(`ok: ${result.events} events, head ${result.head.seq} ${result.head.hash}`);
      else {
        io.out(`FAILED: ${result.problems.length} problems in ${result.events} events`);
        for (const problem of result.problems) io.out(`  seq ${problem.seq}: ${problem.code}: ${problem.message}`);
      }
      if (!result.ok) setExit(EXIT.failed);
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
