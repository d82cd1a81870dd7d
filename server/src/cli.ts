import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import picomatch from 'picomatch';
import { parse as parseYaml } from 'yaml';
import { loadMeshService, runRoutesCommand } from './cli-routes';
import { MeshService, type FileDiagnostic } from './service';
import { DEFAULT_LIMITS } from './service/documents';
import type { Severity } from './service/model';
import { ALL_RULES } from './service/rules';
import { RULES_DOC_URL, ruleAnchor, SCHEMA_CHECKS } from './service/rules/catalogue';
import type { Rule } from './service/rules/types';
import { findSchemasDir, SchemaRegistry } from './service/schema/registry';
import { listYamlFiles } from './workspace-scan';

/** Files larger than this are not read (the language server's default meshYaml.maxFileSizeMB). */
const MAX_BYTES = DEFAULT_LIMITS.maxFileSize;

const USAGE = `Usage: mesh-lint [paths...] [--format text|json|sarif] [--crds PATH]... [--config FILE] [--quiet]
       mesh-lint simulate [paths...] --host HOST [options]     (mesh-lint simulate --help)
       mesh-lint test-routes FILE...                           (mesh-lint test-routes --help)

Checks Istio, Linkerd, Gateway API and SMI resources in YAML files and folders (recursing into .yaml/.yml).
With no path, checks the current folder. A quoted glob such as 'manifests/**/*.yaml' is expanded (among the
.yaml/.yml files under its folder). Files larger than ${MAX_BYTES / 1048576} MB are skipped. Files are never modified.

  --format text|json|sarif   output format (default text)
  --crds PATH                a CRD file or folder whose schemas replace the bundled ones (repeatable);
                             CRDs found among the checked files are used too
  --config FILE              analysis settings, JSON or YAML, with the keys of the editor's meshYaml.*
                             settings: rules, disabledRules, productionNamespaces, exclude, crdPaths,
                             celValidation, maxFileSizeMB, maxDocuments. Keys may be plain ("rules") or
                             prefixed ("meshYaml.rules"), so a .vscode/settings.json works as is (comments
                             allowed); other settings in it are ignored. exclude and crdPaths are relative
                             to the config file's folder (to the workspace folder for .vscode/settings.json).
                             Nothing is read unless this option is given.
  --quiet                    text format: print errors only
  -h, --help                 show this help
  -v, --version              show the version

Exit status: 0 no error, 1 errors found, 2 bad usage or unreadable input (a --config file that cannot be read
or used, a path that does not exist, a glob that matches nothing, a folder without YAML files, a file that cannot
be read or is too large); the files that could be read are still checked and reported.`;

interface Options {
  paths: string[];
  format: 'text' | 'json' | 'sarif';
  crds: string[];
  config?: string;
  quiet: boolean;
}

class UsageError extends Error {}

// ---------------------------------------------------------------------------------------------------------------
// --config

const SEVERITIES = ['off', 'error', 'warning', 'info', 'hint'] as const;
type RuleSetting = (typeof SEVERITIES)[number];

/** The meshYaml.* settings the analysis uses, as read from a --config file. */
export interface LintConfig {
  rules: Record<string, RuleSetting>;
  disabledRules: string[];
  productionNamespaces: string[];
  exclude: string[];
  crdPaths: string[];
  celValidation: boolean;
  maxFileSizeMB: number;
  maxDocuments: number;
  /** The folder exclude patterns and crdPaths are relative to. */
  base: string;
}

/** meshYaml.* settings that concern the editor or the cluster commands only: accepted and ignored. */
const EDITOR_ONLY_SETTINGS = new Set(['trace.server', 'kubeconfig', 'protectedContexts', 'fieldManager', 'requestTimeoutSeconds']);

class ConfigError extends Error {}

/** JSON with comments and trailing commas (VS Code's settings.json) to plain JSON; strings are left alone. */
export function stripJsonc(text: string): string {
  /** The index after whitespace and comments from i. */
  const skip = (i: number): number => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i])) i++;
      if (text.startsWith('//', i)) {
        while (i < text.length && text[i] !== '\n') i++;
      } else if (text.startsWith('/*', i)) {
        const end = text.indexOf('*/', i + 2);
        i = end < 0 ? text.length : end + 2;
      } else return i;
    }
  };
  let out = '';
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) {
      const next = skip(i);
      out += text.slice(i, next).includes('\n') ? '\n' : ' ';
      i = next;
    } else if (c === ',' && (text[skip(i + 1)] === '}' || text[skip(i + 1)] === ']')) {
      i++; // a trailing comma
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

function parseConfigText(file: string, text: string): unknown {
  const trimmed = text.replace(/^\uFEFF/, '');
  const looksJson = /\.jsonc?$/i.test(file) || /^\s*(\/\/|\/\*|\{)/.test(trimmed);
  if (looksJson) {
    try {
      return JSON.parse(stripJsonc(trimmed)) as unknown;
    } catch (e) {
      if (/\.jsonc?$/i.test(file)) throw new ConfigError(`not valid JSON: ${(e as Error).message}`);
    }
  }
  try {
    return parseYaml(trimmed, { maxAliasCount: 100 }) as unknown;
  } catch (e) {
    throw new ConfigError(`not valid YAML or JSON: ${(e as Error).message.split('\n')[0]}`);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Reads a --config file: the keys of the meshYaml.* settings, plain, nested under `meshYaml`, or prefixed
 * (`meshYaml.rules`, as in .vscode/settings.json, whose other keys are ignored). Throws ConfigError on anything
 * it cannot use, so that a typo does not silently check with the defaults.
 */
export function readConfig(file: string, text: string): LintConfig {
  const raw = parseConfigText(file, text);
  if (raw === null || raw === undefined) throw new ConfigError('the file is empty');
  if (!isPlainObject(raw)) throw new ConfigError('expected a mapping of settings (such as {"rules": {"IST0118": "off"}})');
  let settings: Record<string, unknown>;
  const prefixed = Object.keys(raw).filter((k) => k.startsWith('meshYaml.'));
  if (prefixed.length) settings = Object.fromEntries(prefixed.map((k) => [k.slice('meshYaml.'.length), raw[k]]));
  else if (isPlainObject(raw.meshYaml) && Object.keys(raw).length === 1) settings = raw.meshYaml;
  else settings = raw;
  const dir = path.dirname(path.resolve(file));
  const cfg: LintConfig = {
    rules: {},
    disabledRules: [],
    productionNamespaces: ['*prod*'],
    exclude: [],
    crdPaths: [],
    celValidation: true,
    maxFileSizeMB: MAX_BYTES / 1048576,
    maxDocuments: DEFAULT_LIMITS.maxDocuments,
    base: path.basename(dir) === '.vscode' ? path.dirname(dir) : dir,
  };
  const stringList = (key: string, v: unknown): string[] => {
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new ConfigError(`${key} must be a list of strings`);
    return v as string[];
  };
  for (const [key, v] of Object.entries(settings)) {
    switch (key) {
      case 'rules': {
        if (!isPlainObject(v)) throw new ConfigError('rules must map rule ids or codes to off, error, warning, info or hint');
        for (const [id, sev] of Object.entries(v)) {
          if (typeof sev !== 'string' || !(SEVERITIES as readonly string[]).includes(sev)) throw new ConfigError(`rules: "${id}" must be off, error, warning, info or hint, not ${JSON.stringify(sev)}`);
          cfg.rules[id] = sev as RuleSetting;
        }
        break;
      }
      case 'disabledRules':
      case 'productionNamespaces':
      case 'exclude':
      case 'crdPaths':
        cfg[key] = stringList(key, v);
        break;
      case 'celValidation':
        if (typeof v !== 'boolean') throw new ConfigError('celValidation must be true or false');
        cfg.celValidation = v;
        break;
      case 'maxFileSizeMB':
        if (typeof v !== 'number' || !(v >= 0.01)) throw new ConfigError('maxFileSizeMB must be a number of at least 0.01');
        cfg.maxFileSizeMB = v;
        break;
      case 'maxDocuments':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new ConfigError('maxDocuments must be a whole number of at least 1');
        cfg.maxDocuments = v;
        break;
      default:
        if (!EDITOR_ONLY_SETTINGS.has(key)) throw new ConfigError(`unknown setting "${key}" (known: rules, disabledRules, productionNamespaces, exclude, crdPaths, celValidation, maxFileSizeMB, maxDocuments)`);
    }
  }
  return cfg;
}

/** The severity settings the service uses, as the language server derives them from the same settings. */
function analysisRules(cfg: LintConfig): Record<string, RuleSetting> {
  const rules = { ...cfg.rules };
  for (const id of cfg.disabledRules) rules[id] = 'off';
  if (!cfg.celValidation) rules['schema/cel'] = 'off';
  return rules;
}

/** Is a file excluded by the config's exclude globs (relative to its base folder, as meshYaml.exclude is)? */
function excluded(cfg: LintConfig | undefined, file: string): boolean {
  if (!cfg?.exclude.length) return false;
  const rel = path.relative(cfg.base, path.resolve(file));
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return false;
  const posix = rel.split(path.sep).join('/');
  return cfg.exclude.some((g) => picomatch.isMatch(posix, g, { dot: true }) || picomatch.isMatch(posix, `${g.replace(/\/$/, '')}/**`, { dot: true }));
}

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
    else if (a === '--config' || a.startsWith('--config=')) {
      if (opts.config !== undefined) throw new UsageError('--config can be given once');
      opts.config = takeValue();
    }
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
async function expandGlob(pattern: string, problems: string[], maxBytes: number): Promise<string[]> {
  const posix = pattern.split(path.sep).join('/').replace(/^(\.\/)+/, '');
  const base = picomatch.scan(posix).base;
  const matches = picomatch(posix, { dot: false });
  const toPosix = (f: string): string => f.split(path.sep).join('/');
  const skipped: string[] = [];
  const onSkip = (f: string, why: string): void => {
    if (matches(toPosix(f))) skipped.push(`${f}: skipped: ${why}`);
  };
  const found = (await listYamlFiles(base || '.', 20000, { maxBytes, onSkip })).filter((f) => matches(toPosix(f)));
  problems.push(...skipped);
  if (!found.length && !skipped.length) problems.push(`no file matches ${pattern}`);
  return found;
}

/**
 * The files a path argument stands for: a file, the YAML files under a folder, or the matches of a glob.
 * What cannot be checked is added to `problems` (the other files are still checked).
 */
async function collect(p: string, problems: string[], maxBytes = MAX_BYTES): Promise<string[]> {
  let st: fs.Stats;
  try {
    st = await fs.promises.stat(p);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && isGlob(p)) return expandGlob(p, problems, maxBytes);
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
    const files = await listYamlFiles(p, 20000, { maxBytes, onSkip: (f, why) => problems.push(`${f}: skipped: ${why}`) });
    if (!files.length && problems.length === before) problems.push(`no .yaml or .yml files under ${p}`);
    return files;
  }
  // never open a FIFO, a socket or a device: reading it could block forever
  if (!st.isFile()) {
    problems.push(`${p}: not a regular file`);
    return [];
  }
  if (st.size > maxBytes) {
    problems.push(`${p}: skipped: the file is ${mb(st.size)}, over the ${mb(maxBytes)} size limit`);
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

/** Every rule by id, for the codes and docs of a finding. */
const RULES_BY_ID = new Map<string, Rule>(ALL_RULES.map((r) => [r.id, r]));

/** All IST/KIA codes of a finding: its rule's code and the other tools' codes for the same finding. */
function codesOf(d: FileDiagnostic): string[] {
  const r = RULES_BY_ID.get(d.rule);
  const codes = r ? [r.code, ...(r.alsoCodes ?? [])] : [d.code];
  return [...new Set(codes.filter((c): c is string => !!c))];
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
        codes: codesOf(d),
        message: d.message,
        resource: d.resource,
      })),
    },
    null,
    2,
  );
}

const SARIF_LEVEL = { error: 'error', warning: 'warning', info: 'note', hint: 'note' } as const;

/**
 * A file as a SARIF artifact location: relative to the current folder (`uriBaseId` SRCROOT), each segment
 * percent-encoded; a file outside it as an absolute file: URI.
 */
export function artifactLocation(file: string, root: string): { uri: string; uriBaseId?: string } {
  const abs = path.resolve(file);
  const rel = path.relative(root, abs);
  if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return { uri: pathToFileURL(abs).href };
  return { uri: rel.split(path.sep).map(encodeURIComponent).join('/'), uriBaseId: 'SRCROOT' };
}

function sarifRule(id: string): Record<string, unknown> {
  const rule = RULES_BY_ID.get(id);
  const check = rule ? undefined : SCHEMA_CHECKS.find((c) => c.id === id);
  const doc = rule?.doc ?? check?.doc;
  const severity: Severity | undefined = rule?.severity ?? check?.severity;
  const codes = rule ? [rule.code, ...(rule.alsoCodes ?? [])].filter((c): c is string => !!c) : [];
  return {
    id,
    name: id.replace(/[/-](\w)/g, (_m, c: string) => c.toUpperCase()),
    shortDescription: { text: doc?.summary ?? id },
    ...(doc ? { fullDescription: { text: `${doc.summary} ${doc.why}` }, help: { text: doc.fix, markdown: `${doc.fix}\n\n[${id} in docs/rules.md](${RULES_DOC_URL}#${ruleAnchor(id)})` } } : {}),
    ...(doc ? { helpUri: `${RULES_DOC_URL}#${ruleAnchor(id)}` } : {}),
    defaultConfiguration: { level: SARIF_LEVEL[severity ?? 'warning'] },
    ...(codes.length ? { properties: { codes } } : {}),
  };
}

function toSarif(results: Result[], version: string, root: string): string {
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
              rules: rules.map(sarifRule),
            },
          },
          originalUriBaseIds: { SRCROOT: { uri: pathToFileURL(root.endsWith(path.sep) ? root : root + path.sep).href } },
          results: results.map(({ file, diagnostic: d }) => {
            const codes = codesOf(d);
            return {
              ruleId: d.rule,
              ruleIndex: rules.indexOf(d.rule),
              level: SARIF_LEVEL[d.severity],
              message: { text: d.message },
              locations: [
                {
                  physicalLocation: {
                    artifactLocation: artifactLocation(file, root),
                    region: {
                      startLine: d.range.start.line + 1,
                      startColumn: d.range.start.character + 1,
                      endLine: d.range.end.line + 1,
                      endColumn: d.range.end.character + 1,
                    },
                  },
                },
              ],
              properties: d.code || codes.length ? { code: d.code ?? null, codes } : undefined,
            };
          }),
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
  let config: LintConfig | undefined;
  if (opts.config !== undefined) {
    try {
      config = readConfig(opts.config, await fs.promises.readFile(opts.config, 'utf8'));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      const why = e instanceof ConfigError ? e.message : code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not a file' : `cannot read (${code ?? String(e)})`;
      process.stderr.write(`mesh-lint: bad --config ${opts.config}: ${why}\n`);
      return 2;
    }
  }
  try {
    const service = new MeshService(new SchemaRegistry(findSchemasDir(__dirname)));
    const maxBytes = config ? Math.round(config.maxFileSizeMB * 1048576) : MAX_BYTES;
    if (config) {
      service.settings = { rules: analysisRules(config), productionNamespaces: config.productionNamespaces };
      service.limits = { ...service.limits, maxFileSize: maxBytes, maxDocuments: config.maxDocuments };
    }
    const problems: string[] = [];
    const crdPaths = [...(config?.crdPaths.map((c) => path.resolve(config.base, c)) ?? []), ...opts.crds];
    for (const c of crdPaths) {
      for (const f of await collect(c, problems, maxBytes)) {
        const text = await readText(f, problems);
        if (text !== undefined) service.updateCrds(pathToFileURL(path.resolve(f)).href, text);
      }
    }
    const files: string[] = [];
    for (const p of opts.paths) for (const f of await collect(p, problems, maxBytes)) if (!excluded(config, f)) files.push(f);
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
    const out = opts.format === 'json' ? toJson(results) : opts.format === 'sarif' ? toSarif(results, version, process.cwd()) : toText(results, texts.size, opts.quiet);
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
