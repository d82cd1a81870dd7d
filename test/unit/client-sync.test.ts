import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { FILE_CHANGED, FILE_CREATED, FILE_DELETED, forwardFileEvent, SYNCED_SECTIONS, WATCH_GLOB } from '../../client/src/sync';
import { ROOT } from './helpers';

test('the client forwards changes of meshYaml.* and of files.exclude', () => {
  assert.deepEqual(SYNCED_SECTIONS, ['meshYaml', 'files.exclude']);
});

test('the file watcher sees folders too (a folder delete is one event for the folder)', () => {
  assert.equal(WATCH_GLOB, '**/*');
});

test('YAML files: every event is forwarded', () => {
  for (const type of [FILE_CREATED, FILE_CHANGED, FILE_DELETED]) {
    assert.equal(forwardFileEvent('k8s/vs.yaml', type), true);
    assert.equal(forwardFileEvent('VS.YML', type), true);
  }
});

test('other paths: creates and deletes are forwarded (they may be folders), changes are not', () => {
  assert.equal(forwardFileEvent('k8s/istio', FILE_DELETED), true);
  assert.equal(forwardFileEvent('k8s/istio', FILE_CREATED), true);
  assert.equal(forwardFileEvent('k8s/istio', FILE_CHANGED), false);
  assert.equal(forwardFileEvent('README.md', FILE_CHANGED), false);
});

test('nothing inside folders the index skips', () => {
  assert.equal(forwardFileEvent('node_modules/pkg/x.yaml', FILE_CHANGED), false);
  assert.equal(forwardFileEvent('a/.git/HEAD', FILE_CREATED), false);
  assert.equal(forwardFileEvent('out/build', FILE_DELETED), false);
  assert.equal(forwardFileEvent('node_modules', FILE_DELETED), false);
  assert.equal(forwardFileEvent('.github/workflows/ci.yaml', FILE_CHANGED), false);
});

test('lsp.ts uses these (the activation bundle does not: it loads lsp.ts after activate returns)', () => {
  const lsp = fs.readFileSync(path.join(ROOT, 'client', 'src', 'lsp.ts'), 'utf8');
  assert.match(lsp, /configurationSection: SYNCED_SECTIONS/);
  assert.match(lsp, /createFileSystemWatcher\(WATCH_GLOB\)/);
  assert.match(lsp, /forwardFileEvent\(/);
  assert.match(lsp, /errorHandler: errorHandler\(/);
  const ext = fs.readFileSync(path.join(ROOT, 'client', 'src', 'extension.ts'), 'utf8');
  assert.doesNotMatch(ext, /^import (?!type )[^;]*from '\.\/(lsp|restartPolicy|sync)'/m, 'extension.ts imports only types from the client modules');
});
