import type { PathSeg } from '../../../model';
import { isObj, str, type Obj, type Resource } from '../../../workspace';
import { eachObj, eachStr, has, int, mapSize, text, type Issues } from '../lib/issues';
import { isDnsLabel, labelKeyError, labelValueError, portError, wildcardDomainError } from '../lib/net';

/** `exportTo`: `.`, `*` or namespace names, no duplicates, `*` alone; `~` (nobody) only for ServiceEntries, alone. */
export function checkExportTo(out: Issues, res: Resource, path: PathSeg[], v: unknown, opts: { serviceEntry?: boolean; drWithSelector?: boolean } = {}): void {
  if (!Array.isArray(v) || v.length === 0) return;
  const seen = new Set<string>();
  eachStr(v, (e, i) => {
    const key = e === '.' ? res.namespace : e;
    if (seen.has(key)) {
      out.error([...path, i], e === '.' || key !== e ? `exportTo lists the current namespace twice ("." and "${res.namespace}").` : `exportTo lists "${e}" twice.`, { on: 'value' });
      return;
    }
    if (e === '~') {
      if (!opts.serviceEntry) {
        out.error([...path, i], 'exportTo "~" (visible to nobody) is only allowed on ServiceEntries.', { on: 'value' });
        return;
      }
    } else if (e !== '.' && e !== '*' && !isDnsLabel(e)) {
      out.error([...path, i], `exportTo entry "${e}" must be ".", "*" or a namespace name.`, { on: 'value' });
      return;
    }
    seen.add(key);
  });
  if (opts.drWithSelector && seen.size) {
    if (!seen.has(res.namespace)) out.error(path, 'A DestinationRule with a workloadSelector can only be exported to its own namespace.');
    else if (seen.size > 1) out.error(path, 'A DestinationRule with a workloadSelector cannot list more than its own namespace in exportTo.');
  }
  if (seen.has('*') && v.length > 1) out.error(path, 'exportTo "*" already means every namespace: it cannot be combined with other entries.');
  if (seen.has('~') && v.length > 1) out.error(path, 'exportTo "~" (visible to nobody) cannot be combined with other entries.');
}

/** A `selector` / `workloadSelector` present but with no labels applies to every workload of the namespace. */
export function checkEmptySelector(out: Issues, path: PathSeg[], sel: unknown, labelsKey: 'matchLabels' | 'labels', wording: 'all-services' | 'no-labels'): void {
  if (!isObj(sel)) return;
  if (mapSize(sel[labelsKey]) > 0) return;
  out.warn(
    path,
    wording === 'all-services'
      ? `This ${path[path.length - 1]} has no labels, so it will be applied to all services in the namespace. Add labels, or remove the selector if that is intended.`
      : `This ${path[path.length - 1]} has no ${labelsKey}, so it selects every workload in the namespace. Add labels, or remove the selector if that is intended.`,
  );
}

const TARGET_KINDS: Array<[string, string]> = [
  ['', 'Service'],
  ['networking.istio.io', 'ServiceEntry'],
  ['gateway.networking.k8s.io', 'Gateway'],
  ['gateway.networking.k8s.io', 'GatewayClass'],
];

/** Policies attach (`targetRef`/`targetRefs`) to a Service, a ServiceEntry, a Gateway API Gateway or a GatewayClass. */
export function checkTargetRefs(out: Issues, spec: Obj): void {
  const check = (ref: Obj, path: PathSeg[]): void => {
    const kind = str(ref.kind);
    if (!kind) return;
    const group = str(ref.group) ?? '';
    const canon = group === 'core' ? '' : group;
    if (TARGET_KINDS.some(([g, k]) => g === canon && k === kind)) return;
    const right = TARGET_KINDS.find(([, k]) => k === kind);
    out.error(
      right ? (has(ref, 'group') ? [...path, 'group'] : [...path, 'kind']) : [...path, 'kind'],
      right
        ? `targetRef kind ${kind} belongs to group "${right[0] || '(core, empty)'}", not "${group || '(empty)'}".`
        : `targetRef must point to a Service, ServiceEntry, Gateway (gateway.networking.k8s.io) or GatewayClass, not ${group ? `${group}/` : ''}${kind}.`,
      { on: 'value' },
    );
  };
  if (isObj(spec.targetRef)) check(spec.targetRef, ['spec', 'targetRef']);
  eachObj(spec.targetRefs, (r, i) => check(r, ['spec', 'targetRefs', i]));
}

/** Kubernetes label syntax of a label map (subset labels, sourceLabels, endpoint labels). */
export function checkLabels(out: Issues, path: PathSeg[], labels: unknown): void {
  if (!isObj(labels)) return;
  for (const [k, v] of Object.entries(labels)) {
    const ke = labelKeyError(k);
    if (ke) out.error([...path, k], `${ke}.`);
    const sv = str(v);
    if (sv !== undefined) {
      const ve = labelValueError(sv);
      if (ve) out.error([...path, k], `${ve} (label ${k}).`, { on: 'value' });
    }
  }
}

/** A route destination: a real host (not `*`), a DNS-label subset name, a port number in range. */
export function checkDestination(out: Issues, path: PathSeg[], d: unknown): void {
  if (!isObj(d)) return;
  const host = str(d.host);
  if (host !== undefined) {
    if (host === '*') out.error([...path, 'host'], 'A destination host cannot be "*"; name a service or a ServiceEntry host.', { on: 'value' });
    else {
      const e = wildcardDomainError(host);
      if (e) out.error([...path, 'host'], `${e}.`, { on: 'value' });
    }
  }
  if (has(d, 'subset')) {
    const subset = str(d.subset) ?? '';
    if (subset === '') out.error([...path, 'subset'], 'The subset name must not be empty.', { on: 'value' });
    else if (!isDnsLabel(subset)) out.error([...path, 'subset'], `Subset name "${subset}" is not a DNS-1123 label (letters, digits and "-").`, { on: 'value' });
  }
  if (isObj(d.port) && has(d.port, 'number')) {
    const n = int(d.port.number);
    if (n !== undefined && portError(n)) out.error([...path, 'port', 'number'], `Destination port ${n} is outside 1..65535.`, { on: 'value' });
  }
}

/** `istio.io/dry-run` only works on AuthorizationPolicies with ALLOW or DENY, with a boolean value. */
export function checkDryRun(out: Issues, res: Resource): void {
  const key = 'istio.io/dry-run';
  if (!(key in res.annotations)) return;
  const path = ['metadata', 'annotations', key];
  if (res.gk !== 'security.istio.io/AuthorizationPolicy') {
    out.error(path, `The ${key} annotation is only supported on AuthorizationPolicies; istiod rejects it on a ${res.kind}.`);
    return;
  }
  const action = str(res.spec.action) ?? 'ALLOW';
  if (action !== 'ALLOW' && action !== 'DENY') {
    out.error(path, `The ${key} annotation only works with action ALLOW or DENY, not ${action}.`);
    return;
  }
  if (!isGoBool(res.annotations[key])) out.error(path, `The ${key} annotation must be "true" or "false", not "${res.annotations[key]}".`, { on: 'value' });
}

export function isGoBool(v: string): boolean {
  return ['1', 't', 'T', 'TRUE', 'true', 'True', '0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v);
}

/** Gateway names in a VirtualService (`name`, `ns/name`, or the legacy `name.ns`) and in its matches. */
export function checkGatewayNames(out: Issues, path: PathSeg[], v: unknown, onLegacy: (i: number, recommended: string) => void): void {
  eachStr(v, (g, i) => {
    const parts = g.split('/');
    if (parts.length < 2) {
      if (g.includes('.')) {
        const ps = g.split('.');
        onLegacy(i, `${ps[1]}/${ps[0]}`);
      }
      const e = checkFqdnLike(g);
      if (e) out.error([...path, i], `Gateway reference "${g}": ${e}.`, { on: 'value' });
      return;
    }
    const ns = parts[0];
    const name = parts.slice(1).join('/');
    if (!ns || !name) out.error([...path, i], `Gateway reference "${g}" must be "<namespace>/<name>" with both parts set.`, { on: 'value' });
    else if (!isDnsLabel(ns)) out.error([...path, i], `Gateway reference "${g}": "${ns}" is not a valid namespace name.`, { on: 'value' });
    else if (!isDnsLabel(name)) out.error([...path, i], `Gateway reference "${g}": "${name}" is not a valid Gateway name (a DNS-1123 label, no dots).`, { on: 'value' });
  });
}

function checkFqdnLike(g: string): string | undefined {
  if (g === '') return 'the name is empty';
  const parts = g.split('.');
  if (/^[+-]?\d+$/.test(parts[parts.length - 1])) return `its last label "${parts[parts.length - 1]}" is all digits`;
  for (let i = 0; i < parts.length; i++) {
    if (i === parts.length - 1 && parts[i] === '') break;
    if (!isDnsLabel(parts[i])) return `"${parts[i]}" is not a valid name`;
  }
  return undefined;
}

/** Reads `text()` of a field or the empty string. */
export function s(v: unknown): string {
  return text(v) ?? '';
}
