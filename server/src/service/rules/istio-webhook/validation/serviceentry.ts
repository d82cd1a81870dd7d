import type { PathSeg } from '../../../model';
import { isObj, str, type Resource } from '../../../workspace';
import { eachObj, eachStr, has, int, len, type Issues } from '../lib/issues';
import {
  fqdnError,
  isDnsLabel,
  isHttpProtocol,
  isIP,
  isTcpProtocol,
  isTlsProtocol,
  parseProtocol,
  partialWildcardError,
  PROTOCOL_NAMES,
  subnetError,
  unixAddressError,
  wildcardDomainError,
} from '../lib/net';
import { checkDryRun, checkEmptySelector, checkExportTo, checkLabels } from './common';
import { capital } from './http';
import { validationRule } from './rule';

export function validateServiceEntry(res: Resource, out: Issues): void {
  const spec = res.spec;
  checkDryRun(out, res);
  checkEmptySelector(out, ['spec', 'workloadSelector'], spec.workloadSelector, 'labels', 'all-services');
  const hosts: string[] = [];
  eachStr(spec.hosts, (h, i) => {
    hosts.push(h);
    if (h === '*') return; // the CRD rule reports it
    const e = wildcardDomainError(h);
    if (e) out.error(['spec', 'hosts', i], `${capital(e)}.`, { on: 'value' });
    const pw = partialWildcardError(h);
    if (pw) out.warn(['spec', 'hosts', i], `${capital(pw)}.`, { on: 'value' });
  });
  eachStr(spec.addresses, (a, i) => {
    const e = subnetError(a);
    if (e) out.error(['spec', 'addresses', i], `${capital(e)}.`, { on: 'value' });
  });

  const portNames = new Set<string>();
  eachObj(spec.ports, (p, i) => {
    const pp: PathSeg[] = ['spec', 'ports', i];
    const name = str(p.name);
    if (name !== undefined) {
      portNames.add(name); // duplicates: the CRD's list-map keys already report them
      if (!isDnsLabel(name)) out.error([...pp, 'name'], `Port name "${name}" is not a DNS-1123 label (letters, digits and "-").`, { on: 'value' });
    }
    if (typeof p.protocol === 'string' && p.protocol !== '' && parseProtocol(p.protocol) === 'Unsupported') {
      out.error([...pp, 'protocol'], `"${p.protocol}" is not a protocol Istio supports (${PROTOCOL_NAMES}).`, { on: 'value' });
    }
  });

  const resolution = str(spec.resolution) ?? 'NONE';
  const endpoints = Array.isArray(spec.endpoints) ? spec.endpoints : [];
  const endpointPorts = (ep: Record<string, unknown>, ep_path: PathSeg[]): void => {
    if (!isObj(ep.ports)) return;
    for (const name of Object.keys(ep.ports)) {
      if (!portNames.has(name)) out.error([...ep_path, 'ports', name], `Endpoint port "${name}" is not one of the ServiceEntry's port names (${[...portNames].join(', ') || 'none'}).`);
    }
  };
  switch (resolution) {
    case 'NONE':
      if (has(spec, 'workloadSelector')) out.warn(['spec', 'workloadSelector'], 'workloadSelector has no effect with resolution NONE.');
      break;
    case 'STATIC':
      eachObj(endpoints, (ep, i) => {
        const ep_path: PathSeg[] = ['spec', 'endpoints', i];
        const addr = str(ep.address) ?? '';
        if (addr === '' && str(ep.network)) out.warn(ep_path, `This endpoint has no address, only network "${str(ep.network)}".`);
        if (addr.startsWith('unix://')) {
          const e = unixAddressError(addr.slice(7));
          if (e) out.error([...ep_path, 'address'], `${capital(e)}.`, { on: 'value' });
          if (portNames.size !== 1) out.error([...ep_path, 'address'], 'A unix socket endpoint needs a ServiceEntry with exactly one port.', { on: 'value' });
        } else if (addr !== '' && !isIP(addr)) {
          out.error([...ep_path, 'address'], `With resolution STATIC, endpoint addresses must be IP addresses (or unix:// sockets), not "${addr}"; use resolution DNS for host names.`, { on: 'value' });
        }
        endpointPorts(ep, ep_path);
        checkLabels(out, [...ep_path, 'labels'], ep.labels);
      });
      break;
    case 'DNS':
    case 'DNS_ROUND_ROBIN':
      if (!endpoints.length) {
        eachStr(spec.hosts, (h, i) => {
          if (h !== '*' && fqdnError(h) && !wildcardDomainError(h)) {
            out.error(['spec', 'hosts', i], `With resolution ${resolution} and no endpoints, every host must be resolvable by DNS: "${h}" is a wildcard. Use resolution NONE, or add endpoints.`, { on: 'value' });
          }
        });
      }
      eachObj(endpoints, (ep, i) => {
        const ep_path: PathSeg[] = ['spec', 'endpoints', i];
        const addr = str(ep.address);
        if (addr !== undefined && !isIP(addr) && fqdnError(addr)) out.error([...ep_path, 'address'], `Endpoint address "${addr}" is neither an IP address nor a host name.`, { on: 'value' });
        endpointPorts(ep, ep_path);
        checkLabels(out, [...ep_path, 'labels'], ep.labels);
      });
      if (has(spec, 'workloadSelector')) out.warn(['spec', 'workloadSelector'], `workloadSelector has no effect with resolution ${resolution}.`);
      if (len(spec.addresses) > 0 && hosts.length > 1 && arrPorts(spec.ports).some((p) => isTcpProtocol(parseProtocol(str(p.protocol))))) {
        out.warn(['spec', 'hosts'], 'With addresses and a TCP port, a ServiceEntry should have a single host: TCP traffic to the address cannot tell the hosts apart.');
      }
      break;
  }
  if (resolution !== 'NONE' && hosts.length > 1) {
    const bad = arrPorts(spec.ports).find((p) => {
      const proto = parseProtocol(str(p.protocol));
      return !isHttpProtocol(proto) && !isTlsProtocol(proto);
    });
    if (bad) {
      out.error(['spec', 'hosts'], `With several hosts and resolution ${resolution}, every port must be HTTP- or TLS-based (the only way to tell the hosts apart); port ${int(bad.number) ?? '?'} is ${str(bad.protocol) || 'unset (plain TCP)'}.`);
    }
  }
  checkExportTo(out, res, ['spec', 'exportTo'], spec.exportTo, { serviceEntry: true });
}

function arrPorts(v: unknown): Array<Record<string, unknown>> {
  return Array.isArray(v) ? v.map((x) => (isObj(x) ? x : {})) : [];
}

export const validationServiceEntry = validationRule('istio/validation-serviceentry', 'networking.istio.io/ServiceEntry', validateServiceEntry, {
  summary: 'A ServiceEntry breaks a rule istiod checks when it is applied: invalid hosts or addresses, STATIC endpoints that are not IP addresses, wildcard hosts with DNS resolution, several hosts on a plain TCP port, endpoint ports the entry does not define.',
  why: 'The Istio validating webhook rejects the object (kubectl apply fails), and istioctl analyze reports it as IST0106.',
  fix: 'Use IP addresses with resolution STATIC (host names need DNS), resolution NONE for wildcard hosts, one host per TCP ServiceEntry, and protocols Istio knows.',
});
