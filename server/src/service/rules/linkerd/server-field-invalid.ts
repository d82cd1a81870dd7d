import { suggest } from '../../text';
import type { Resource } from '../../workspace';
import { replaceValue } from '../fixes';
import type { Fix, Rule, RuleContext } from '../types';
import { GK } from './util';

const ACCESS_POLICIES = ['all-authenticated', 'all-unauthenticated', 'cluster-authenticated', 'cluster-unauthenticated', 'deny', 'audit'];
const PROXY_PROTOCOLS = ['unknown', 'HTTP/1', 'HTTP/2', 'gRPC', 'opaque', 'TLS'];
/** Kubernetes port names (IANA_SVC_NAME): at most 15 lower-case letters, digits and single hyphens, with a letter. */
function validPortName(s: string): boolean {
  return s.length <= 15 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(s) && !s.includes('--') && /[a-z]/.test(s);
}

function best(value: string, allowed: string[]): string | undefined {
  const ci = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  return ci ?? suggest(value, allowed, 1)[0];
}

export const serverFieldInvalid: Rule = {
  id: 'linkerd/server-field-invalid',
  severity: 'error',
  kinds: [GK.server],
  doc: {
    summary: 'A Server has an accessPolicy or proxyProtocol Linkerd does not know, or a port that is out of range or cannot name a container port.',
    why: "Linkerd's policy admission webhook rejects an unknown accessPolicy, proxyProtocol or port 0; a port name that is not a valid Kubernetes port name can never match a container port.",
    fix: `Use an accessPolicy of ${ACCESS_POLICIES.join(', ')}; a proxyProtocol of ${PROXY_PROTOCOLS.join(', ')}; a port number 1-65535 or the name of a container port.`,
  },
  check(ctx: RuleContext, res: Resource) {
    const ap = res.spec.accessPolicy;
    if (typeof ap === 'string' && !ACCESS_POLICIES.includes(ap)) {
      const b = best(ap, ACCESS_POLICIES);
      const fix = b ? replaceValue(res, ['spec', 'accessPolicy'], b, `Change to ${b}`) : undefined;
      ctx.report(res, {
        path: ['spec', 'accessPolicy'],
        on: 'value',
        message: `Unknown accessPolicy "${ap}": Linkerd accepts ${ACCESS_POLICIES.join(', ')}.${b ? ` Did you mean "${b}"?` : ''}`,
        fixes: fix ? [fix] : undefined,
      });
    }
    const pp = res.spec.proxyProtocol;
    if (typeof pp === 'string' && !PROXY_PROTOCOLS.includes(pp)) {
      const b = best(pp, PROXY_PROTOCOLS);
      const fix = b ? replaceValue(res, ['spec', 'proxyProtocol'], b, `Change to ${b}`) : undefined;
      ctx.report(res, {
        path: ['spec', 'proxyProtocol'],
        on: 'value',
        message: `Unknown proxyProtocol "${pp}": Linkerd accepts ${PROXY_PROTOCOLS.join(', ')} (case matters).${b ? ` Did you mean "${b}"?` : ''}`,
        fixes: fix ? [fix] : undefined,
      });
    }
    const port = res.spec.port;
    if (typeof port === 'number') {
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        ctx.report(res, { path: ['spec', 'port'], on: 'value', message: `Port ${port} is out of range: a Server port is 1-65535 or a container port name.` });
      }
    } else if (typeof port === 'string') {
      if (/^\d+$/.test(port)) {
        const n = Number(port);
        const fix: Fix | undefined = n >= 1 && n <= 65535 ? replaceValue(res, ['spec', 'port'], String(n), `Write the port as the number ${n}`) : undefined;
        ctx.report(res, {
          path: ['spec', 'port'],
          on: 'value',
          message: `Port "${port}" is quoted, so Linkerd reads it as a port name, and no container port is named "${port}". Write it as a number.`,
          fixes: fix ? [fix] : undefined,
        });
      } else if (!validPortName(port)) {
        ctx.report(res, {
          path: ['spec', 'port'],
          on: 'value',
          message: `"${port}" is not a valid Kubernetes port name (at most 15 lower-case letters, digits and single hyphens, with at least one letter), so it can never match a container port.`,
        });
      }
    }
  },
};
