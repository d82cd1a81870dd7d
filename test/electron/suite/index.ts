// Entry point of the extension-host suite (`extensionTestsPath`): VS Code
// calls run(); a rejection means failure. Results are also written as JSON to
// $MESH_API_RESULTS when set (the code-server runner reads them from there).
import { writeFileSync } from 'node:fs';
import './api.test';
import { runAll } from './harness';

export async function run(): Promise<void> {
  const results = await runAll('api: ', (line) => console.log(line));
  const failed = results.filter((r) => !r.ok).length;
  const file = process.env.MESH_API_RESULTS;
  if (file) writeFileSync(file, JSON.stringify({ results }, null, 2));
  console.log(`api: ${results.length - failed} passed, ${failed} failed`);
  if (failed) throw new Error(`${failed} extension-host test(s) failed`);
}
