// A resolved kubeconfig for tests that talk to a local stand-in API server (no kubeconfig file).
import type {ResolvedKubeconfig} from '../../../src/kube/kubeconfig.ts';

/** Context "test" pointing at `server`, no credentials, no timeout; `extra` overrides any field. */
export function resolved(server: string, extra: Partial<ResolvedKubeconfig> = {}): ResolvedKubeconfig {
  return {
    contextName: 'test',
    clusterName: 'test',
    userName: 'test',
    namespace: 'default',
    namespaceExplicit: false,
    cluster: {server},
    user: {},
    impersonateGroups: [],
    impersonateExtra: {},
    requestTimeoutMs: 0,
    requestTimeoutParam: '',
    files: [],
    source: 'flags',
    ...extra,
  };
}
