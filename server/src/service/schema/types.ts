/** A CEL validation rule as carried by a CRD (`x-kubernetes-validations`). */
export interface CelRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

/**
 * The subset of a Kubernetes structural OpenAPI v3 schema that the project keeps.
 * Descriptions are only present for schemas loaded from a user's own CRD files.
 */
export interface SchemaNode {
  type?: 'object' | 'array' | 'string' | 'integer' | 'number' | 'boolean';
  description?: string;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  items?: SchemaNode;
  additionalProperties?: boolean | SchemaNode;
  enum?: unknown[];
  default?: unknown;
  format?: string;
  pattern?: string;
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  minProperties?: number;
  maxProperties?: number;
  uniqueItems?: boolean;
  oneOf?: SchemaNode[];
  anyOf?: SchemaNode[];
  allOf?: SchemaNode[];
  not?: SchemaNode;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-validations'?: CelRule[];
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: string;
}

export type Family = 'istio' | 'linkerd' | 'gateway-api' | 'smi' | 'other';

export interface VersionInfo {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated: boolean;
  deprecationWarning?: string;
}

/** One entry of schemas/index.json: what is known about a kind without loading its schema. */
export interface KindInfo {
  group: string;
  kind: string;
  plural: string;
  scope: 'Namespaced' | 'Cluster';
  family: Family;
  /** file name under schemas/kinds/ */
  file: string;
  versions: VersionInfo[];
}

/** The contents of one schemas/kinds/*.json file. */
export interface KindSchemas {
  group: string;
  kind: string;
  /** version name -> key into `schemas` (identical schemas are stored once) */
  versions: Record<string, string>;
  schemas: Record<string, SchemaNode>;
}
