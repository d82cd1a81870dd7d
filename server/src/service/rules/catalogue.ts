import type { Severity } from '../model';
import type { RuleDoc } from './types';

/**
 * The checks that are not analyzer rules: YAML syntax, the schema (from the CRDs), and the size limits. Their ids
 * are stable like rule ids; these docs feed docs/rules.md and the SARIF output of mesh-lint.
 */
export interface CheckDoc {
  id: string;
  severity: Severity;
  doc: RuleDoc;
}

const SCHEMA_WHY = 'The API server rejects the object (kubectl apply fails), or for unknown fields silently drops them, so the setting never takes effect.';

export const SCHEMA_CHECKS: CheckDoc[] = [
  {
    id: 'yaml/syntax',
    severity: 'error',
    doc: { summary: 'The document is not valid YAML.', why: 'Nothing in the document can be read: kubectl, Istio and Linkerd reject the whole file.', fix: 'Fix the YAML at the position shown (indentation, a missing colon, an unclosed quote or bracket).' },
  },
  {
    id: 'yaml/duplicate-key',
    severity: 'error',
    doc: { summary: 'A key is set twice in the same mapping.', why: 'Most tools keep the last value silently, so the first one (often the intended one) is lost; strict parsers reject the file.', fix: 'Keep one of the keys.' },
  },
  {
    id: 'schema/unknown-field',
    severity: 'error',
    doc: { summary: 'A key that the resource\u2019s schema does not define (usually a typo).', why: SCHEMA_WHY, fix: 'Rename the key to the field meant (a quick fix offers the nearest known key) or remove it.' },
  },
  { id: 'schema/type', severity: 'error', doc: { summary: 'A value of the wrong type (a string where a number is expected, a list where a mapping is expected...).', why: SCHEMA_WHY, fix: 'Write the value with the type the field expects (quote or unquote it, wrap it in a list).' } },
  { id: 'schema/enum', severity: 'error', doc: { summary: 'A value outside the allowed list; the message lists the allowed values.', why: SCHEMA_WHY, fix: 'Use one of the allowed values (a quick fix offers the nearest).' } },
  { id: 'schema/required', severity: 'error', doc: { summary: 'A required field is missing.', why: SCHEMA_WHY, fix: 'Add the field.' } },
  { id: 'schema/one-of', severity: 'error', doc: { summary: 'A oneOf/anyOf constraint of the schema is violated, such as setting both `exact` and `prefix`.', why: SCHEMA_WHY, fix: 'Set exactly the fields the message names.' } },
  { id: 'schema/pattern', severity: 'error', doc: { summary: 'A string does not match the pattern the schema requires (RE2, as the API server reads it).', why: SCHEMA_WHY, fix: 'Write the value in the required form.' } },
  { id: 'schema/range', severity: 'error', doc: { summary: 'A number, string length or item count outside the schema\u2019s minimum or maximum.', why: SCHEMA_WHY, fix: 'Bring the value within the limits the message gives.' } },
  { id: 'schema/format', severity: 'error', doc: { summary: 'A value that is not in the format the schema names (duration, IP address, date-time...).', why: SCHEMA_WHY, fix: 'Write the value in that format.' } },
  { id: 'schema/unique', severity: 'error', doc: { summary: 'A list that must hold unique items, or a map-like list keyed by a field, repeats an entry.', why: SCHEMA_WHY, fix: 'Remove or merge the repeated entry.' } },
  { id: 'schema/cel', severity: 'error', doc: { summary: 'A CEL validation rule (`x-kubernetes-validations`) of the CRD fails; the message is the CRD\u2019s.', why: 'The API server evaluates the same rules and rejects the object.', fix: 'Change the configuration as the message says.' } },
  { id: 'schema/unknown-version', severity: 'error', doc: { summary: 'The apiVersion does not serve this kind.', why: 'The API server has no such version: the object cannot be created.', fix: 'Use a served version (a quick fix sets the current one).' } },
  { id: 'schema/unknown-kind', severity: 'error', doc: { summary: 'The API group has no kind of this name (usually a typo).', why: 'The API server answers "no matches for kind": the object cannot be created.', fix: 'Correct the kind (a quick fix offers the nearest).' } },
  { id: 'schema/wrong-api-group', severity: 'error', doc: { summary: 'The kind exists, but in another API group than the apiVersion names.', why: 'The API server answers "no matches for kind": the object cannot be created.', fix: 'Use the apiVersion of the group that serves the kind (a quick fix sets it).' } },
  { id: 'schema/deprecated-version', severity: 'warning', doc: { summary: 'A version the CRD marks deprecated.', why: 'Deprecated versions are removed in later releases; manifests that use them stop applying after an upgrade.', fix: 'Move to the current version (a quick fix changes the apiVersion).' } },
  { id: 'schema/superseded-version', severity: 'info', doc: { summary: 'An older Istio API version while `v1` is served.', why: 'Older versions stay for compatibility; new features and documentation target v1.', fix: 'Move to v1 (a quick fix changes the apiVersion).' } },
  { id: 'limits/reduced-analysis', severity: 'info', doc: { summary: 'A file or document is analysed in part only: over the size or document limits, or over the time budget of its CEL rules.', why: 'Problems in the part not analysed are not reported.', fix: 'Split the file, or raise meshYaml.maxFileSizeMB / meshYaml.maxDocuments.' } },
];

/** Where docs/rules.md is published; SARIF `helpUri`s point at its anchors. */
export const RULES_DOC_URL = 'https://github.com/mesh-yaml/mesh-yaml/blob/main/docs/rules.md';

/** The HTML anchor of a rule or check in docs/rules.md: `istio/vs-subset-not-found` -> `istio-vs-subset-not-found`. */
export function ruleAnchor(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9]+/g, '-');
}
