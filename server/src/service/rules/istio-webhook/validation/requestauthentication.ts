import type { PathSeg } from '../../../model';
import { isObj, str, type Resource } from '../../../workspace';
import { eachObj, type Issues } from '../lib/issues';
import { headerNameError, msPrecisionError } from '../lib/net';
import { checkDryRun, checkEmptySelector, checkTargetRefs } from './common';
import { capital } from './http';
import { validationRule } from './rule';

export function validateRequestAuthentication(res: Resource, out: Issues): void {
  const spec = res.spec;
  checkDryRun(out, res);
  checkEmptySelector(out, ['spec', 'selector'], spec.selector, 'matchLabels', 'no-labels');
  checkTargetRefs(out, spec);
  eachObj(spec.jwtRules, (r, i) => {
    const p: PathSeg[] = ['spec', 'jwtRules', i];
    if (!str(r.issuer) && !str(r.jwksUri)) out.error(p, 'A JWT rule needs an issuer (or at least a jwksUri).');
    if (typeof r.jwks === 'string' && r.jwks !== '') {
      let ok = false;
      try {
        const v = JSON.parse(r.jwks) as unknown;
        ok = isObj(v) && (Array.isArray(v.keys) || typeof v.kty === 'string');
      } catch {
        ok = false;
      }
      if (!ok) out.error([...p, 'jwks'], 'jwks must be a JSON Web Key Set (a JSON object with "keys"), inline as a string.');
    }
    eachObj(r.outputClaimToHeaders, (c, j) => {
      if (str(c.claim) === '' || str(c.header) === '') out.error([...p, 'outputClaimToHeaders', j], 'outputClaimToHeaders entries need both a claim and a header.');
      else if (typeof c.header === 'string') {
        const e = headerNameError(c.header);
        if (e) out.error([...p, 'outputClaimToHeaders', j, 'header'], `${capital(e)}.`, { on: 'value' });
      }
    });
    const te = msPrecisionError(r.timeout);
    if (te) out.error([...p, 'timeout'], `${capital(te)}.`, { on: 'value' });
  });
}

export const validationRequestAuthentication = validationRule('istio/validation-requestauthentication', 'security.istio.io/RequestAuthentication', validateRequestAuthentication, {
  summary: 'A RequestAuthentication breaks a rule istiod checks when it is applied: a JWT rule without issuer or jwksUri, inline jwks that is not a key set, incomplete outputClaimToHeaders entries.',
  why: 'The Istio validating webhook rejects the object (kubectl apply fails), and istioctl analyze reports it as IST0106.',
  fix: 'Give every jwtRules entry an issuer (and jwksUri or jwks), and complete claim/header pairs.',
});
