// A routing workspace whose rule names, policy name and header values carry HTML/script payloads, and the
// graph and simulation messages the server computes for it (server code, not hand-written results): what the
// routing preview page receives for a real request.
import { SegmentedFile } from '../../server/src/service/documents';
import { routeGraphFor, simulateFor } from '../../server/src/service/features/routes';
import type { SimRequest } from '../../server/src/service/routing';
import { buildIndex } from '../../server/src/service/workspace';
import type { GraphMessage, SimulationMessage } from '../../client/src/preview/messages';

export const P1 = '<img src=x onerror=alert(1)>';
export const P2 = '<script>alert(2)</script>';
export const P3 = '"><svg onload=alert(3)>';

const q = (s: string): string => JSON.stringify(s);

const deployment = (version: string): string => `apiVersion: apps/v1
kind: Deployment
metadata: { name: reviews-${version}, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews, version: ${version} } }
  template:
    metadata: { labels: { app: reviews, version: ${version} } }
    spec:
      serviceAccountName: reviews
      containers: [{ name: app, image: "reviews:${version}", ports: [{ containerPort: 9080 }] }]
`;

/**
 * reviews in shop: rule 0 (named P2) matches a header whose value is P3; rule 1 (named P1) splits 90/10 with a
 * timeout, retries, a delay fault and a mirror; rule 2 can never match (rule 1 takes everything) and names a
 * subset that does not exist. An ALLOW policy named P3 admits the web service account.
 */
export const HOSTILE_WORKSPACE = [
  `apiVersion: v1
kind: Namespace
metadata: { name: shop, labels: { istio-injection: enabled } }
`,
  `apiVersion: v1
kind: Service
metadata: { name: reviews, namespace: shop }
spec: { selector: { app: reviews }, ports: [{ name: http, port: 9080 }] }
`,
  deployment('v1'),
  deployment('v2'),
  `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: { name: reviews, namespace: shop }
spec:
  host: reviews
  subsets:
    - { name: v1, labels: { version: v1 } }
    - { name: v2, labels: { version: v2 } }
`,
  `apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: { name: default, namespace: shop }
spec: { mtls: { mode: STRICT } }
`,
  `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: { name: ${q(P3)}, namespace: shop }
spec:
  selector: { matchLabels: { app: reviews } }
  rules:
    - from: [{ source: { principals: [cluster.local/ns/shop/sa/web] } }]
`,
  `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: { name: reviews, namespace: shop }
spec:
  hosts: [reviews]
  http:
    - name: ${q(P2)}
      match: [{ headers: { x-payload: { exact: ${q(P3)} } } }]
      route: [{ destination: { host: reviews, subset: v2 } }]
    - name: ${q(P1)}
      route:
        - { destination: { host: reviews, subset: v1 }, weight: 90 }
        - { destination: { host: reviews, subset: v2 }, weight: 10 }
      timeout: 2s
      retries: { attempts: 3, perTryTimeout: 1s }
      fault: { delay: { fixedDelay: 5s, percentage: { value: 1 } } }
      mirror: { host: reviews, subset: v2 }
      mirrorPercentage: { value: 5 }
    - name: shadowed
      match: [{ uri: { prefix: /old } }]
      route: [{ destination: { host: reviews, subset: v9 } }]
`,
].join('---\n');

export const HOST = 'reviews.shop.svc.cluster.local';
/** Allowed: the web service account, a header that does not select rule 0. */
export const ALLOWED_REQUEST: SimRequest = { host: 'reviews.shop', headers: { 'x-payload': 'nope' }, sourceNamespace: 'shop', sourcePrincipal: 'cluster.local/ns/shop/sa/web' };
export const DENIED_REQUEST: SimRequest = { ...ALLOWED_REQUEST, sourcePrincipal: 'cluster.local/ns/shop/sa/other' };

const ROUTE_ID = 'route:networking.istio.io/VirtualService:shop/reviews';
export const RULE_IDS = { skipped: `${ROUTE_ID}:http:0`, matched: `${ROUTE_ID}:http:1`, unreachable: `${ROUTE_ID}:http:2` };
export const BROKEN_BACKEND_ID = `backend:${HOST}|v9`;

function workspace() {
  return buildIndex(new Map([['file:///ws/hostile.yaml', new SegmentedFile(HOSTILE_WORKSPACE)]]));
}

/** The graph message the panel posts for the workspace (host pre-filled into the form). */
export function realGraphMessage(): GraphMessage {
  const res = routeGraphFor(workspace(), { host: HOST });
  return { type: 'graph', title: res.title, graph: res.graph, host: res.host, source: { uri: 'file:///ws/hostile.yaml', line: 0, character: 0 } };
}

/** The simulation message the panel posts for a request: the server's result and highlight, unchanged. */
export function realSimulationMessage(request: SimRequest = ALLOWED_REQUEST): SimulationMessage {
  const res = simulateFor(workspace(), request, { host: HOST });
  return { type: 'simulation', result: res.result, highlight: res.highlight };
}
