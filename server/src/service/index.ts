import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { TemplateLibrary } from './snippets';
import { DEFAULT_LIMITS, SegmentedFile, type FileLimits } from './documents';
import { complete, type CompletionEntry } from './features/completion';
import { fileDiagnostics, type FileDiagnostic } from './features/diagnostics';
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
import { runRules, kindsIndex, type RuleErrorLogger } from './rules/engine';
import { ALL_RULES } from './rules';
import { DEFAULT_ANALYSIS_SETTINGS, type AnalysisSettings, type Rule } from './rules/types';
import { buildIndex, resourceOf, type Resource, type WorkspaceIndex } from './workspace';
import type { Pos, Rng } from './text';

export { SchemaRegistry, SegmentedFile };
export type { CompletionEntry, FileDiagnostic, HoverResult, OutlineSymbol, Fold, Fix, NavLocation, RouteLens };

const CRD_HINT = /^kind:\s*CustomResourceDefinition\s*$/m;

/**
 * The pure core: files in, LSP-shaped results out. No I/O besides reading bundled schema files lazily,
 * no connection. The language server and the CLI both drive this.
 */
export class MeshService {
  private readonly files = new Map<string, SegmentedFile>();
  private indexCache?: WorkspaceIndex;
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

  /** The workspace index, rebuilt lazily after any file changed. */
  index(): WorkspaceIndex {
    this.indexCache ??= buildIndex(this.files);
    return this.indexCache;
  }

  /** Resources of one file. */
  resources(uri: string): Resource[] {
    const f = this.files.get(uri);
    if (!f) return [];
    const out: Resource[] = [];
    for (const s of f.segments) {
      const r = resourceOf(uri, s.parsed, s.startLine);
      if (r) out.push(r);
    }
    return out;
  }

  /** Opens or updates a file; returns true when the set of CRD schemas changed (every file must be re-checked). */
  /** Size limits beyond which a file is analysed in part only (see SegmentedFile.reduced). */
  limits: FileLimits = { ...DEFAULT_LIMITS };

  setFile(uri: string, text: string): boolean {
    let f = this.files.get(uri);
    if (f) {
      const r = f.update(text, this.limits);
      if (!r.full && !r.changed.length) return false; // same text
      this.indexCache = undefined;
      // only the re-split documents can add a CRD; a file that provided CRDs is read again whole
      if (!r.full && !this.registry.overrideSources().includes(uri) && !r.changed.some((i) => CRD_HINT.test(f!.segments[i].parsed.text))) return false;
    } else {
      this.indexCache = undefined;
      f = new SegmentedFile(text, this.limits);
      this.files.set(uri, f);
    }
    return this.updateCrds(uri, text);
  }

  /** Forgets a file; returns true when it provided CRD schemas. */
  removeFile(uri: string): boolean {
    this.indexCache = undefined;
    this.files.delete(uri);
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
    const found = runRules(this.rulesByKind, this.resources(uri), this.index(), this.settings, this.onRuleError);
    const schema = fileDiagnostics(this.registry, f).filter((d) => {
      if (d.rule === 'schema/cel' && this.reportedByRule(d, found)) return false;
      const sev = this.settings.rules[d.rule];
      if (sev === 'off') return false;
      if (sev) d.severity = sev;
      return true;
    });
    const semantic = this.dedupeFindings ? dedupe(found) : found;
    const out = [...schema, ...semantic];
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
    return out;
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
    const key = rangeKey(d);
    return found.some((x) => x.code === 'IST0106' && rangeKey(x) === key && x.resource.kind === kind && x.resource.name === d.resource.name);
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

function rangeKey(d: FileDiagnostic): string {
  return `${d.range.start.line}:${d.range.start.character}:${d.range.end.line}:${d.range.end.character}`;
}

/**
 * Where one of our own `practice/` rules finds what an istioctl/Kiali-coded rule already reports at the same spot,
 * show one diagnostic: the coded one, carrying the practice rule's quick-fixes too.
 */
function dedupe(diags: FileDiagnostic[]): FileDiagnostic[] {
  const coded = new Map<string, FileDiagnostic>();
  for (const d of diags) if (d.code && !coded.has(rangeKey(d))) coded.set(rangeKey(d), d);
  const out: FileDiagnostic[] = [];
  for (const d of diags) {
    const twin = d.rule.startsWith('practice/') ? coded.get(rangeKey(d)) : undefined;
    if (twin && twin.severity === d.severity) {
      if (d.fixes?.length) twin.fixes = [...(twin.fixes ?? []), ...d.fixes];
      continue;
    }
    out.push(d);
  }
  return out;
}
