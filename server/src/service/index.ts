import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { TemplateLibrary } from './snippets';
import { DEFAULT_LIMITS, SegmentedFile, shiftRange, type FileLimits, type ParsedSegment, type TextChange, type UpdateResult } from './documents';
import { complete, type CompletionEntry } from './features/completion';
import { resourceRef, segmentDiagnostics, type FileDiagnostic } from './features/diagnostics';
import { hover, type HoverResult } from './features/hover';
import { folding, outline, type Fold, type OutlineSymbol } from './features/outline';
import { locate } from './features/locate';
import { definition, references, type NavLocation } from './features/references';
import { routeLenses, type RouteLens } from './features/codelens';
import { routeGraphFor, routeQueryFor, simulateFor } from './features/routes';
import type { RouteGraphParams, RouteGraphResponse, SimulateParams, SimulateResponse } from '../protocol';
import { offsetAt } from './text';
import type { PathSeg } from './model';
import { SchemaRegistry, splitApiVersion } from './schema/registry';
import type { Fix } from './model';
import { runRules, kindsIndex, newFileRuleCache, type FileRuleCache, type RuleErrorLogger } from './rules/engine';
import { ALL_RULES } from './rules';
import { DEFAULT_ANALYSIS_SETTINGS, type AnalysisSettings, type Rule } from './rules/types';
import { buildIndex, resourceOf, resourceOrd, type Resource, type ResourceChange, type WorkspaceIndex } from './workspace';
import type { Pos, Rng } from './text';

export { SchemaRegistry, SegmentedFile };
export type { TextChange };
export type { CompletionEntry, FileDiagnostic, HoverResult, OutlineSymbol, Fold, Fix, NavLocation, RouteLens };

const CRD_HINT = /^kind:\s*CustomResourceDefinition\s*$/m;

/** What the service keeps per file besides its text: resources, and caches of the last diagnostics. */
interface FileState {
  /** The file version these were computed for. */
  version: number;
  /** The resource of each document (undefined for documents that are none), aligned with the file's segments. */
  segRes: Array<Resource | undefined>;
  list: Resource[];
  rules: FileRuleCache;
  /** Schema diagnostics of each document in file positions, with what they were computed from. */
  schema: Array<{ parsed: ParsedSegment; startLine: number; generation: number; diags: FileDiagnostic[] } | undefined>;
  /** The last result of diagnostics(), reused while nothing it was made from changed. */
  result?: { key: string; rules: FileDiagnostic[]; value: FileDiagnostic[] };
}

/**
 * The pure core: files in, LSP-shaped results out. No I/O besides reading bundled schema files lazily,
 * no connection. The language server and the CLI both drive this.
 */
export class MeshService {
  private readonly files = new Map<string, SegmentedFile>();
  private readonly states = new Map<string, FileState>();
  private indexCache?: WorkspaceIndex;
  /** The index must be built again (a file was added or removed, or documents were added or removed). */
  private indexStale = true;
  /** Changes not yet applied to the index (see WorkspaceIndex.apply). */
  private pending: ResourceChange[] = [];
  private readonly rulesByKind: Map<string, Rule[]>;
  settings: AnalysisSettings = { ...DEFAULT_ANALYSIS_SETTINGS };
  /** Merge a practice finding into an istioctl/Kiali finding at the same spot (off in rule tests). */
  dedupeFindings = true;
  onRuleError?: RuleErrorLogger;

  /** Whole-document templates offered in empty documents (the project's snippets). */
  readonly templates: TemplateLibrary;

  /** `group/Kind` -> CEL messages that a rule on that kind reports itself (see Rule.coversCel). */
  private readonly celCovered = new Map<string, Set<string>>();

  constructor(
    readonly registry: SchemaRegistry,
    readonly rules: Rule[] = ALL_RULES,
  ) {
    this.rulesByKind = kindsIndex(rules);
    for (const r of rules) {
      if (!r.coversCel?.length) continue;
      for (const k of r.kinds) {
        let set = this.celCovered.get(k);
        if (!set) this.celCovered.set(k, (set = new Set()));
        for (const m of r.coversCel) set.add(m);
      }
    }
    this.templates = new TemplateLibrary(path.join(path.dirname(registry.dir), 'snippets'));
  }

  /**
   * The workspace index. An edit that replaces documents in place is applied to it (its cost follows the edit);
   * adding or removing files or documents builds it again.
   */
  index(): WorkspaceIndex {
    if (!this.indexCache || this.indexStale) {
      this.indexCache = buildIndex(this.files);
      this.indexStale = false;
      this.pending = [];
    } else if (this.pending.length) {
      const changes = this.pending;
      this.pending = [];
      this.indexCache.apply(changes);
    }
    return this.indexCache;
  }

  private stateOf(uri: string, f: SegmentedFile): FileState {
    let st = this.states.get(uri);
    if (!st) {
      st = { version: -1, segRes: [], list: [], rules: newFileRuleCache(), schema: [] };
      this.states.set(uri, st);
    }
    if (st.version !== f.version) {
      st.segRes = f.segments.map((s) => resourceOf(uri, s.parsed, s.startLine));
      st.list = st.segRes.filter((r): r is Resource => !!r);
      st.version = f.version;
    }
    return st;
  }

  /** After an update of a known file: the new resources, and the changes for the index (or a rebuild). */
  private trackUpdate(uri: string, f: SegmentedFile, st: FileState, r: UpdateResult): void {
    const w = r.window;
    if (r.full || !w || this.indexStale || !this.indexCache) {
      this.indexStale = true;
      return; // stateOf computes the resources again
    }
    const prev = st.segRes;
    const fresh: Array<Resource | undefined> = [];
    for (let i = w.start; i < w.start + w.added; i++) fresh.push(resourceOf(uri, f.segments[i].parsed, f.segments[i].startLine));
    const olds = prev.slice(w.start, w.start + w.removed);
    const tailStart = w.start + w.added;
    let tail: Array<Resource | undefined> | undefined;
    if (!w.lineDelta && w.removed === w.added && olds.every((o, i) => !o === !fresh[i])) {
      // documents replaced in place, nothing moved (a typical keystroke): the same arrays, a few items replaced
      // (every user of them reads them synchronously)
      for (let i = 0; i < olds.length; i++) {
        const o = olds[i];
        if (o && fresh[i]) st.list[st.list.indexOf(o)] = fresh[i]!;
        prev[w.start + i] = fresh[i];
      }
    } else {
      tail = w.lineDelta ? f.segments.slice(tailStart).map((s) => resourceOf(uri, s.parsed, s.startLine)) : undefined;
      // (index loops: this runs on every edit, over every document of the file)
      const segRes = new Array<Resource | undefined>(f.segments.length);
      for (let i = 0; i < w.start; i++) segRes[i] = prev[i];
      for (let i = 0; i < fresh.length; i++) segRes[w.start + i] = fresh[i];
      for (let i = tailStart, j = w.start + w.removed; i < segRes.length; i++, j++) segRes[i] = tail ? tail[i - tailStart] : prev[j];
      const list: Resource[] = [];
      for (let i = 0; i < segRes.length; i++) if (segRes[i]) list.push(segRes[i]!);
      st.segRes = segRes;
      st.list = list;
    }
    st.version = f.version;
    if (w.removed !== w.added) {
      this.indexStale = true; // documents were added or removed: the order of the later ones changed
      return;
    }
    let fi = 0;
    for (const u of this.files.keys()) {
      if (u === uri) break;
      fi++;
    }
    const note = (old: Resource | undefined, neu: Resource | undefined, seg: number): void => {
      if (old !== neu) this.pending.push({ old, neu, ord: resourceOrd(fi, seg) });
    };
    for (let i = 0; i < w.added; i++) note(olds[i], fresh[i], w.start + i);
    if (tail) for (let j = 0; j < tail.length; j++) note(prev[tailStart + j], tail[j], tailStart + j);
  }

  /** Resources of one file. */
  resources(uri: string): Resource[] {
    const f = this.files.get(uri);
    return f ? this.stateOf(uri, f).list : [];
  }

  /** Opens or updates a file; returns true when the set of CRD schemas changed (every file must be re-checked). */
  /** Size limits beyond which a file is analysed in part only (see SegmentedFile.reduced). */
  limits: FileLimits = { ...DEFAULT_LIMITS };

  setFile(uri: string, text: string): boolean {
    const f = this.files.get(uri);
    if (f) return this.afterUpdate(uri, f, this.stateOf(uri, f), f.update(text, this.limits));
    this.indexStale = true;
    this.files.set(uri, new SegmentedFile(text, this.limits));
    return this.updateCrds(uri, text);
  }

  /**
   * Applies an editor's changes (LSP incremental sync: ranges of the text as each previous change left it) to an
   * open file; a range edit costs what the edited documents cost, whatever the file's size (see SegmentedFile.edit).
   * Returns true when the set of CRD schemas changed. The file must be known (setFile first).
   */
  editFile(uri: string, changes: readonly TextChange[]): boolean {
    const f = this.files.get(uri);
    if (!f) throw new Error(`editFile: ${uri} is not open`);
    let crds = false;
    for (const c of changes) crds = this.afterUpdate(uri, f, this.stateOf(uri, f), f.edit(c, this.limits)) || crds;
    return crds;
  }

  /** After an update of a known file: the resources and the index follow; true when the CRD schemas changed. */
  private afterUpdate(uri: string, f: SegmentedFile, st: FileState, r: UpdateResult): boolean {
    if (!r.full && !r.changed.length) return false; // same text
    this.trackUpdate(uri, f, st, r);
    // only the re-split documents can add a CRD; a file that provided CRDs is read again whole
    if (!r.full && !this.registry.overrideSources().includes(uri) && !r.changed.some((i) => CRD_HINT.test(f.segments[i].parsed.text))) return false;
    return this.updateCrds(uri, f.text);
  }

  /** Forgets a file; returns true when it provided CRD schemas. */
  removeFile(uri: string): boolean {
    this.indexStale = true;
    this.files.delete(uri);
    this.states.delete(uri);
    return this.registry.setCrdSource(uri, []);
  }

  file(uri: string): SegmentedFile | undefined {
    return this.files.get(uri);
  }

  uris(): string[] {
    return [...this.files.keys()];
  }

  /** Registers the mesh CRDs a text defines (or removes them when it no longer does). */
  updateCrds(source: string, text: string): boolean {
    if (!CRD_HINT.test(text)) {
      return this.registry.overrideSources().includes(source) ? this.registry.setCrdSource(source, []) : false;
    }
    const crds: unknown[] = [];
    try {
      for (const d of parseAllDocuments(text)) {
        if ('errors' in d && d.errors.length) continue;
        const v = d.toJSON() as unknown;
        if (v && typeof v === 'object' && (v as { kind?: unknown }).kind === 'CustomResourceDefinition') crds.push(v);
      }
    } catch {
      return false;
    }
    return this.registry.setCrdSource(source, crds);
  }

  /** Schema diagnostics and the findings of every analyzer rule on the file's resources. */
  diagnostics(uri: string): FileDiagnostic[] {
    const f = this.files.get(uri);
    if (!f) return [];
    const index = this.index();
    const st = this.stateOf(uri, f);
    const found = runRules(this.rulesByKind, st.list, index, this.settings, this.onRuleError, st.rules);
    const schema = this.schemaDiagnostics(f, st);
    const key = `${f.version}|${this.registry.generation}|${this.dedupeFindings}|${JSON.stringify(this.settings.rules)}|${f.reduced ?? ''}`;
    // nothing changed since the last call: the same array (the server then need not publish again)
    if (st.result && st.result.key === key && !schema.changed && sameItems(st.result.rules, found)) return st.result.value;
    const kept: FileDiagnostic[] = [];
    for (const d of schema.list) {
      if (d.rule === 'schema/cel' && this.reportedByRule(d, found)) continue;
      const sev = this.settings.rules[d.rule];
      if (sev === 'off') continue;
      kept.push(sev && sev !== d.severity ? { ...d, severity: sev } : d);
    }
    const semantic = this.dedupeFindings ? dedupe(found) : found;
    const out = [...kept, ...semantic];
    if (f.reduced) {
      out.unshift({
        range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
        severity: 'info',
        rule: 'limits/reduced-analysis',
        code: null,
        message: `Reduced analysis: ${f.reduced}.`,
        resource: { apiVersion: null, kind: null, namespace: null, name: null },
      });
    }
    st.result = { key, rules: found, value: out };
    return out;
  }

  /** Schema diagnostics of a file in file positions; each document's are kept until it is edited or moves. */
  private schemaDiagnostics(f: SegmentedFile, st: FileState): { list: FileDiagnostic[]; changed: boolean } {
    const gen = this.registry.generation;
    const segs = f.segments;
    let changed = st.schema.length !== segs.length;
    // (an index loop without closures: this runs on every edit over every document of the file, and a closure in
    // the loop's body would make V8 allocate a context per iteration)
    // the same array when the number of documents did not change (only this method reads it)
    const next: FileState['schema'] = changed ? new Array<FileState['schema'][number]>(segs.length) : st.schema;
    const list: FileDiagnostic[] = [];
    for (let i = 0; i < segs.length; i++) {
      const s = segs[i];
      let part = st.schema[i];
      if (!part || part.parsed !== s.parsed || part.startLine !== s.startLine || part.generation !== gen) {
        part = this.schemaPart(s.parsed, s.startLine, gen);
        changed = true;
      }
      next[i] = part;
      const diags = part.diags;
      for (let j = 0; j < diags.length; j++) list.push(diags[j]);
    }
    st.schema = next;
    return { list, changed };
  }

  /** One document's schema diagnostics, shifted to file positions. */
  private schemaPart(parsed: ParsedSegment, startLine: number, generation: number): NonNullable<FileState['schema'][number]> {
    const diags = segmentDiagnostics(this.registry, parsed);
    const resource = resourceRef(parsed);
    return {
      parsed,
      startLine,
      generation,
      diags: diags.map((d) => {
        const shifted: FileDiagnostic = { ...d, range: shiftRange(d.range, startLine), resource };
        if (d.fixes) shifted.fixes = d.fixes.map((x) => ({ ...x, edits: x.edits.map((e) => ({ range: shiftRange(e.range, startLine), newText: e.newText })) }));
        return shifted;
      }),
    };
  }

  /**
   * Is a CEL failure one that an analyzer rule reports itself? Either a rule of the resource's kind declares its
   * message (Rule.coversCel; dropped even when that rule is off or suppressed, since the user silenced the code),
   * or an IST0106 finding of a rule lies at the same range (a CRD of another version with other wording).
   */
  private reportedByRule(d: FileDiagnostic, found: FileDiagnostic[]): boolean {
    const { apiVersion, kind } = d.resource;
    if (apiVersion && kind) {
      const covered = this.celCovered.get(`${splitApiVersion(apiVersion).group}/${kind}`);
      if (covered?.has(d.message)) return true;
    }
    return found.some((x) => x.code === 'IST0106' && sameRange(x, d) && x.resource.kind === kind && x.resource.name === d.resource.name);
  }

  complete(uri: string, pos: Pos): CompletionEntry[] {
    const f = this.files.get(uri);
    return f ? complete(this.registry, f, pos, () => this.index(), this.templates.all()) : [];
  }

  /** The resource and the path of the key or value at a position. */
  private at(uri: string, pos: Pos): { res: Resource; path: PathSeg[] } | undefined {
    const f = this.files.get(uri);
    const seg = f?.segmentAtLine(pos.line);
    if (!seg) return undefined;
    const res = this.resources(uri).find((r) => r.startLine === seg.startLine);
    if (!res) return undefined;
    const p = seg.parsed;
    const offset = offsetAt(p.lineStarts, { line: pos.line - seg.startLine, character: pos.character }, p.text.length);
    const found = locate(p.doc.contents, offset);
    return found ? { res, path: found.path } : undefined;
  }

  /** Routing summaries shown above VirtualServices, HTTPRoutes and TrafficSplits. */
  routeLenses(uri: string): RouteLens[] {
    return routeLenses(this.resources(uri));
  }

  /** The routing around a position (the resource there, else the file's first routing resource), or a host/namespace. */
  routeGraph(params: RouteGraphParams): RouteGraphResponse {
    if (params.host || params.namespace) return routeGraphFor(this.index(), { host: params.host, namespace: params.namespace });
    let res: Resource | undefined;
    if (params.uri && params.position) res = this.at(params.uri, params.position)?.res;
    if (!res && params.uri) {
      const all = this.resources(params.uri);
      res = all.find((r) => /VirtualService|HTTPRoute|GRPCRoute|TrafficSplit/.test(r.kind)) ?? all[0];
    }
    return routeGraphFor(this.index(), routeQueryFor(res ? this.withIndexRes(res) : undefined));
  }

  simulate(params: SimulateParams): SimulateResponse {
    return simulateFor(this.index(), params.request, params.graph ?? {});
  }

  definition(uri: string, pos: Pos): NavLocation[] {
    const at = this.at(uri, pos);
    return at ? definition(this.index(), this.withIndexRes(at.res), at.path) : [];
  }

  references(uri: string, pos: Pos, includeDeclaration = true): NavLocation[] {
    const at = this.at(uri, pos);
    return at ? references(this.index(), this.withIndexRes(at.res), at.path, includeDeclaration) : [];
  }

  /** The index's own Resource object for a resource (identity matters for edge comparison). */
  private withIndexRes(res: Resource): Resource {
    return this.index().resources.find((r) => r.uri === res.uri && r.startLine === res.startLine) ?? res;
  }

  hover(uri: string, pos: Pos): HoverResult | undefined {
    const f = this.files.get(uri);
    return f ? hover(this.registry, f, pos) : undefined;
  }

  outline(uri: string): OutlineSymbol[] {
    const f = this.files.get(uri);
    return f ? outline(f) : [];
  }

  folding(uri: string): Fold[] {
    const f = this.files.get(uri);
    return f ? folding(f) : [];
  }

  /** Quick-fixes of the diagnostics that overlap a range. */
  fixes(uri: string, range: Rng): Array<{ fix: Fix; diagnostic: FileDiagnostic }> {
    const out: Array<{ fix: Fix; diagnostic: FileDiagnostic }> = [];
    for (const d of this.diagnostics(uri)) {
      if (!d.fixes?.length || !overlaps(d.range, range)) continue;
      for (const fix of d.fixes) out.push({ fix, diagnostic: d });
    }
    return out;
  }
}

function before(a: Pos, b: Pos): boolean {
  return a.line < b.line || (a.line === b.line && a.character < b.character);
}

function overlaps(a: Rng, b: Rng): boolean {
  return !before(a.end, b.start) && !before(b.end, a.start);
}


/**
 * Where one of our own `practice/` rules finds what an istioctl/Kiali-coded rule already reports at the same spot,
 * show one diagnostic: the coded one, carrying the practice rule's quick-fixes too.
 */
function dedupe(diags: FileDiagnostic[]): FileDiagnostic[] {
  if (!diags.some((d) => d.rule.startsWith('practice/'))) return diags;
  // coded findings by where they start (a number: this runs on every edit, over every finding of the file)
  const coded = new Map<number, FileDiagnostic[]>();
  const startKey = (d: FileDiagnostic): number => d.range.start.line * 1048576 + Math.min(d.range.start.character, 1048575);
  for (const d of diags) {
    if (!d.code) continue;
    const at = coded.get(startKey(d));
    if (!at) coded.set(startKey(d), [d]);
    else if (!at.some((x) => sameRange(x, d))) at.push(d);
  }
  // the merged fixes go on a copy: the findings are cached, and this runs again on the next call
  const extra = new Map<FileDiagnostic, Fix[]>();
  const out: FileDiagnostic[] = [];
  for (const d of diags) {
    const twin = d.rule.startsWith('practice/') ? coded.get(startKey(d))?.find((x) => sameRange(x, d)) : undefined;
    if (twin && twin.severity === d.severity) {
      if (d.fixes?.length) extra.set(twin, [...(extra.get(twin) ?? []), ...d.fixes]);
      continue;
    }
    out.push(d);
  }
  return extra.size ? out.map((d) => (extra.has(d) ? { ...d, fixes: [...(d.fixes ?? []), ...extra.get(d)!] } : d)) : out;
}

function sameRange(a: FileDiagnostic, b: FileDiagnostic): boolean {
  const r = a.range;
  const q = b.range;
  return r.start.line === q.start.line && r.start.character === q.start.character && r.end.line === q.end.line && r.end.character === q.end.character;
}

function sameItems<T>(a: T[], b: T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
