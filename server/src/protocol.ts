/** Names shared by the client and the server; declared once here and imported by both. */

/**
 * Node options the editor starts the language server with. A smaller young generation keeps the peak memory of
 * parsing large files down (the parser makes short-lived garbage) at no measurable cost in speed.
 */
export const SERVER_NODE_ARGS = ['--max-semi-space-size=1'];
export const SERVER_NAME = 'Mesh YAML';
export const DIAGNOSTIC_SOURCE = 'mesh';
export const CONFIG_SECTION = 'meshYaml';

export type RuleSetting = 'off' | 'error' | 'warning' | 'info' | 'hint';

export interface MeshSettings {
  /** Extra CRD files or folders whose schemas replace the bundled ones. */
  crdPaths: string[];
  /** Rule ids to turn off. */
  disabledRules: string[];
  /** Rule id or IST/KIA code -> 'off' or a severity. */
  rules: Record<string, RuleSetting>;
  /** Namespace patterns (`*` wildcard) treated as production by rules that care. */
  productionNamespaces: string[];
  /** Extra glob patterns (relative to a workspace folder) of files not to index, beside files.exclude. */
  exclude: string[];
  /** Report CEL rule failures. */
  celValidation: boolean;
  /** Files larger than this many megabytes are not analysed. */
  maxFileSizeMB: number;
  /** Only the first this many `---` documents of a file are analysed. */
  maxDocuments: number;
}

export const DEFAULT_SETTINGS: MeshSettings = {
  crdPaths: [],
  disabledRules: [],
  rules: {},
  productionNamespaces: ['*prod*'],
  exclude: [],
  celValidation: true,
  maxFileSizeMB: 8,
  maxDocuments: 10000,
};

/** Notification from the server after it analysed a file: whether the analysis was reduced, and why. */
export const FileStatusNotification = 'meshYaml/fileStatus';
export interface FileStatusParams {
  uri: string;
  /** Set when the file is analysed in part only. */
  reduced?: string;
}

/** Notification from the server when it has loaded the workspace's CRD files. */
export const CrdsLoadedNotification = 'meshYaml/crdsLoaded';
export interface CrdsLoadedParams {
  sources: string[];
}

/** Notification from the server when it has indexed the workspace's YAML files. */
export const WorkspaceIndexedNotification = 'meshYaml/workspaceIndexed';
export interface WorkspaceIndexedParams {
  files: number;
  resources: number;
  ms: number;
}

/** Request: the route graph for the routing around a position in a file (or a host / namespace). */
export const RouteGraphRequest = 'meshYaml/routeGraph';
export interface RouteGraphParams {
  uri?: string;
  position?: { line: number; character: number };
  host?: string;
  namespace?: string;
}
export interface SourceRange {
  uri: string;
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
}
export interface RouteGraphResponse {
  title: string;
  /** The host or namespace the graph is about, for the simulator form. */
  host?: string;
  graph: import('./service/routing/types').RouteGraph;
  /** Where each node and edge is defined, by id. */
  locations: Record<string, SourceRange>;
}

/** Request: simulate one request against the workspace's configuration. */
export const SimulateRequest = 'meshYaml/simulate';
export interface SimulateParams {
  request: import('./service/routing/types').SimRequest;
  /** The graph the webview shows, so the answer can name the nodes and edges to highlight. */
  graph?: { host?: string; namespace?: string };
}
export interface SimulateResponse {
  result: import('./service/routing/types').SimulationResult;
  highlight: string[];
}
