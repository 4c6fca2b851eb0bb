// Every `npx tollgate …` line of the ```sh blocks in README.md and docs/*.md, run as written, in
// document order, in a fresh folder per file (with the repository's examples/), as a reader would.
// What cannot run exactly as written is listed in ADAPTED with the reason; nothing is skipped.

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BIN, REPO } from './helpers/server-process.js';

interface DocLine {
  file: string;
  line: string;
}

/**
 * The shell lines of a Markdown file's ```sh blocks that run `npx tollgate`, continuation lines
 * joined, and the lines that write a file they read (`echo … > action.json`).
 */
function tollgateLines(file: string): DocLine[] {
  const text = readFileSync(join(REPO, file), 'utf8');
  const lines: DocLine[] = [];
  for (const block of text.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)) {
    for (const line of block[1]!.replace(/\\\n\s*/g, ' ').split('\n'))
      if (/\bnpx tollgate\b/.test(line) || /^echo .* > [\w.-]+$/.test(line)) lines.push({ file, line });
  }
  return lines;
}

const FILES = [
  'README.md',
  ...readdirSync(join(REPO, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .sort()
    .map((name) => `docs/${name}`),
];

/** The state one file's lines build up as they run: earlier lines' output feeds the placeholders of later ones. */
interface Session {
  cwd: string;
  env: Record<string, string>;
  /** What the previous lines printed, by line. */
  printed: Map<string, string>;
  demo?: ChildProcess;
  /** A request waiting for alice, for `approvals approve <approval id>`. */
  approvalId?: string;
}

/**
 * Lines that cannot run exactly as written in a test, what the test does instead, and why. Each
 * entry is matched against the line's start; an entry no line matches fails the test, so the list
 * stays true to the docs.
 */
const ADAPTED: Array<{ starts: string; why: string; run: (line: string, session: Session) => Promise<string> | string }> = [
  {
    starts: 'npx tollgate demo',
    why: 'it serves until stopped, on port 7300 that another process may hold: it runs in the background with TOLLGATE_PORT=0 for the lines after it, without its recorded history (a minute of start-up) and its simulated approvers (who would decide the request alice approves first)',
    run: () => {
      throw new Error('the demo is started by startDemo, not run as a line');
    },
  },
  {
    starts: 'npx tollgate approvals approve <approval id>',
    why: '`<approval id>` stands for an id from `approvals list`: a request the test made for alice takes its place',
    run: (line, session) => line.replace('<approval id>', session.approvalId!),
  },
  {
    starts: 'npx tollgate audit verify --db "$URL" --published /var/lib/tollgate-anchor/audit-heads.jsonl --public-key audit-public.pem',
    why: "the published file and the public key stand for the operator's: the key is exported first, and the test server publishes no file to name",
    run: (line) =>
      `npx tollgate audit public-key --db "$URL" > audit-public.pem && ${line.replace(' --published /var/lib/tollgate-anchor/audit-heads.jsonl', '')}`,
  },
  {
    starts: 'npx tollgate audit verify --db "$URL" --anchor-seq 30512 --anchor-hash 9f2c…',
    why: 'the seq and hash stand for a head exported earlier: those `audit head` printed take their place',
    run: (line, session) => {
      const head = JSON.parse([...session.printed.entries()].find(([key]) => key.startsWith('npx tollgate audit head'))![1]) as {
        seq: number;
        hash: string;
      };
      return line.replace('30512', String(head.seq)).replace('9f2c…', head.hash);
    },
  },
];

/** Lines that end with a code other than 0 as the docs say they do. */
const EXIT_CODES: Record<string, number> = {
  'npx tollgate policy lint --strict examples/guide': 1,
  'npx tollgate init claude-code --project --wait 20 --timeout 5': 2,
};

function runShell(line: string, session: Session, input = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  // `npx tollgate` is this checkout's command, as `npx` finds it from the repository root.
  const script = `npx() { if [ "$1" = tollgate ]; then shift; "${process.execPath}" "${BIN}" "$@"; else command npx "$@"; fi; }\n${line}`;
  const child = spawn('bash', ['-c', script], { cwd: session.cwd, env: session.env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(input);
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  return new Promise((resolve) =>
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

async function startDemo(session: Session): Promise<void> {
  const demo = spawn(process.execPath, [BIN, 'demo', '--interval', '60000', '--history', '0', '--no-approvers'], {
    cwd: session.cwd,
    env: { ...session.env, TOLLGATE_PORT: '0', TOLLGATE_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  session.demo = demo;
  let output = '';
  demo.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    demo.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const found = /demo at (http:\/\/\S+)/.exec(output);
      if (found !== null) resolve(found[1]!);
    });
    demo.once('exit', (code) => reject(new Error(`the demo exited with ${code}:\n${output}`)));
  });
  session.env.TOLLGATE_URL = url;
  // A request alice (on call in the demo) may decide: a production restart, which production's default sends to the on-call group.
  const key = await runShell('npx tollgate keys create --db .tollgate/demo.db --agent ops-helper', session);
  const sent = await fetch(`${url}/v1/actions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key.stdout.trim()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ action_type: 'restart', environment: 'production', service: 'checkout', summary: 'restart checkout' }),
  });
  const body = (await sent.json()) as { decision: string; approval: { id: string } };
  expect(body.decision).toBe('REQUIRE_APPROVAL');
  session.approvalId = body.approval.id;
}

const sessions: Session[] = [];
afterAll(async () => {
  for (const session of sessions) {
    if (session.demo !== undefined && session.demo.exitCode === null) {
      session.demo.kill('SIGTERM');
      await once(session.demo, 'exit');
    }
  }
});

describe('the commands in README.md and docs/*.md', { timeout: 240_000 }, () => {
  it('finds them, and every adapted line is still in the docs', () => {
    const all = FILES.flatMap(tollgateLines);
    expect(all.length).toBeGreaterThan(20);
    for (const adapted of ADAPTED)
      expect(
        all.some(({ line }) => line.startsWith(adapted.starts)),
        adapted.starts,
      ).toBe(true);
  });

  it.each(FILES.filter((file) => tollgateLines(file).length > 0))('%s runs as written', async (file) => {
    const home = mkdtempSync(join(tmpdir(), 'tollgate-docs-'));
    symlinkSync(join(REPO, 'examples'), join(home, 'examples'));
    const session: Session = {
      cwd: home,
      env: {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: home,
        XDG_CONFIG_HOME: join(home, '.config'),
        URL: join(home, 'tollgate.db'),
      },
      printed: new Map(),
    };
    sessions.push(session);
    for (const { line } of tollgateLines(file)) {
      const adapted = ADAPTED.find((entry) => line.startsWith(entry.starts));
      if (adapted?.starts === 'npx tollgate demo') {
        await startDemo(session);
        continue;
      }
      const command = adapted === undefined ? line : await adapted.run(line, session);
      // An `export NAME=$(…)` line prints nothing itself: its value is printed after it, for the lines that follow.
      const exported = /^export (\w+)=/.exec(line)?.[1];
      const script = exported === undefined ? command : `${command}\nprintf %s "$${exported}"`;
      // `tollgate login` reads the password from standard input when it is not a terminal.
      const run = await runShell(script, session, line.includes('tollgate login') ? 'tollgate-demo\n' : '');
      const expected = EXIT_CODES[line.split('#')[0]!.trim()] ?? 0;
      expect(run.code, `${file}: ${command}\n${run.stdout}${run.stderr}`).toBe(expected);
      expect(run.stderr, `${file}: ${command}`).not.toMatch(/^\s+at /m);
      if (exported !== undefined) session.env[exported] = run.stdout;
      session.printed.set(line, run.stdout);
    }
  });
});
