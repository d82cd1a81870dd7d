/** Names shared by the client and the server; declared once here and imported by both. */
export const SERVER_NAME = 'Mesh YAML';
export const DIAGNOSTIC_SOURCE = 'mesh';
export const CONFIG_SECTION = 'meshYaml';

export interface MeshSettings {
  /** Extra CRD files or folders whose schemas replace the bundled ones. */
  crdPaths: string[];
  /** Rule ids to turn off. */
  disabledRules: string[];
  /** Report CEL rule failures. */
  celValidation: boolean;
}

export const DEFAULT_SETTINGS: MeshSettings = { crdPaths: [], disabledRules: [], celValidation: true };

/** Notification from the server when it has loaded the workspace's CRD files. */
export const CrdsLoadedNotification = 'meshYaml/crdsLoaded';
export interface CrdsLoadedParams {
  sources: string[];
}
