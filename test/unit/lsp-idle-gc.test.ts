import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullGc, IdleCollector } from '../../server/src/idle-gc';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('after work that grew the heap by more than the threshold: one collection; not below it', () => {
  let heap = 100;
  let runs = 0;
  const c = new IdleCollector(() => ((runs++), (heap = 105)), () => heap, 1000, 40);
  heap = 130;
  c.afterWork();
  assert.equal(runs, 0, '30 < 40: no collection');
  heap = 150;
  c.afterWork();
  assert.equal(runs, 1);
  assert.equal(heap, 105);
  c.afterWork();
  assert.equal(runs, 1, 'measured from the heap after the last collection');
  c.dispose();
});

test('when idle: collects a smaller growth, never while requests keep coming', async () => {
  let heap = 12;
  let runs = 0;
  const c = new IdleCollector(() => ((runs++), (heap = 12)), () => heap, 30, 40);
  heap = 27; // over a quarter of the threshold, and over a fifth of the live heap
  for (let i = 0; i < 5; i++) {
    c.activity();
    await sleep(10);
  }
  assert.equal(runs, 0);
  await sleep(60);
  assert.equal(runs, 1);
  c.dispose();
});

test('a full collection is available without --expose-gc', () => {
  const gc = fullGc();
  assert.equal(typeof gc, 'function');
  gc!();
});

test('the threshold grows with the live heap (collecting a large heap costs more)', () => {
  let heap = 300;
  let runs = 0;
  const c = new IdleCollector(() => ((runs++), (heap = 300)), () => heap, 1000, 40);
  heap = 350; // 50 over: more than 40, less than a fifth of 300
  c.afterWork();
  assert.equal(runs, 0);
  heap = 361;
  c.afterWork();
  assert.equal(runs, 1);
  c.dispose();
});

test('while work keeps coming, collections take at most about a fifth of the time', () => {
  let now = 0;
  let heap = 100;
  let runs = 0;
  // each collection takes 10 ms of the fake clock
  const c = new IdleCollector(() => ((runs++), (heap = 100), (now += 10)), () => heap, 1000, 40, () => now);
  heap = 150;
  c.afterWork();
  assert.equal(runs, 1);
  heap = 150;
  now += 30; // 30 ms after a 10 ms collection: too soon
  c.afterWork();
  assert.equal(runs, 1);
  now += 15; // 45 ms after
  c.afterWork();
  assert.equal(runs, 2);
  c.dispose();
});
