/**
 * Generates schemas/ from the upstream CRDs in ../shared/crds (or the folder given as the first argument).
 * Keeps facts only; upstream description prose is dropped. Run with `npm run gen:schemas`.
 * With `--check`, writes nothing and exits 1 when the committed files differ from what would be generated.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateSchemaFiles } from './schema-gen';

const args = process.argv.slice(2);
const check = args.includes('--check');
const crdDir = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(__dirname, '..', '..', 'shared', 'crds'));
const outDir = path.join(__dirname, '..', 'schemas');

if (!fs.existsSync(crdDir)) {
  console.error(`gen-schemas: no CRD folder at ${crdDir}`);
  process.exit(2);
}
const files = generateSchemaFiles(crdDir);
let stale = 0;
for (const [rel, text] of files) {
  const target = path.join(outDir, rel);
  const current = fs.existsSync(target) ? fs.readFileSync(target, 'utf8') : undefined;
  if (current === text) continue;
  stale++;
  if (check) console.error(`stale: schemas/${rel}`);
  else {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
  }
}
const kindsDir = path.join(outDir, 'kinds');
if (fs.existsSync(kindsDir)) {
  for (const f of fs.readdirSync(kindsDir)) {
    if (!files.has(`kinds/${f}`)) {
      stale++;
      if (check) console.error(`extra: schemas/kinds/${f}`);
      else fs.unlinkSync(path.join(kindsDir, f));
    }
  }
}
if (check) {
  console.log(stale === 0 ? 'schemas are current' : `${stale} schema file(s) are stale: run npm run gen:schemas`);
  process.exit(stale === 0 ? 0 : 1);
}
console.log(`wrote ${files.size} files (${stale} changed) from ${crdDir}`);
