// The long-poll loop on an injected clock: it polls in slices of at most 60 s until people
// decide or the budget is spent, and rides out a server that is briefly unreachable.

import { expect, it } from 'vitest';
import { TollgateRequestError, TollgateUnavailable } from '../src/errors.js';
import type { ActionView, ActionStatus } from '../src/types.js';
import { waitForVerdict, type Poll } from '../src/wait.js';

const view = (status: ActionStatus): ActionView => ({ id: 'act_1', status }) as ActionView;

/** A poll that takes as long as the server would hold it, on a clock the test controls. */
function scripted(answers: (ActionStatus | Error)[]) {
  const clock = { now: 0 };
  const asked: number[] = [];
  const poll: Poll = async (_id, seconds) => {
    asked.push(seconds);
    const answer = answers.shift() ?? 'pending';
    clock.now += answer === 'pending' ? seconds * 1000 : 10;
    if (answer instanceof Error) throw answer;
    return view(answer);
  };
  const sleep = async (ms: number): Promise<void> => void (clock.now += ms);
  return { poll, asked, now: () => clock.now, sleep };
}

it('polls in slices of at most 60 s until the budget is spent, then answers pending', async () => {
  const { poll, asked, now } = scripted([]);
  const result = await waitForVerdict(poll, view('pending'), { wait: 150, now });
  expect(result.status).toBe('pending');
  expect(asked).toEqual([60, 60, 30]);
});

it('returns as soon as people decide', async () => {
  const { poll, asked, now } = scripted(['pending', 'approved']);
  expect((await waitForVerdict(poll, view('pending'), { wait: 300, now })).status).toBe('approved');
  expect(asked).toEqual([60, 60]);
});

it('does not poll an action that is decided already, or with no budget', async () => {
  const { poll, asked, now } = scripted([]);
  expect((await waitForVerdict(poll, view('denied'), { wait: 300, now })).status).toBe('denied');
  expect((await waitForVerdict(poll, view('pending'), { wait: 0, now })).status).toBe('pending');
  expect(asked).toEqual([]);
});

it('retries while the server is unreachable, within the budget', async () => {
  const down = new TollgateUnavailable('http://tollgate', new Error('ECONNREFUSED'));
  const { poll, now, sleep } = scripted([down, down, 'approved']);
  expect((await waitForVerdict(poll, view('pending'), { wait: 30, now, sleep })).status).toBe('approved');
});

it('gives up with TollgateUnavailable when the budget ends while the server is down, and never retries a refusal', async () => {
  const down = new TollgateUnavailable('http://tollgate', new Error('ECONNREFUSED'));
  const unreachable = scripted([down, down, down, down, down]);
  await expect(waitForVerdict(unreachable.poll, view('pending'), { wait: 2, now: unreachable.now, sleep: unreachable.sleep })).rejects.toBe(
    down,
  );
  const refused = new TollgateRequestError(404, 'action.not_found', 'no action `act_1`');
  const gone = scripted([refused, 'approved']);
  await expect(waitForVerdict(gone.poll, view('pending'), { wait: 30, now: gone.now, sleep: gone.sleep })).rejects.toBe(refused);
});
