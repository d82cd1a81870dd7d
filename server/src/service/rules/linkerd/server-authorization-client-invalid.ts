import { arr, get, isObj, type Resource } from '../../workspace';
import type { Rule, RuleContext } from '../types';
import { GK } from './util';

export const serverAuthorizationClientInvalid: Rule = {
  id: 'linkerd/server-authorization-client-invalid',
  severity: 'error',
  kinds: [GK.serverAuthorization],
  doc: {
    summary: 'A ServerAuthorization sets `unauthenticated: true` together with meshTLS, or `unauthenticatedTLS: true` together with identities or serviceAccounts.',
    why: "The settings contradict each other and Linkerd's policy admission webhook rejects the resource.",
    fix: 'Either authorize unauthenticated clients or meshTLS clients, not both; drop `unauthenticatedTLS` when listing identities or service accounts. (ServerAuthorization is deprecated: prefer AuthorizationPolicy.)',
  },
  check(ctx: RuleContext, res: Resource) {
    const client = res.spec.client;
    if (!isObj(client)) return;
    const mtls = client.meshTLS;
    if (!isObj(mtls)) return;
    if (client.unauthenticated === true) {
      ctx.report(res, { path: ['spec', 'client', 'unauthenticated'], on: 'value', message: '`unauthenticated` must be false when `meshTLS` is set: a client is either authenticated by mesh TLS or not at all.' });
    }
    if (mtls.unauthenticatedTLS === true && arr(get(mtls, 'identities')).length + arr(get(mtls, 'serviceAccounts')).length > 0) {
      ctx.report(res, {
        path: ['spec', 'client', 'meshTLS', 'unauthenticatedTLS'],
        on: 'value',
        message: '`unauthenticatedTLS` must be false when `identities` or `serviceAccounts` are listed: those require an authenticated client identity.',
      });
    }
  },
};
