// Reads a V8 .cpuprofile (node --cpu-prof) and tells where the time went: self time by function
// and by area (package, source file, Node.js internals), and inclusive time of Tollgate's code.
import { readFileSync } from 'node:fs';
import { formatTable } from '../../lib/table.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileSummary {
  total_ms: number;
  self: { name: string; ms: number; share: number }[];
  areas: { area: string; ms: number; share: number }[];
  inclusive: { name: string; ms: number; share: number }[];
}

/** Where a frame's code lives: a package, one of Tollgate's files, or a part of Node.js. */
function areaOf(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules !== null) return modules[1]!;
  const own = /packages\/(\w+)\/(?:dist|src)\/(.+?)\.[jt]s$/.exec(url);
  if (own !== null) return `${own[1]}/${own[2]}`;
  if (url.startsWith('node:')) return url.replace(/^node:(internal\/)?/, 'node:').replace(/\/.*$/, '');
  return url;
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url
    .replace(/^.*node_modules\//, '')
    .replace(/^.*packages\//, '')
    .replace(/^file:\/\//, '');
  return url === '' ? functionName || '(anonymous)' : `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

const top = <T extends { ms: number }>(entries: T[], n: number): T[] => entries.sort((a, b) => b.ms - a.ms).slice(0, n);

export function summariseProfile(file: string, count = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const idleUs = [...selfUs].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((sum, [, us]) => sum + us, 0);
  const totalUs = [...selfUs.values()].reduce((sum, us) => sum + us, 0) - idleUs;

  const self = new Map<string, number>();
  const areas = new Map<string, number>();
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    const name = frameName(node);
    self.set(name, (self.get(name) ?? 0) + us);
    const area = areaOf(node.callFrame.url, node.callFrame.functionName);
    areas.set(area, (areas.get(area) ?? 0) + us);
    // Inclusive time of Tollgate's own functions, each counted once per stack.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!;
      if (!/packages\/(server|core)\//.test(frame.callFrame.url)) continue;
      const key = frameName(frame);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  const entries = (map: Map<string, number>) => [...map].map(([name, us]) => ({ name, ms: us / 1000, share: us / totalUs }));
  return {
    total_ms: totalUs / 1000,
    self: top(entries(self), count),
    areas: top(
      entries(areas).map(({ name, ms, share }) => ({ area: name, ms, share })),
      count,
    ),
    inclusive: top(entries(inclusive), count),
  };
}

export function printProfile(summary: ProfileSummary): void {
  const pct = (share: number): string => `${(share * 100).toFixed(1)}%`;
  console.log(`\nprofile: ${(summary.total_ms / 1000).toFixed(1)} s on the server's main thread (idle excluded)`);
  console.log('\nself time by area');
  console.log(
    formatTable(
      ['area', 'share'],
      summary.areas.map((a) => [a.area, pct(a.share)]),
    ),
  );
  console.log('\nself time by function');
  console.log(
    formatTable(
      ['function', 'share'],
      summary.self.map((f) => [f.name, pct(f.share)]),
    ),
  );
  console.log("\ninclusive time of Tollgate's functions");
  console.log(
    formatTable(
      ['function', 'share'],
      summary.inclusive.map((f) => [f.name, pct(f.share)]),
    ),
  );
}
