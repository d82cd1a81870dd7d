/**
 * Types shared by the apply logic. Nothing here imports 'vscode' or @kubernetes/client-node:
 * the UI layer (client/src/commands/cluster.ts) and the tests both consume these.
 */

/** A Kubernetes object as plain JSON. */
export type KubeObject = Record<string, unknown>;

/** Where a resource came from: enough to map an API error back to the YAML text. */
export interface SourceLocation {
  /** File system path or URI string of the file (as given by the caller). */
  file: string;
  /** Full text of that file, as parsed. */
  text: string;
  /** Index of the `---` document in the file. */
  docIndex: number;
  /** Set when the resource is an item of a `kind: List` document. */
  itemIndex?: number;
  /** Zero-based line of the document's (or List item's) first character. */
  line: number;
}

/** One resource read from a manifest. */
export interface ManifestResource {
  apiVersion: string;
  kind: string;
  name: string;
  /** metadata.namespace as written; undefined when the manifest has none. */
  namespace?: string;
  object: KubeObject;
  source: SourceLocation;
}

/** A resource located in the cluster's API: what discovery told us about its type. */
export interface ResourceType {
  group: string;
  version: string;
  kind: string;
  /** Plural resource name, e.g. `virtualservices`. */
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

/** A resource with its type resolved and its namespace decided. */
export interface ResourceRef {
  apiVersion: string;
  kind: string;
  name: string;
  /** Undefined for cluster-scoped resources. */
  namespace?: string;
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const silentLogger: Logger = { info: () => {}, warn: () => {}, error: () => {} };

/** Human label of a reference: `VirtualService default/reviews` or `Namespace shop`. */
export function refLabel(ref: ResourceRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

/** Splits `group/version` (or core `v1`) into its parts. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}
