import { suggest } from '../../text';
import type { Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Rule, RuleContext } from '../types';
import { GK, serviceFqdn } from './util';

/** Kubernetes DNS-1123 subdomain. */
export function isDns1123Subdomain(s: string): boolean {
  return s.length > 0 && s.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(s);
}

/** `<service>.<namespace>.svc.<cluster-domain>`, split; undefined for other names. */
export function parseProfileName(name: string): { service: string; namespace: string; domain: string } | undefined {
  const m = /^([^.]+)\.([^.]+)\.svc\.(.+)$/.exec(name);
  return m ? { service: m[1], namespace: m[2], domain: m[3] } : undefined;
}

export const serviceProfileName: Rule = {
  id: 'linkerd/serviceprofile-name',
  severity: 'warning',
  kinds: [GK.serviceProfile],
  doc: {
    summary: "A ServiceProfile is named after a Service by its short name (`web`, `web.shop`, `web.shop.svc`) instead of its fully qualified name (`<service>.<namespace>.svc.<cluster-domain>`), or its name is not a valid DNS name.",
    why: 'Linkerd looks profiles up by the FQDN of the Service being called; a profile under any other name is never used (and an invalid name is rejected by the sp-validator webhook).',
    fix: 'Rename the profile to the Service FQDN, for example `web-svc.emojivoto.svc.cluster.local`.',
  },
  check(ctx: RuleContext, res: Resource) {
    const name = res.name;
    if (!name) return;
    const path = ['metadata', 'name'];
    if (!isDns1123Subdomain(name)) {
      const lower = name.toLowerCase();
      const fix = isDns1123Subdomain(lower) ? replaceValue(res, path, lower, `Change to ${lower}`) : undefined;
      ctx.report(res, {
        path,
        on: 'value',
        severity: 'error',
        message: `"${name}" is not a valid DNS subdomain (lower-case letters, digits, "-" and "."); the sp-validator webhook rejects the ServiceProfile.`,
        fixes: fix ? [fix] : undefined,
      });
      return;
    }
    if (parseProfileName(name)) return;
    // Only names that are clearly meant as a cluster Service: `svc`, `svc.<known namespace>`, `svc.ns.svc`.
    // Longer names may be external hosts, which are left alone.
    const parts = name.split('.');
    let fqdn: string | undefined;
    if (parts.length === 1) fqdn = serviceFqdn(name, res.namespace);
    else if (parts.length === 2 && ctx.index.namespaces().has(parts[1])) fqdn = `${name}.svc.cluster.local`;
    else if (parts.length === 3 && parts[2] === 'svc') fqdn = `${name}.cluster.local`;
    if (!fqdn) return;
    const fix = replaceValue(res, path, fqdn, `Rename to ${fqdn}`);
    ctx.report(res, {
      path,
      on: 'value',
      message: `ServiceProfile "${name}" is not named after a Service FQDN (<service>.<namespace>.svc.<cluster-domain>), so Linkerd never applies it. Did you mean "${fqdn}"?`,
      fixes: fix ? [fix] : undefined,
    });
  },
};

export const serviceProfileServiceNotFound: Rule = {
  id: 'linkerd/serviceprofile-service-not-found',
  severity: 'warning',
  kinds: [GK.serviceProfile],
  needsWorkspace: [GK.service],
  doc: {
    summary: 'A ServiceProfile is named after a Service that the workspace does not define in that namespace.',
    why: 'The profile only applies to requests for that exact Service FQDN; if the Service does not exist (or is misspelled) the routes, retries and timeouts never apply.',
    fix: 'Rename the profile to the FQDN of the Service it is meant for.',
  },
  check(ctx: RuleContext, res: Resource) {
    const p = parseProfileName(res.name);
    if (!p) return;
    // only judge namespaces the workspace holds Services of
    const inNs = ctx.index.of(GK.service).filter((s) => s.namespace === p.namespace);
    if (!inNs.length || inNs.some((s) => s.name === p.service)) return;
    const best = suggest(p.service, inNs.map((s) => s.name), 1)[0];
    const fqdn = best ? `${best}.${p.namespace}.svc.${p.domain}` : undefined;
    const fix = fqdn ? replaceValue(res, ['metadata', 'name'], fqdn, `Rename to ${fqdn}`) : undefined;
    ctx.report(res, {
      path: ['metadata', 'name'],
      on: 'value',
      message: `No Service "${p.service}" in namespace "${p.namespace}" in the workspace, so this profile applies to nothing.${fqdn ? ` Did you mean "${fqdn}"?` : ''}`,
      fixes: fix ? [fix] : undefined,
    });
  },
};
