import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import picomatch from 'picomatch';
import { loadMeshService, runRoutesCommand } from './cli-routes';
import { MeshService, type FileDiagnostic } from './service';
import { DEFAULT_LIMITS } from './service/documents';
import { findSchemasDir, SchemaRegistry } from './service/schema/registry';
import { listYamlFiles } from './workspace-scan';

/** Files larger than this are not read (the language server's default meshYaml.maxFileSizeMB). */
const MAX_BYTES = DEFAULT_LIMITS.maxFileSize;

const USAGE = `Usage: mesh-lint [paths...] [--format text|json|sarif] [--crds PATH]... [--quiet]
       mesh-lint simulate [paths...] --host HOST [options]     (mesh-lint simulate --help)
       mesh-lint test-routes FILE...                           (mesh-lint test-routes --help)

Checks Istio, Linkerd, Gateway API and SMI resources in YAML files and folders (recursing into .yaml/.yml).
With no path, checks the current folder. A quoted glob such as 'manifests/**/*.yaml' is expanded (among the
.yaml/.yml files under its folder). Files larger than ${MAX_BYTES / 1048576} MB are skipped. Files are never modified.

  --format text|json|sarif   output format (default text)
  --crds PATH                a CRD file or folder whose schemas replace the bundled ones (repeatable);
                             CRDs found among the checked files are used too
  --quiet                    text format: print errors only
  -h, --help                 show this help
  -v, --version              show the version

Exit status: 0 no error, 1 errors found, 2 bad usage or unreadable input (a path that does not exist, a glob
that matches nothing, a folder without YAML files, a file that cannot be read or is too large); the files that
could be read are still checked and reported.`;

interface Options {
  paths: string[];
  format: 'text' | 'json' | 'sarif';
  crds: string[];
  quiet: boolean;
}

class UsageError extends Error {}

function parseArgs(argv: string[]): Options | 'help' | 'version' {
  const opts: Options = { paths: [], format: 'text', crds: [], quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const takeValue = (): string => {
      const eq = a.indexOf('=');
      if (eq >= 0) return a.slice(eq + 1);
      const v = argv[++i];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      return v;
    };
    if (a === '-h' || a === '--help') return 'help';
    if (a === '-v' || a === '--version') return 'version';
    if (a === '--format' || a.startsWith('--format=')) {
      const f = takeValue();
      if (f !== 'text' && f !== 'json' && f !== 'sarif') throw new UsageError(`unknown format "${f}" (use text, json or sarif)`);
      opts.format = f;
    } else if (a === '--crds' || a.startsWith('--crds=')) opts.crds.push(takeValue());
    else if (a === '--quiet' || a === '-q') opts.quiet = true;
    else if (a.startsWith('-') && a !== '-') throw new UsageError(`unknown option ${a}`);
    else opts.paths.push(a);
  }
  if (!opts.paths.length) opts.paths.push('.');
  return opts;
}

function mb(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

/** Is this path argument a glob (that the shell did not expand, because it was quoted)? */
function isGlob(p: string): boolean {
  return picomatch.scan(p).isGlob;
}

/** The YAML files a glob matches, among the .yaml/.yml files under its folder. */
async function expandGlob(pattern: string, problems: string[]): Promise<string[]> {
  const posix = pattern.split(path.sep).join('/').replace(/^(\.\/)+/, '');
  const base = picomatch.scan(posix).base;
  const matches = picomatch(posix, { dot: false });
  const toPosix = (f: string): string => f.split(path.sep).join('/');
  const skipped: string[] = [];
  const onSkip = (f: string, why: string): void => {
    if (matches(toPosix(f))) skipped.push(`${f}: skipped: ${why}`);
  };
  const found = (await listYamlFiles(base || '.', 20000, { maxBytes: MAX_BYTES, onSkip })).filter((f) => matches(toPosix(f)));
  problems.push(...skipped);
  if (!found.length && !skipped.length) problems.push(`no file matches ${pattern}`);
  return found;
}

/**
 * The files a path argument stands for: a file, the YAML files under a folder, or the matches of a glob.
 * What cannot be checked is added to `problems` (the other files are still checked).
 */
async function collect(p: string, problems: string[]): Promise<string[]> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && isGlob(p)) return expandGlob(p, problems);
    let reason = code === 'ENOENT' ? 'no such file or folder' : code === 'EACCES' ? 'permission denied' : code === 'ELOOP' ? 'symbolic link loop' : `cannot read (${code ?? String(e)})`;
    if (code === 'ENOENT') {
      try {
        if ((await fs.promises.lstat(p)).isSymbolicLink()) reason = 'broken symbolic link';
      } catch {
        // it does not exist at all
      }
    }
    problems.push(`${p}: ${reason}`);
    return [];
  }
  if (st.isDirectory()) {
    const before = problems.length;
    const files = await listYamlFiles(p, 20000, { maxBytes: MAX_BYTES, onSkip: (f, why) => problems.push(`${f}: skipped: ${why}`) });
    if (!files.length && problems.length === before) problems.push(`no .yaml or .yml files under ${p}`);
    return files;
  }
  // never open a FIFO, a socket or a device: reading it could block forever
  if (!st.isFile()) {
    problems.push(`${p}: not a regular file`);
    return [];
  }
  if (st.size > MAX_BYTES) {
    problems.push(`${p}: skipped: the file is ${mb(st.size)}, over the ${mb(MAX_BYTES)} size limit`);
    return [];
  }
  return [p];
}

/** Reads a file, or adds why it cannot be read to `problems`. */
async function readText(file: string, problems: string[]): Promise<string | undefined> {
  try {
    return await fs.promises.readFile(file, 'utf8');
  } catch (e) {
    problems.push(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
    return undefined;
  }
}

/** Drops files already listed under another path (a symbolic link, `./a.yaml` and `a.yaml`...): each file once. */
async function uniqueFiles(files: string[]): Promise<string[]> {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const f of files) {
    let real = path.resolve(f);
    try {
      real = await fs.promises.realpath(f);
    } catch {
      // keep the resolved path
    }
    if (seen.has(real)) continue;
    seen.add(real);
    out.push(f);
  }
  return out;
}

interface Result {
  file: string;
  diagnostic: FileDiagnostic;
}

function toJson(results: Result[]): string {
  return JSON.stringify(
    {
      diagnostics: results.map(({ file, diagnostic: d }) => ({
        file,
        range: d.range,
        severity: d.severity,
        rule: d.rule,
        code: d.code ?? null,
        message: d.message,
        resource: d.resource,
      })),
    },
    null,
    2,
  );
}

const SARIF_LEVEL = { error: 'error', warning: 'warning', info: 'note', hint: 'note' } as const;

function toSarif(results: Result[], version: string): string {
  const rules = [...new Set(results.map((r) => r.diagnostic.rule))].sort();
  return JSON.stringify(
    {
      $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
      version: '2.1.0',
      runs: [
        {
          tool: {
            driver: {
              name: 'mesh-lint',
              version,
              informationUri: 'https://github.com/mesh-yaml/mesh-yaml',
              rules: rules.map((id) => ({ id, name: id.replace(/[/-](\w)/g, (_m, c: string) => c.toUpperCase()), shortDescription: { text: id } })),
            },
          },
          results: results.map(({ file, diagnostic: d }) => ({
            ruleId: d.rule,
            ruleIndex: rules.indexOf(d.rule),
            level: SARIF_LEVEL[d.severity],
            message: { text: d.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: file.split(path.sep).join('/') },
                  region: {
                    startLine: d.range.start.line + 1,
                    startColumn: d.range.start.character + 1,
                    endLine: d.range.end.line + 1,
                    endColumn: d.range.end.character + 1,
                  },
                },
              },
            ],
            properties: d.code ? { code: d.code } : undefined,
          })),
        },
      ],
    },
    null,
    2,
  );
}

function toText(results: Result[], files: number, quiet: boolean): string {
  const lines: string[] = [];
  for (const { file, diagnostic: d } of results) {
    if (quiet && d.severity !== 'error') continue;
    const code = d.code ? ` ${d.code}` : '';
    lines.push(`${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity} [${d.rule}${code}] ${d.message}`);
  }
  const count = (s: string): number => results.filter((r) => r.diagnostic.severity === s).length;
  lines.push(`${count('error')} error(s), ${count('warning')} warning(s), ${count('info') + count('hint')} note(s) in ${files} file(s)`);
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'simulate' || argv[0] === 'test-routes') return runRoutesCommand(argv[0], argv.slice(1), (paths) => loadMeshService(paths));
  let opts: ReturnType<typeof parseArgs>;
  const version = '0.1.0';
  try {
    opts = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`mesh-lint: ${(e as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (opts === 'help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  if (opts === 'version') {
    process.stdout.write(version + '\n');
    return 0;
  }
  try {
    const service = new MeshService(new SchemaRegistry(findSchemasDir(__dirname)));
    const problems: string[] = [];
    for (const c of opts.crds) {
      for (const f of await collect(c, problems)) {
        const text = await readText(f, problems);
        if (text !== undefined) service.updateCrds(pathToFileURL(path.resolve(f)).href, text);
      }
    }
    const files: string[] = [];
    for (const p of opts.paths) for (const f of await collect(p, problems)) files.push(f);
    const texts = new Map<string, string>();
    for (const f of await uniqueFiles(files)) {
      const text = await readText(f, problems);
      if (text !== undefined) texts.set(f, text);
    }
    for (const problem of problems) process.stderr.write(`mesh-lint: ${problem}\n`);
    if (!texts.size && problems.length) return 2;
    for (const [f, text] of texts) service.setFile(pathToFileURL(path.resolve(f)).href, text);
    const results: Result[] = [];
    for (const f of texts.keys()) {
      for (const d of service.diagnostics(pathToFileURL(path.resolve(f)).href)) results.push({ file: f, diagnostic: d });
    }
    const out = opts.format === 'json' ? toJson(results) : opts.format === 'sarif' ? toSarif(results, version) : toText(results, texts.size, opts.quiet);
    process.stdout.write(out + '\n');
    if (problems.length) return 2;
    return results.some((r) => r.diagnostic.severity === 'error') ? 1 : 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`mesh-lint: ${e.message}\n`);
      return 2;
    }
    process.stderr.write(`mesh-lint: internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 2;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`mesh-lint: ${String(e)}\n`);
      process.exitCode = 2;
    },
  );
}
