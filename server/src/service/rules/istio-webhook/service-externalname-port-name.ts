import type { PathSeg } from '../../model';
import { str } from '../../workspace';
import type { Rule } from '../types';
import { servicePortProtocol, servicePorts, skipService } from './lib/ports';

export const externalNamePortName: Rule = {
  id: 'istio/service-externalname-port-name',
  code: 'IST0150',
  severity: 'warning',
  kinds: ['/Service'],
  doc: {
    summary: 'An ExternalName Service has a port named `tcp` (or with no protocol name): Istio treats it as an opaque TCP port.',
    why: 'For an ExternalName Service, the sidecar may not forward TCP-named or unclassified ports correctly: traffic to the external name can fail or bypass the expected routing.',
    fix: 'Name the port after the protocol it really carries, such as `https` or `tls` for TLS traffic or `http` for plain HTTP.',
  },
  check(ctx, res) {
    if (skipService(ctx, res) || str(res.spec.type) !== 'ExternalName') return;
    for (const p of servicePorts(res)) {
      if (servicePortProtocol(p) !== 'Unsupported' && p.name !== 'tcp') continue;
      const path: PathSeg[] = ['spec', 'ports', p.i];
      ctx.report(res, {
        path: p.name !== undefined ? [...path, 'name'] : path,
        on: 'value',
        message: `Port ${p.port} of this ExternalName Service is named ${p.name ? `"${p.name}"` : 'nothing'}: name it after the protocol it carries (https, tls, http...), as TCP-named or unclassified ports of ExternalName Services may not be forwarded correctly.`,
      });
    }
  },
};
