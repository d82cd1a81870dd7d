/** Generates realistic mesh manifests for benchmarks: per service a VirtualService, a DestinationRule and an AuthorizationPolicy. */
export function serviceDocs(i: number, faulty = false): string[] {
  const name = `svc-${i}`;
  const vs = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: ${name}
  namespace: shop
spec:
  hosts:
  - ${name}
  http:
  - match:
    - headers:
        end-user:
          exact: tester
    route:
    - destination:
        host: ${name}
        subset: v2
  - route:
    - destination:
        host: ${name}
        subset: v1
      weight: 90
    - destination:
        host: ${name}
        subset: v2
      weight: 10
    ${faulty ? 'timout' : 'timeout'}: 5s
    retries:
      attempts: 3
      perTryTimeout: 2s
      retryOn: 5xx,connect-failure
`;
  const dr = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: ${name}
  namespace: shop
spec:
  host: ${name}
  trafficPolicy:
    connectionPool:
      tcp:
        maxConnections: 100
      http:
        http1MaxPendingRequests: 10
        maxRequestsPerConnection: 5
    outlierDetection:
      consecutive5xxErrors: 5
      interval: 30s
      baseEjectionTime: 60s
      maxEjectionPercent: 50
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
`;
  const ap = `apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: ${name}
  namespace: shop
spec:
  selector:
    matchLabels:
      app: ${name}
  action: ${faulty ? 'ALOW' : 'ALLOW'}
  rules:
  - from:
    - source:
        principals:
        - cluster.local/ns/shop/sa/frontend
    to:
    - operation:
        methods: [GET, POST]
        paths: [/api/*]
`;
  return [vs, dr, ap];
}

/** N services in one file, one in ten of them with deliberate faults. */
export function manifest(n: number): string {
  const docs: string[] = [];
  for (let i = 0; i < n; i++) docs.push(...serviceDocs(i, i % 10 === 3));
  return docs.join('---\n');
}
