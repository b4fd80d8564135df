// The healthy Envoy AI Gateway install with the inference-gateway chart's release added (wiring a on
// top: the chart's EnvoyExtensionPolicy) — what the install notes describe. Objects of the release are
// the real `helm template` output of the fixture chart, given the status the controllers would write.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {parseManifests} from '../../../src/helm/release.ts';
import type {KubeObject} from '../../../src/kube/client.ts';
import {helmReleaseSecret} from '../helm/secret.ts';
import {loadObjects, obj, repoRoot} from './fixture.ts';

export const RELEASE = 'igw';
export const EPP = 'igw-inference-gateway-epp';
export const GATEWAY = 'igw-inference-gateway';
export const POLICY = 'igw-inference-gateway-ext-proc';

const readRendered = (file: string) => readFileSync(join(repoRoot, 'test', 'unit', 'fixtures', 'doctor', file), 'utf8');
const renderedText = readRendered('chart-igw.rendered.yaml');
/** The chart with epp.schedulingConfig.enabled=true (a scheduling ConfigMap, --config-file). */
export const SCHEDULING_FILE = 'chart-igw-scheduling.rendered.yaml';

export function rendered(file = 'chart-igw.rendered.yaml'): KubeObject[] {
  return parseManifests(readRendered(file));
}

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** Add what the API server and controllers would add to the rendered objects. */
function live(o: KubeObject): KubeObject {
  const x = structuredClone(o) as KubeObject & Any;
  x.metadata.generation = 1;
  x.metadata.creationTimestamp = '2026-11-20T10:01:00Z';
  switch (x.kind) {
    case 'Deployment':
      x.status = {
        observedGeneration: 1,
        replicas: 1,
        updatedReplicas: 1,
        readyReplicas: 1,
        availableReplicas: 1,
        conditions: [
          {type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable'},
          {type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable'},
        ],
      };
      break;
    case 'Gateway':
      x.status = {
        addresses: [{type: 'IPAddress', value: '10.96.10.21'}],
        conditions: [
          {type: 'Accepted', status: 'True', reason: 'Accepted'},
          {type: 'Programmed', status: 'True', reason: 'Programmed'},
        ],
        listeners: [{name: 'http', attachedRoutes: 1, conditions: [{type: 'Programmed', status: 'True', reason: 'Programmed'}, {type: 'Accepted', status: 'True', reason: 'Accepted'}, {type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs'}]}],
      };
      break;
    case 'EnvoyExtensionPolicy':
      x.status = {ancestors: [{ancestorRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', name: GATEWAY, namespace: 'llm'}, controllerName: 'gateway.envoyproxy.io/gatewayclass-controller', conditions: [{type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Policy has been accepted.'}]}]};
      break;
  }
  return x;
}

export function eppPod(file?: string): KubeObject {
  const d = rendered(file).find((o) => o.kind === 'Deployment') as KubeObject & Any;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {name: `${EPP}-6d5f7c8b9-xk2lp`, namespace: 'llm', creationTimestamp: '2026-11-20T10:01:05Z', labels: {...d.spec.template.metadata.labels, 'pod-template-hash': '6d5f7c8b9'}},
    spec: structuredClone(d.spec.template.spec),
    status: {
      phase: 'Running',
      podIP: '10.0.0.31',
      startTime: '2026-11-20T10:01:06Z',
      conditions: [
        {type: 'PodScheduled', status: 'True'},
        {type: 'Ready', status: 'True'},
      ],
      containerStatuses: [{name: 'epp', ready: true, restartCount: 0, started: true, state: {running: {startedAt: '2026-11-20T10:01:08Z'}}}],
    },
  } as KubeObject;
}

export function chartInstall(opts: {release?: {status?: string; manifest?: string; config?: unknown}; file?: string} = {}): KubeObject[] {
  let objs = loadObjects('healthy-ai-gateway.yaml').filter(
    (o) => !(['qwen-epp', 'inference-gateway'].includes(o.metadata.name) && ['Deployment', 'Service', 'Gateway'].includes(o.kind ?? '')) && !(o.kind === 'Pod' && o.metadata.name.startsWith('qwen-epp-')) && !(o.kind === 'EndpointSlice' && o.metadata.name.startsWith('qwen-epp-')),
  );
  objs = [...objs, ...rendered(opts.file).map(live), eppPod(opts.file)];
  objs.push({
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: {name: `${EPP}-abcde`, namespace: 'llm', labels: {'kubernetes.io/service-name': EPP}},
    addressType: 'IPv4',
    endpoints: [{addresses: ['10.0.0.31'], conditions: {ready: true}}],
    ports: [{name: 'grpc', port: 9002}],
  } as KubeObject);
  const pool = obj<Any>(objs, 'InferencePool', 'qwen');
  pool.spec.endpointPickerRef.name = EPP;
  pool.status.parents[0].parentRef.name = GATEWAY;
  const route = obj<Any>(objs, 'HTTPRoute', 'qwen');
  route.spec.parentRefs[0].name = GATEWAY;
  route.status.parents[0].parentRef.name = GATEWAY;
  for (const s of objs.filter((o) => o.kind === 'Service' && o.metadata.namespace === 'envoy-gateway-system') as Any[]) {
    s.metadata.labels['gateway.envoyproxy.io/owning-gateway-name'] = GATEWAY;
  }
  objs.push(
    helmReleaseSecret({
      name: RELEASE,
      namespace: 'llm',
      version: 1,
      status: opts.release?.status ?? 'deployed',
      chart: 'inference-gateway',
      chartVersion: '0.3.0',
      config: opts.release?.config ?? {epp: {poolName: 'qwen'}, gatewayClassName: 'envoy-gateway'},
      values: {epp: {poolName: '', schedulingConfig: {enabled: opts.file === SCHEDULING_FILE}}, gateway: {port: 80, name: ''}, gatewayClassName: 'eg', extensionPolicy: {enabled: true}},
      manifest: opts.release?.manifest ?? (opts.file ? readRendered(opts.file) : renderedText),
    }),
  );
  return objs;
}
