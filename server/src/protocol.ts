/** Names shared by the client and the server; declared once here and imported by both. */
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
