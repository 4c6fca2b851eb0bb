// The simulated team of `tollgate demo`: approvers who decide over the real API at a human pace,
// each in their own way, so that the oversight page shows what the product exists to show: one
// approver who rubber-stamps (approves whatever reaches finance within seconds, even what was
// routed to a colleague), a gate nobody ever denies (bulk backfills are waved through, without a
// note), and careful people who take minutes, ask for changes and deny with a reason.

import type { ActionKind } from './simulated-agents.js';
import type { PersonClient } from './demo-client.js';
import type { Random, Simulation } from './simulation.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** How much later than their own requests people get to what their group's inbox routed to someone else. */
const COVER_LATER = 1.5;

export interface DemoPerson {
  name: string;
  role: 'approver' | 'auditor';
  /** Directory groups: the same as the starter policy's `groups:`, so that other policies can route to them too. */
  groups: string[];
  /** How long they take once a request reaches them, fastest and slowest (ms); absent: never decides. */
  takes?: [number, number];
  /** Chances that a decision is a denial, a request for changes, or an approval with a note. */
  denies?: number;
  asksChanges?: number;
  notes?: number;
  /** Decides whatever their groups get within seconds, not only what was routed to them. */
  grabs?: boolean;
  /** Decided in the recorded history only: in the live demo this seat is yours. */
  yours?: boolean;
  /** Reviews executed actions afterwards. */
  reviews?: boolean;
}

export const DEMO_PASSWORD = 'tollgate-demo';

export const DEMO_PEOPLE: DemoPerson[] = [
  {
    name: 'alice',
    role: 'approver',
    groups: ['oncall', 'tech-lead'],
    takes: [1 * MINUTE, 8 * MINUTE],
    denies: 0.1,
    asksChanges: 0.08,
    notes: 0.4,
    yours: true,
  },
  {
    name: 'bob',
    role: 'approver',
    groups: ['oncall', 'senior-engineer', 'data-owners'],
    takes: [40 * SECOND, 5 * MINUTE],
    denies: 0.12,
    asksChanges: 0.06,
    notes: 0.3,
    reviews: true,
  },
  { name: 'carol', role: 'auditor', groups: [] },
  {
    name: 'dana',
    role: 'approver',
    groups: ['security-team'],
    takes: [2 * MINUTE, 12 * MINUTE],
    denies: 0.15,
    asksChanges: 0.1,
    notes: 0.5,
  },
  {
    name: 'erin',
    role: 'approver',
    groups: ['security-team', 'senior-engineer'],
    takes: [45 * SECOND, 6 * MINUTE],
    denies: 0.08,
    asksChanges: 0.05,
    notes: 0.3,
  },
  // The rubber stamp: every payment over $10k approved within seconds, before anyone else looks.
  { name: 'frank', role: 'approver', groups: ['finance'], takes: [1500, 6 * SECOND], grabs: true },
  {
    name: 'grace',
    role: 'approver',
    groups: ['finance'],
    takes: [90 * SECOND, 10 * MINUTE],
    denies: 0.2,
    asksChanges: 0.1,
    notes: 0.5,
  },
  {
    name: 'henry',
    role: 'approver',
    groups: ['data-owners'],
    takes: [30 * SECOND, 4 * MINUTE],
    denies: 0.1,
    asksChanges: 0.05,
    notes: 0.3,
    reviews: true,
  },
];

/** Kinds of request everyone waves through, so that their gate is one nobody ever denies. */
const WAVED: ReadonlySet<ActionKind> = new Set(['backfill']);

const DENIALS: Partial<Record<ActionKind, string[]>> = {
  deploy: [
    'no rollback version in the release notes',
    'the canary error rate is still above 1%',
    'deploy freeze until the incident review on Thursday',
  ],
  payment: ['the invoice total is $2,400 less than this payment', 'the payee changed bank details last week: calling them first'],
  scale: ['traffic is back to normal; 12 replicas would double the bill'],
  delete: ['the billing export still reads this table'],
};
const CHANGES: Partial<Record<ActionKind, string[]>> = {
  deploy: ['split the schema migration into its own deploy', 'link the ticket in the summary'],
  payment: ['pay the invoice total, not the quote'],
  scale: ['scale to 8 first and watch the latency'],
  delete: ['rename the table first and delete it next week'],
};
const NOTES: Partial<Record<ActionKind, string[]>> = {
  deploy: ['checked the canary dashboard', 'release notes read; rollback named', 'no migrations in this one'],
  payment: ['matches the invoice in the ledger', 'payee verified by phone'],
  scale: ['latency alert confirmed on the dashboard'],
  delete: ['backup from this morning exists'],
};
const OTHERWISE = {
  deny: ['not enough context to tell what this changes'],
  changes: ['say what this changes and why'],
  note: ['looks right'],
};

interface PendingStep {
  id: string;
  type: 'approval' | 'worker';
  status: string;
  approvers?: string[];
  assignees?: string[];
}
interface PendingApproval {
  id: string;
  action_id: string;
  requested_by: string;
  votes: { user_id: string }[];
  steps: PendingStep[];
}

export interface Seat {
  person: DemoPerson;
  client: PersonClient;
}

/**
 * The team at work: it looks at the waiting requests when told something arrived and every little
 * while, and each person who may decide a stage plans a vote after their own time to decide (later
 * for what was routed to a colleague); the first vote that closes the stage wins, the rest are refused.
 */
export class SimulatedPeople {
  readonly #planned = new Set<string>();
  #looking = false;
  #lookAgain = false;
  #ids = new Map<string, string>();

  constructor(
    private readonly simulation: Simulation,
    private readonly random: Random,
    private readonly seats: Seat[],
    private readonly kindOf: (actionId: string) => ActionKind | undefined,
    private readonly lookEvery: () => number,
    private readonly onVoted: () => void,
  ) {}

  #chain = 0;

  async start(): Promise<void> {
    for (const seat of this.seats) this.#ids.set(seat.person.name, await seat.client.id());
    this.restart();
  }

  /** Looks every little while from now on, at the present pace. */
  restart(): void {
    const chain = ++this.#chain;
    if (this.seats.length === 0) return;
    this.simulation.after(this.lookEvery(), () => this.#periodic(chain));
  }

  /** Something may be waiting: the team looks in a second. */
  notice(): void {
    if (this.seats.length === 0) return;
    if (this.#looking) {
      this.#lookAgain = true;
      return;
    }
    this.simulation.after(SECOND, () => this.look());
  }

  /** An action that ran, for a reviewer to look at afterwards (REVIEW decisions). */
  toReview(actionId: string): void {
    const reviewers = this.seats.filter((seat) => seat.person.reviews === true);
    if (reviewers.length === 0) return;
    const seat = this.random.pick(reviewers);
    this.simulation.after(this.random.between(10 * MINUTE, 3 * 60 * MINUTE), async () => {
      const flag = this.random.chance(0.07);
      const verdict = flag ? { verdict: 'flag', note: 'it also changed rows outside the ticket’s filter' } : { verdict: 'ok' };
      await seat.client.call('POST', `/v1/actions/${actionId}/review`, verdict);
    });
  }

  async #periodic(chain: number): Promise<void> {
    if (chain !== this.#chain) return;
    this.simulation.after(this.lookEvery(), () => this.#periodic(chain));
    await this.look();
  }

  async look(): Promise<void> {
    const lister = this.seats[0];
    if (lister === undefined) return;
    this.#looking = true;
    try {
      const reply = await lister.client.call<{ approvals: PendingApproval[] }>('GET', '/v1/approvals?status=pending&limit=1000');
      if (reply.status !== 200) throw new Error(`the team cannot read the waiting requests: ${JSON.stringify(reply.body)}`);
      for (const approval of reply.body.approvals) this.#plan(approval);
    } finally {
      this.#looking = false;
    }
    if (this.#lookAgain) {
      this.#lookAgain = false;
      this.notice();
    }
  }

  #plan(approval: PendingApproval): void {
    const voted = new Set(approval.votes.map((vote) => vote.user_id));
    for (const step of approval.steps) {
      if (step.type !== 'approval' || step.status !== 'active') continue;
      for (const seat of this.seats) {
        const { person } = seat;
        const id = this.#ids.get(person.name)!;
        if (person.takes === undefined || voted.has(id) || approval.requested_by === person.name) continue;
        const approvers = step.approvers ?? [];
        if (!approvers.some((name) => name === person.name || person.groups.includes(name))) continue;
        const key = `${approval.id}:${step.id}:${person.name}`;
        if (this.#planned.has(key)) continue;
        this.#planned.add(key);
        // What was routed to a colleague is picked up later, if it is still waiting by then.
        const mine = (step.assignees ?? []).includes(id) || person.grabs === true;
        const takes = this.random.between(...person.takes) * (mine ? 1 : COVER_LATER);
        const kind = this.kindOf(approval.action_id);
        this.simulation.after(takes, () => this.#vote(seat, approval.id, step.id, kind));
      }
    }
  }

  async #vote(seat: Seat, approvalId: string, step: string, kind: ActionKind | undefined): Promise<void> {
    // The live demo leaves this seat to whoever signs in as its person.
    if (seat.person.yours === true && this.simulation.live) return;
    const reply = await seat.client.call('POST', `/v1/approvals/${approvalId}/votes`, { step, ...this.#verdict(seat.person, kind) });
    // A stage someone else closed first, or one the person may no longer decide, is simply left.
    if (reply.status === 201) this.onVoted();
  }

  #verdict(person: DemoPerson, kind: ActionKind | undefined): { verdict: string; note?: string } {
    if (kind !== undefined && WAVED.has(kind)) return { verdict: 'approve' };
    const roll = this.random.next();
    const denies = person.denies ?? 0;
    const changes = person.asksChanges ?? 0;
    const say = (lists: Partial<Record<ActionKind, string[]>>, otherwise: string[]): string =>
      this.random.pick((kind === undefined ? undefined : lists[kind]) ?? otherwise);
    if (roll < denies) return { verdict: 'deny', note: say(DENIALS, OTHERWISE.deny) };
    if (roll < denies + changes) return { verdict: 'request_changes', note: say(CHANGES, OTHERWISE.changes) };
    if (this.random.chance(person.notes ?? 0)) return { verdict: 'approve', note: say(NOTES, OTHERWISE.note) };
    return { verdict: 'approve' };
  }
}
