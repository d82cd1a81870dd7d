import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DEFAULT_RESTART_POLICY, onConnectionError, RestartPolicy } from '../../client/src/restartPolicy';

/** A policy on a clock the test moves by hand. */
function policy(maxRestarts = 4, windowMs = 180_000): { p: RestartPolicy; advance: (ms: number) => void } {
  let now = 1_000_000;
  return { p: new RestartPolicy({ maxRestarts, windowMs }, () => now), advance: (ms) => (now += ms) };
}

test('the default policy is the language client default: 4 restarts within 3 minutes', () => {
  assert.deepEqual(DEFAULT_RESTART_POLICY, { maxRestarts: 4, windowMs: 180_000 });
});

test('N crashes within the window are restarted; the next one stops the restarts', () => {
  const { p, advance } = policy(4, 180_000);
  for (let i = 1; i <= 4; i++) {
    const d = p.crashed('Mesh YAML');
    assert.equal(d.restart, true, `crash ${i} is restarted`);
    assert.equal(d.recent, i);
    assert.match(d.message, /restarting it/);
    advance(10_000);
  }
  const last = p.crashed('Mesh YAML');
  assert.equal(last.restart, false);
  assert.equal(last.recent, 5);
  assert.match(last.message, /Mesh YAML language server stopped unexpectedly 5 times in the last 3 minutes/);
  assert.match(last.message, /will not be restarted/);
});

test('crashes spread over time keep being restarted', () => {
  const { p, advance } = policy(4, 180_000);
  for (let i = 0; i < 50; i++) {
    assert.equal(p.crashed('Mesh YAML').restart, true, `crash ${i + 1}, 1 minute after the previous one`);
    advance(60_000);
  }
});

test('the window slides: old crashes stop counting once they leave it', () => {
  const { p, advance } = policy(2, 1000);
  assert.equal(p.crashed('s').restart, true);
  advance(600);
  assert.equal(p.crashed('s').restart, true);
  advance(500); // the first crash is 1100 ms old: out of the window
  const d = p.crashed('s');
  assert.equal(d.restart, true);
  assert.equal(d.recent, 2);
  advance(100);
  assert.equal(p.crashed('s').restart, false, '3 crashes within 1000 ms');
});

test('reset (a restart by hand) forgets past crashes', () => {
  const { p } = policy(1, 60_000);
  assert.equal(p.crashed('s').restart, true);
  assert.equal(p.crashed('s').restart, false);
  p.reset();
  assert.equal(p.crashed('s').restart, true);
});

test('connection errors: carry on through the first three, then shut down', () => {
  assert.deepEqual([1, 2, 3, 4, 10].map(onConnectionError), ['continue', 'continue', 'continue', 'shutdown', 'shutdown']);
  assert.equal(onConnectionError(undefined), 'shutdown');
});
