import type { Fix } from '../../model';
import { hostMatches, istioHost, type Resource, type WorkspaceIndex } from '../../workspace';
import { appendDocument, appendItem, setField } from '../fixes';
import { nodeAtPath } from '../locate';
import type { Rule, RuleContext } from '../types';
import { allDrs, destinationRulesFor, fullName, GK, listText, onResource, scopeHas, serviceNamespaces, vsDests, yamlScalar, type DrInfo } from './util';

/** The label a subset most likely selects: a label of the workloads behind the host's Service whose value is the subset name. */
function guessLabel(index: WorkspaceIndex, fqdn: string, subset: string): [string, string] {
  const svc = index.kubeServices().get(fqdn);
  if (svc && Object.keys(svc.selector).length) {
    const keys = new Set<string>();
    for (const w of index.workloadsMatching(svc.res.namespace, svc.selector)) {
      for (const [k, v] of Object.entries(w.labels)) if (v === subset && !(k in svc.selector)) keys.add(k);
    }
    if (keys.has('version')) return ['version', subset];
    const first = [...keys].sort()[0];
    if (first) return [first, subset];
  }
  return ['version', subset];
}

function subsetItem(name: string, label: [string, string]): string {
  return `name: ${yamlScalar(name)}\nlabels:\n  ${yamlScalar(label[0])}: ${yamlScalar(label[1])}`;
}

/** Adds the subset to an existing DestinationRule (possibly in another file). */
function addToDr(res: Resource, dr: DrInfo, subset: string, label: [string, string]): Fix | undefined {
  const title = `Add subset "${subset}" to DestinationRule ${fullName(dr.res)}`;
  const subsets = nodeAtPath(dr.res, ['spec', 'subsets']);
  const fix = subsets.complete
    ? appendItem(dr.res, ['spec', 'subsets'], subsetItem(subset, label), title)
    : setField(dr.res, ['spec'], 'subsets', '\n- ' + subsetItem(subset, label).replace(/\n/g, '\n  '), title);
  return onResource(fix, dr.res, res.uri);
}

function newDrDocument(index: WorkspaceIndex, res: Resource, host: string, fqdn: string, subset: string, label: [string, string]): Fix {
  const ns = serviceNamespaces(index, fqdn, res.namespace)[0] ?? res.namespace;
  const base = (fqdn.endsWith('.svc.cluster.local') ? fqdn.split('.')[0] : fqdn.replace(/^\*\./, '').replace(/\./g, '-')).toLowerCase();
  let name = base;
  for (let i = 2; index.find(GK.dr, ns, name); i++) name = `${base}-${i}`;
  const docHost = ns === res.namespace ? host : fqdn;
  const doc = [
    'apiVersion: networking.istio.io/v1',
    'kind: DestinationRule',
    'metadata:',
    `  name: ${yamlScalar(name)}`,
    `  namespace: ${yamlScalar(ns)}`,
    'spec:',
    `  host: ${yamlScalar(docHost)}`,
    '  subsets:',
    `  - ${subsetItem(subset, label).replace(/\n/g, '\n    ')}`,
  ].join('\n');
  return appendDocument(res, doc, `Add a DestinationRule for ${docHost} with subset "${subset}"`);
}

export const vsSubsetNotFound: Rule = {
  id: 'istio/vs-subset-not-found',
  code: 'IST0101',
  alsoCodes: ['KIA1107'],
  severity: 'error',
  kinds: [GK.vs],
  // with no DestinationRule in the workspace, a subset of a host the workspace defines is still missing
  needsWorkspace: [GK.dr, GK.service, GK.se],
  doc: {
    summary: 'A VirtualService routes (or mirrors) to a subset that the DestinationRule applying to that host does not define, or that no DestinationRule defines when the host is a Service or ServiceEntry of the workspace.',
    why:
      'Istio builds one Envoy cluster per DestinationRule subset; a route to an undefined subset points at a cluster that does not exist, so requests fail with 503 (NR/UH). Only one DestinationRule applies per client: the one in the client namespace, else the one exported from the service namespace, else the root namespace.',
    fix: 'Add the subset (name and pod labels) to the DestinationRule for the host, or route to an existing subset.',
  },
  check(ctx: RuleContext, res: Resource) {
    for (const d of vsDests(res)) {
      if (!d.subset) continue;
      const fqdn = istioHost(d.host, res.namespace);
      const choice = destinationRulesFor(ctx.index, fqdn, res.namespace);
      const defined = new Set(choice.drs.flatMap((x) => x.subsets));
      if (defined.has(d.subset)) continue;
      // only now read every DestinationRule (a check that finds its subset depends on the rules for its host only)
      const drs = allDrs(ctx.index);
      if (!drs.length) {
        // no DestinationRule anywhere in the workspace: judge only hosts the workspace defines (a Service or
        // ServiceEntry visible from here), since the rules may live in files the workspace does not hold
        const found = ctx.index.lookupHost(fqdn, res.namespace);
        if (!found.service && !found.entries.length) continue;
      }
      const label = guessLabel(ctx.index, fqdn, d.subset);
      const elsewhere = drs.filter((x) => !choice.drs.includes(x) && x.subsets.includes(d.subset!) && (x.host === fqdn || (x.host.startsWith('*') && hostMatches(x.host, fqdn))));
      const hostText = d.host === fqdn ? `"${d.host}"` : `"${d.host}" (${fqdn})`;
      let message: string;
      const fixes: Fix[] = [];
      if (choice.drs.length) {
        const names = choice.drs.map((x) => fullName(x.res));
        const have = [...defined].sort();
        message =
          `Subset "${d.subset}" of host ${hostText} is not defined: DestinationRule${names.length > 1 ? 's' : ''} ${listText(names)}, which appl${names.length > 1 ? 'y' : 'ies'} to clients in namespace ${res.namespace}, ` +
          (have.length ? `only define${names.length > 1 ? '' : 's'} ${listText(have.map((s) => `"${s}"`))}.` : `define${names.length > 1 ? '' : 's'} no subsets.`);
        if (elsewhere.length) message += ` ${listText(elsewhere.map((x) => fullName(x.res)))} defines it, but the rule in namespace ${choice.namespace} takes precedence.`;
        // when a shadowed rule defines the subset, copying it would leave two rules for one host and subset
        // (Kiali KIA0201): let the user choose between dropping the shadowing rule and extending it
        const fix = elsewhere.length ? undefined : addToDr(res, choice.drs[0], d.subset, label);
        if (fix) fixes.push(fix);
      } else {
        message = drs.length
          ? `Subset "${d.subset}" of host ${hostText} is not defined: no DestinationRule for this host applies to namespace ${res.namespace} (looked in ${listText(choice.searched)}).`
          : `Subset "${d.subset}" of host ${hostText} is not defined: the workspace has no DestinationRule, and subsets exist only in DestinationRules.`;
        const hidden = elsewhere.filter((x) => !scopeHas(x.scope, res.namespace));
        if (hidden.length) message += ` ${listText(hidden.map((x) => fullName(x.res)))} defines it but is not exported to ${res.namespace}.`;
        else if (elsewhere.length) message += ` ${listText(elsewhere.map((x) => fullName(x.res)))} defines it, but a rule in another namespace does not apply to this client.`;
        if (!elsewhere.length) fixes.push(newDrDocument(ctx.index, res, d.host, fqdn, d.subset, label));
      }
      ctx.report(res, { path: [...d.path, 'subset'], on: 'value', message, fixes: fixes.length ? fixes : undefined });
    }
  },
};
