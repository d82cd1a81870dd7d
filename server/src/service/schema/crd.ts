import { createHash } from 'node:crypto';
import type { CelRule, Family, KindInfo, KindSchemas, SchemaNode, VersionInfo } from './types';

/** Keys of an upstream openAPIV3Schema node that carry facts we keep. */
const KEPT_KEYS = new Set([
  'type', 'required', 'enum', 'default', 'format', 'pattern', 'nullable',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength',
  'minItems', 'maxItems', 'minProperties', 'maxProperties', 'uniqueItems',
  'x-kubernetes-int-or-string', 'x-kubernetes-preserve-unknown-fields', 'x-kubernetes-embedded-resource',
  'x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type',
]);

export function familyOf(group: string): Family {
  if (group === 'istio.io' || group.endsWith('.istio.io')) return 'istio';
  if (group === 'linkerd.io' || group.endsWith('.linkerd.io')) return 'linkerd';
  if (group === 'gateway.networking.k8s.io') return 'gateway-api';
  if (group.endsWith('smi-spec.io')) return 'smi';
  return 'other';
}

/** True for API groups this project treats as mesh resources. */
export function isMeshGroup(group: string): boolean {
  return familyOf(group) !== 'other';
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * ObjectMeta as the API server validates it for custom resources. Unknown keys are dropped by the server,
 * so they are errors here too.
 */
export function objectMetaSchema(): SchemaNode {
  const stringMap: SchemaNode = { type: 'object', additionalProperties: { type: 'string' } };
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      name: { type: 'string', maxLength: 253 },
      generateName: { type: 'string' },
      namespace: { type: 'string', maxLength: 63 },
      labels: stringMap,
      annotations: stringMap,
      finalizers: { type: 'array', items: { type: 'string' } },
      ownerReferences: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['apiVersion', 'kind', 'name', 'uid'],
          properties: {
            apiVersion: { type: 'string' },
            kind: { type: 'string' },
            name: { type: 'string' },
            uid: { type: 'string' },
            controller: { type: 'boolean' },
            blockOwnerDeletion: { type: 'boolean' },
          },
        },
      },
      uid: { type: 'string' },
      resourceVersion: { type: 'string' },
      generation: { type: 'integer' },
      creationTimestamp: { type: 'string', nullable: true },
      deletionTimestamp: { type: 'string', nullable: true },
      deletionGracePeriodSeconds: { type: 'integer' },
      managedFields: { type: 'array', items: { 'x-kubernetes-preserve-unknown-fields': true } },
      selfLink: { type: 'string' },
    },
  };
}

/**
 * Converts an upstream openAPIV3Schema node to the project's form: facts only (descriptions kept only when
 * asked, for a user's own CRDs), and `additionalProperties: false` on objects the API server prunes.
 */
export function convertNode(src: unknown, keepDescriptions: boolean): SchemaNode {
  if (!isObj(src)) return {};
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(src)) {
    if (KEPT_KEYS.has(k)) out[k] = v;
  }
  if (keepDescriptions && typeof src.description === 'string') out.description = src.description;
  if (isObj(src.properties)) {
    const props: Record<string, SchemaNode> = {};
    for (const [k, v] of Object.entries(src.properties)) props[k] = convertNode(v, keepDescriptions);
    out.properties = props;
  }
  if (src.items !== undefined) out.items = convertNode(src.items, keepDescriptions);
  if (isObj(src.additionalProperties)) out.additionalProperties = convertNode(src.additionalProperties, keepDescriptions);
  else if (typeof src.additionalProperties === 'boolean') out.additionalProperties = src.additionalProperties;
  for (const k of ['oneOf', 'anyOf', 'allOf'] as const) {
    const list = src[k];
    if (Array.isArray(list)) out[k] = list.map((x) => convertNode(x, keepDescriptions));
  }
  if (src.not !== undefined) out.not = convertNode(src.not, keepDescriptions);
  const rules = src['x-kubernetes-validations'];
  if (Array.isArray(rules)) {
    out['x-kubernetes-validations'] = rules.filter(isObj).map((r) => {
      const rule: CelRule = { rule: String(r.rule) };
      if (typeof r.message === 'string') rule.message = r.message;
      if (typeof r.messageExpression === 'string') rule.messageExpression = r.messageExpression;
      if (typeof r.reason === 'string') rule.reason = r.reason;
      if (typeof r.fieldPath === 'string') rule.fieldPath = r.fieldPath;
      if (typeof r.optionalOldSelf === 'boolean') rule.optionalOldSelf = r.optionalOldSelf;
      return rule;
    });
  }
  // Structural schemas: an object that neither preserves unknown fields nor declares additionalProperties
  // has every undeclared key pruned by the API server.
  const isObject = out.type === 'object' || (out.type === undefined && out.properties !== undefined);
  if (isObject && out.additionalProperties === undefined && out['x-kubernetes-preserve-unknown-fields'] !== true) {
    out.additionalProperties = false;
  }
  return out as SchemaNode;
}

/** Converts a whole CRD root schema, giving `metadata` the ObjectMeta schema and leaving `status` open. */
export function convertRootSchema(src: unknown, keepDescriptions: boolean): SchemaNode {
  const root = convertNode(src, keepDescriptions);
  root.type = 'object';
  root.additionalProperties = false;
  root.properties = {
    apiVersion: { type: 'string' },
    kind: { type: 'string' },
    ...(root.properties ?? {}),
    metadata: objectMetaSchema(),
  };
  if (root.properties.status) root.properties.status = { 'x-kubernetes-preserve-unknown-fields': true };
  return root;
}

export interface ConvertedCrd {
  info: Omit<KindInfo, 'file'>;
  schemas: KindSchemas;
}

function stableStringify(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => {
    if (isObj(val)) {
      const sorted: Record<string, unknown> = {};
      for (const key of Object.keys(val).sort()) sorted[key] = val[key];
      return sorted;
    }
    return val;
  });
}

/** Deep-sorts object keys so generated files are deterministic. */
export function sortKeys<T>(v: T): T {
  return JSON.parse(stableStringify(v)) as T;
}

/** Converts one parsed CustomResourceDefinition object; returns undefined when it is not a usable CRD. */
export function convertCrd(crd: unknown, keepDescriptions = false): ConvertedCrd | undefined {
  if (!isObj(crd) || crd.kind !== 'CustomResourceDefinition' || !isObj(crd.spec)) return undefined;
  const spec = crd.spec;
  const names = isObj(spec.names) ? spec.names : {};
  const group = typeof spec.group === 'string' ? spec.group : '';
  const kind = typeof names.kind === 'string' ? names.kind : '';
  if (!group || !kind || !Array.isArray(spec.versions)) return undefined;
  const versions: VersionInfo[] = [];
  const byVersion: Record<string, string> = {};
  const schemas: Record<string, SchemaNode> = {};
  const keyOf = new Map<string, string>();
  for (const v of spec.versions) {
    if (!isObj(v) || typeof v.name !== 'string') continue;
    const info: VersionInfo = {
      name: v.name,
      served: v.served !== false,
      storage: v.storage === true,
      deprecated: v.deprecated === true,
    };
    if (typeof v.deprecationWarning === 'string') info.deprecationWarning = v.deprecationWarning;
    versions.push(info);
    const raw = isObj(v.schema) ? v.schema.openAPIV3Schema : undefined;
    const converted = sortKeys(convertRootSchema(raw ?? { type: 'object', 'x-kubernetes-preserve-unknown-fields': true }, keepDescriptions));
    const text = JSON.stringify(converted);
    let key = keyOf.get(text);
    if (!key) {
      key = createHash('sha1').update(text).digest('hex').slice(0, 12);
      keyOf.set(text, key);
      schemas[key] = converted;
    }
    byVersion[v.name] = key;
  }
  if (!versions.length) return undefined; // a CRD without a usable version defines nothing we can check
  return {
    info: {
      group,
      kind,
      plural: typeof names.plural === 'string' ? names.plural : kind.toLowerCase() + 's',
      scope: spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced',
      family: familyOf(group),
      versions,
    },
    schemas: { group, kind, versions: byVersion, schemas },
  };
}

/** Orders versions as Kubernetes does: GA > beta > alpha, higher numbers first. */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return [-1, 0, 0];
    const stage = m[2] === undefined ? 3 : m[2] === 'beta' ? 2 : 1;
    return [stage, Number(m[1]), Number(m[3] ?? 0)];
  };
  const [sa, ma, na] = parse(a);
  const [sb, mb, nb] = parse(b);
  if (sa !== sb) return sb - sa;
  if (ma !== mb) return mb - ma;
  return nb - na;
}
