import type { PathSeg } from '../../../model';
import { isObj, str, type Resource } from '../../../workspace';
import { replaceValue } from '../../fixes';
import { eachObj, has, type Issues } from '../lib/issues';
import { regexError } from '../lib/net';
import { checkDryRun, checkEmptySelector } from './common';
import { validationRule } from './rule';

/** Filter names Envoy renamed; istiod still accepts the old ones but warns. Old name -> current name(s). */
export const DEPRECATED_FILTER_NAMES: Record<string, string> = {
  'envoy.buffer': 'envoy.filters.http.buffer',
  'envoy.cors': 'envoy.filters.http.cors',
  'envoy.csrf': 'envoy.filters.http.csrf',
  'envoy.http_dynamo_filter': 'envoy.filters.http.dynamo',
  'envoy.fault': 'envoy.filters.http.fault',
  'envoy.grpc_http1_bridge': 'envoy.filters.http.grpc_http1_bridge',
  'envoy.grpc_json_transcoder': 'envoy.filters.http.grpc_json_transcoder',
  'envoy.grpc_web': 'envoy.filters.http.grpc_web',
  'envoy.gzip': 'envoy.filters.http.gzip',
  'envoy.health_check': 'envoy.filters.http.health_check',
  'envoy.ip_tagging': 'envoy.filters.http.ip_tagging',
  'envoy.lua': 'envoy.filters.http.lua',
  'envoy.rate_limit': 'envoy.filters.http.ratelimit',
  'envoy.router': 'envoy.filters.http.router',
  'envoy.squash': 'envoy.filters.http.squash',
  'envoy.listener.http_inspector': 'envoy.filters.listener.http_inspector',
  'envoy.listener.original_dst': 'envoy.filters.listener.original_dst',
  'envoy.listener.original_src': 'envoy.filters.listener.original_src',
  'envoy.listener.proxy_protocol': 'envoy.filters.listener.proxy_protocol',
  'envoy.listener.tls_inspector': 'envoy.filters.listener.tls_inspector',
  'envoy.client_ssl_auth': 'envoy.filters.network.client_ssl_auth',
  'envoy.http_connection_manager': 'envoy.filters.network.http_connection_manager',
  'envoy.mongo_proxy': 'envoy.filters.network.mongo_proxy',
  'envoy.ratelimit': 'envoy.filters.network.ratelimit',
  'envoy.redis_proxy': 'envoy.filters.network.redis_proxy',
  'envoy.tcp_proxy': 'envoy.filters.network.tcp_proxy',
};

const HCM = 'envoy.filters.network.http_connection_manager';
const LISTENER_CLASS = new Set(['LISTENER', 'FILTER_CHAIN', 'NETWORK_FILTER', 'HTTP_FILTER']);
const ROUTE_CLASS = new Set(['ROUTE_CONFIGURATION', 'VIRTUAL_HOST', 'HTTP_ROUTE']);

function deprecatedName(res: Resource, out: Issues, path: PathSeg[], name: string, http: boolean): void {
  let replacement = DEPRECATED_FILTER_NAMES[name];
  if (name === 'envoy.ext_authz') replacement = http ? 'envoy.filters.http.ext_authz' : 'envoy.filters.network.ext_authz';
  if (!replacement) return;
  out.warn(path, `Filter name "${name}" is deprecated; use "${replacement}".`, { on: 'value', fixes: [replaceValue(res, path, replacement, `Change to ${replacement}`)] });
}

export function validateEnvoyFilter(res: Resource, out: Issues): void {
  const spec = res.spec;
  checkDryRun(out, res);
  out.warn(['kind'], 'EnvoyFilter patches Envoy configuration that istiod generates: it exposes internal details that can change in any release. Prefer a higher-level Istio API if one fits, and re-test it on every upgrade.', { on: 'value' });
  checkEmptySelector(out, ['spec', 'workloadSelector'], spec.workloadSelector, 'labels', 'all-services');
  eachObj(spec.configPatches, (cp, i) => {
    const p: PathSeg[] = ['spec', 'configPatches', i];
    const applyTo = str(cp.applyTo) ?? 'INVALID';
    if (applyTo === 'INVALID') {
      out.error(has(cp, 'applyTo') ? [...p, 'applyTo'] : p, 'This patch needs applyTo (what kind of Envoy object it changes).', has(cp, 'applyTo') ? { on: 'value' } : {});
      return;
    }
    if (!isObj(cp.patch)) {
      out.error(p, 'This config patch has no patch.');
      return;
    }
    const op = str(cp.patch.operation) ?? 'INVALID';
    if (op === 'INVALID') {
      out.error(has(cp.patch, 'operation') ? [...p, 'patch', 'operation'] : [...p, 'patch'], 'This patch needs an operation (MERGE, ADD, REMOVE, INSERT_BEFORE, ...).', has(cp.patch, 'operation') ? { on: 'value' } : {});
      return;
    }
    if (op !== 'REMOVE' && !has(cp.patch, 'value')) {
      out.error([...p, 'patch'], `Operation ${op} needs a patch value; only REMOVE works without one.`);
      return;
    }
    const match = isObj(cp.match) ? cp.match : undefined;
    const proxyVersion = match && isObj(match.proxy) ? str(match.proxy.proxyVersion) : undefined;
    if (proxyVersion) {
      const e = regexError(proxyVersion);
      if (e) {
        out.error([...p, 'match', 'proxy', 'proxyVersion'], `proxyVersion must be a valid regex: ${e}.`, { on: 'value' });
        return;
      }
    }
    if (!match) return;
    const objectType = ['listener', 'routeConfiguration', 'cluster', 'waypoint'].find((k) => has(match, k));
    if (!objectType) return;
    const mp: PathSeg[] = [...p, 'match'];
    if (LISTENER_CLASS.has(applyTo)) {
      if (objectType === 'waypoint') return;
      if (objectType !== 'listener') {
        out.error([...mp, objectType], `applyTo ${applyTo} patches listener objects, so its match must be a listener match, not ${objectType}.`);
        return;
      }
      const fc = isObj(match.listener) && isObj(match.listener.filterChain) ? match.listener.filterChain : undefined;
      const filter = fc && isObj(fc.filter) ? fc.filter : undefined;
      if (!filter) return;
      const fp: PathSeg[] = [...mp, 'listener', 'filterChain', 'filter'];
      if (applyTo === 'LISTENER' || applyTo === 'FILTER_CHAIN') out.warn(fp, `A filter match has no effect with applyTo ${applyTo}.`);
      const name = str(filter.name) ?? '';
      if (name === '') {
        out.error(fp, 'A filter match needs the name of the network filter to match.');
        return;
      }
      const sub = isObj(filter.subFilter) ? filter.subFilter : undefined;
      if (sub) {
        if (applyTo !== 'HTTP_FILTER') {
          out.error([...fp, 'subFilter'], 'A subFilter match only works with applyTo HTTP_FILTER.');
          return;
        }
        if (name !== HCM && name !== 'envoy.http_connection_manager') {
          out.error([...fp, 'name'], `A subFilter match needs the filter match to be ${HCM} (HTTP filters live inside it).`, { on: 'value' });
          return;
        }
        if (!str(sub.name)) {
          out.error([...fp, 'subFilter'], 'A subFilter match needs the name of the HTTP filter to match.');
          return;
        }
      }
      deprecatedName(res, out, [...fp, 'name'], name, false);
      if (sub && str(sub.name)) deprecatedName(res, out, [...fp, 'subFilter', 'name'], str(sub.name)!, true);
    } else if (ROUTE_CLASS.has(applyTo)) {
      if (objectType !== 'routeConfiguration' && objectType !== 'waypoint') {
        out.error([...mp, objectType], `applyTo ${applyTo} patches route configuration, so its match must be a routeConfiguration match, not ${objectType}.`);
      }
    } else if (applyTo === 'CLUSTER') {
      if (objectType !== 'cluster' && objectType !== 'waypoint') out.error([...mp, objectType], `applyTo CLUSTER needs a cluster match, not ${objectType}.`);
    }
  });
}

export const validationEnvoyFilter = validationRule('istio/validation-envoyfilter', 'networking.istio.io/EnvoyFilter', validateEnvoyFilter, {
  summary: 'An EnvoyFilter patch breaks a rule istiod checks when it is applied: no applyTo or operation, a missing value for a non-REMOVE operation, a match for another class of object than applyTo, an invalid proxyVersion regex, a subFilter match outside the HTTP connection manager.',
  why: 'The Istio validating webhook rejects the object (kubectl apply fails), and istioctl analyze reports it as IST0106.',
  fix: 'Pair applyTo with the matching kind of match (listener / routeConfiguration / cluster), give every non-REMOVE patch a value, and match subFilters under envoy.filters.network.http_connection_manager.',
});
