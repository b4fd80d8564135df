// IGW-214: Envoy Gateway's controller log names a failed watch. Log lines in the shapes the controller
// writes them: its zap JSON lines (errors JSON-escaped) and client-go reflector lines (klog text).
import {describe, expect, it} from 'vitest';
import type {KubeObject} from '../../../../src/kube/client.ts';
import {runDoctor} from '../../../../src/doctor/run.ts';
import {byCode, doctor, loadObjects, NOW, snap} from '../fixture.ts';

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const healthy = loadObjects('healthy-ai-gateway.yaml');
const POD = 'envoy-gateway-7f8d9c6b5-newpd';

/** A second controller pod that restarts (the follow-up wave reads its current and previous log). */
function crashing(): KubeObject[] {
  const objs = structuredClone(healthy);
  objs.push({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name: POD, namespace: 'envoy-gateway-system', creationTimestamp: '2026-11-21T11:51:00Z', labels: {'control-plane': 'envoy-gateway', 'app.kubernetes.io/name': 'gateway-helm', 'app.kubernetes.io/instance': 'eg', 'pod-template-hash': '7f8d9c6b5'}},
    spec: {containers: [{name: 'envoy-gateway', image: 'docker.io/envoyproxy/gateway:v1.8.1'}]},
    status: {phase: 'Running', conditions: [{type: 'Ready', status: 'False'}], containerStatuses: [{name: 'envoy-gateway', ready: false, restartCount: 3, state: {waiting: {reason: 'CrashLoopBackOff'}}}]},
  } as Any as KubeObject);
  return objs;
}

const NO_MATCH = '{"level":"error","ts":"2026-11-21T11:59:01.512Z","logger":"provider","caller":"kubernetes/kubernetes.go:160","msg":"error watching resources","runner":"provider","error":"no matches for kind \\"ListenerSet\\" in version \\"gateway.networking.k8s.io/v1\\""}';
const FORBIDDEN =
  'W1121 11:59:02.000000       1 reflector.go:569] k8s.io/client-go/tools/cache/reflector.go:251: failed to list *v1.ListenerSet: listenersets.gateway.networking.k8s.io is forbidden: User "system:serviceaccount:envoy-gateway-system:envoy-gateway" cannot list resource "listenersets" in API group "gateway.networking.k8s.io" at the cluster scope';

describe('IGW-214: failed watches in the Envoy Gateway controller log', () => {
  it('"no matches for kind" (JSON-escaped, previous container) → error naming the kind, fix installs the Gateway API bundle', () => {
    const f = doctor(crashing(), {snapshot: {logs: {[`envoy-gateway-system/${POD}/envoy-gateway/previous`]: `${NO_MATCH}\n`}}});
    const e = byCode(f, 'IGW-214').find((x) => x.severity === 'error')!;
    expect(e.message).toBe('Envoy Gateway envoy-gateway-system/envoy-gateway logs no matches for kind "ListenerSet" in version "gateway.networking.k8s.io/v1": it watches ListenerSet but the API server does not serve it at that version, so its cache never syncs and the controller exits (crash loop, no Gateway programmed; envoyproxy/gateway#8991)');
    expect(e.fix).toContain('kubectl apply --server-side -f https://github.com/kubernetes-sigs/gateway-api/releases/download/v1.6.1/standard-install.yaml');
    expect(e.fix).toContain('kubectl rollout restart deployment/envoy-gateway -n envoy-gateway-system');
  });

  it('"is forbidden" (reflector, repeated) → one error with the ClusterRole for the ServiceAccount the API server named', () => {
    const f = doctor(crashing(), {snapshot: {logs: {[`envoy-gateway-system/${POD}/envoy-gateway`]: `${FORBIDDEN}\n${FORBIDDEN.replace('cannot list', 'cannot watch')}\n${FORBIDDEN}\n`}}});
    const es = byCode(f, 'IGW-214').filter((x) => x.severity === 'error');
    expect(es).toHaveLength(1);
    expect(es[0]!.message).toContain('ServiceAccount envoy-gateway-system/envoy-gateway may not list/watch listenersets.gateway.networking.k8s.io');
    expect(es[0]!.fix).toContain('kubectl create clusterrole envoy-gateway-listenersets-reader --verb=get,list,watch --resource=listenersets.gateway.networking.k8s.io');
    expect(es[0]!.fix).toContain('--serviceaccount=envoy-gateway-system:envoy-gateway');
  });

  it('a log without either line → ok; no log read (healthy pods) → nothing', () => {
    const f = doctor(crashing(), {snapshot: {logs: {[`envoy-gateway-system/${POD}/envoy-gateway`]: '{"level":"info","msg":"Start runners"}\n'}}});
    expect(byCode(f, 'IGW-214').map((x) => x.severity)).toEqual(['ok']);
    expect(byCode(doctor(healthy), 'IGW-214')).toEqual([]);
  });
});

describe('IGW-214 and IGW-114: one root cause', () => {
  it('the ListenerSet CRD known missing (IGW-114 error) → the log line is shown blocked by IGW-114', () => {
    const objs = crashing();
    for (const d of objs.filter((o) => o.kind === 'Deployment' && o.metadata.name === 'envoy-gateway') as Any[]) d.spec.template.spec.containers[0].image = 'docker.io/envoyproxy/gateway:v1.8.1';
    const s = snap(objs, {logs: {[`envoy-gateway-system/${POD}/envoy-gateway/previous`]: `${NO_MATCH}\n`}});
    s.crds['listenersets.gateway.networking.k8s.io'] = null;
    const f = runDoctor(s, {now: NOW}).findings;
    expect(byCode(f, 'IGW-114').map((x) => x.severity)).toEqual(['error']);
    expect(byCode(f, 'IGW-214').map((x) => [x.severity, x.blockedBy])).toEqual([['blocked', ['IGW-114']]]);
  });
});
