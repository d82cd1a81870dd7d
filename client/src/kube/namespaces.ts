import type { KubeConnection } from './rest';

/** Names of the cluster's namespaces (for the namespace picker); throws a KubeError on failure. */
export async function listNamespaces(conn: KubeConnection, signal?: AbortSignal): Promise<string[]> {
  const r = await conn.json<{ items?: { metadata?: { name?: string } }[] }>({
    method: 'GET',
    path: '/api/v1/namespaces',
    signal,
    attempt: { verb: 'list', resource: 'namespaces' },
  });
  return (r.value.items ?? [])
    .map((i) => i.metadata?.name)
    .filter((n): n is string => !!n)
    .sort();
}
