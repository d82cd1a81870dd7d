import type { Resource } from '../../../workspace';
import type { Issues } from '../lib/issues';
import { checkDryRun, checkEmptySelector } from './common';

/** PeerAuthentication: only the selector warning is left; the CRD schema covers the rest (portLevelMtls needs a selector and entries). */
export function validatePeerAuthentication(res: Resource, out: Issues): void {
  const spec = res.spec;
  checkDryRun(out, res);
  checkEmptySelector(out, ['spec', 'selector'], spec.selector, 'matchLabels', 'no-labels');
}
