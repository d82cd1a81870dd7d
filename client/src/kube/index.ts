/**
 * The apply logic, with no 'vscode' import: collect resources, load the kubeconfig, connect,
 * dry-run (plan), confirm (pure rules), apply, explain errors. client/src/commands/cluster.ts is
 * the VS Code layer on top of it.
 */
export * from './types';
export { Redactor, secretsOfKubeconfig } from './redact';
export { KubeError, isKubeError, toKubeError, apiError, transportError, parseStatus, fieldPathsOf, conflictsOf, redactError } from './errors';
export type { KubeErrorKind, ApiStatus, FieldConflict, Attempt, Endpoint } from './errors';
export { parseManifests, collectFolder, findYamlFiles, isMeshApiVersion, duplicateErrors, mergeManifestSets } from './manifests';
export type { ManifestSet, ParseOptions } from './manifests';
export { parseFieldPath, locateField, valueAt, inferFieldPaths, diagnosticsFor } from './fieldPath';
export type { PathSegment, Position, TextRange, FieldLocation, FieldDiagnostic } from './fieldPath';
export { applyOrder, kindRank, SECURITY_POLICY_KINDS, ROUTE_KINDS } from './order';
export { DEFAULT_PROTECTED_PATTERNS, matchPattern, protectedBy, confirmationFor, typedConfirmationOk } from './protect';
export type { Confirmation, ConfirmationExtra, Counts, PatternMatch, TargetDescription } from './protect';
export { kubeconfigPaths, readContextsLight, loadKubeconfig, describeTarget, connect } from './kubeconfig';
export type { KubeconfigSource, ContextInfo, LoadedKubeconfig, ConnectOptions } from './kubeconfig';
export { KubeConnection } from './rest';
export type { RequestOptions, HttpResponse } from './rest';
export { Discovery, productHint, resourcePath, resourceName, typeFromBatchCrd } from './discovery';
export { stripServerFields, maskSecrets, secretAnnotationLeaks, LAST_APPLIED_ANNOTATION, canonical, toYaml, diffLines, unifiedDiff, diffStat } from './diff';
export { planApply, onlyConflicts, planDiffDocuments, planLines, bodyFor, diagnosticsForEntry, APPLY_PATCH, skippedSummary, firstStepEntries, deferredInfo, isFoundationEntry } from './plan';
export type { Plan, PlanEntry, PlanAction, PlanOptions, SkippedFile, DeferredInfo } from './plan';
export { executeApply, applyFirstStep, reflectsApply, writeMayHaveLanded } from './apply';
export type { ApplyReport, ApplyResult, ApplyOptions, Outcome } from './apply';
export { listNamespaces } from './namespaces';
