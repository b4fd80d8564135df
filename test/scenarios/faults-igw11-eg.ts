// Faults of issue 11's Envoy Gateway / Gateway API / route group (NF1–NF4 of
// /work/notes/issue11-research.md), on top of a healthy install. Registered in faults.ts.
//
// Sources: envoyproxy/ai-gateway v1.1.0 manifests/envoy-gateway-values.yaml and
// templates/envoy_gateway_cluster_role_for_inference_pool.yaml (via ../shared/fixtures and
// envoy-gateway.ts), envoyproxy/ai-gateway#2560, kserve/kserve#5050, envoyproxy/gateway v1.9.1
// internal/xds/translator/route.go (15 s default route timeout).
import type {Fault} from './faults.ts';
import type {Installation} from './install.ts';
import {
  aiGatewayEnvoyGatewayConfig,
  backendResourceNames,
  DEFAULT_EG_VERSION,
  envoyGatewayConfigMap,
  extensionServiceOf,
  poolReaderBinding,
  writeEnvoyGatewayLogs,
} from './envoy-gateway.ts';
import {managers, podsOf, sleep, waitRolledOut, type KubeObject} from './kube.ts';
import {envoyProxyName} from './names.ts';
import {gatewayStatus} from './status.ts';
import {envoyGatewayHealthyLog} from './logs.ts';
import {POOL_GROUP} from './objects.ts';

type Yaml = Record<string, unknown>;

/** The namespace an Envoy Gateway namespace's ServiceAccount is wrongly bound in (the research fixture's "eg-system"). */
export const WRONG_EG_NAMESPACE = 'eg-system';

/** Writes envoy-gateway.yaml like `kubectl patch configmap`, after the controller pods' start (whole seconds). */
async function writeEgConfig(inst: Installation, config: Yaml): Promise<void> {
  const {kube, names} = inst;
  const pods = await podsOf(kube, names.egNamespace, {'control-plane': 'envoy-gateway'});
  const started = Math.max(0, ...pods.map((p) => Date.parse(p.status?.startTime ?? p.metadata.creationTimestamp ?? '') || 0));
  const wait = started + 1100 - Date.now();
  if (wait > 0) await sleep(wait);
  const cm = envoyGatewayConfigMap(names.egNamespace, config, DEFAULT_EG_VERSION);
  await kube.patch({apiVersion: 'v1', kind: 'ConfigMap', namespace: names.egNamespace, name: names.egConfigMap}, {data: cm.data}, 'merge', managers.kubectlPatch);
}

/** The config change as a user makes it: write, restart the controller (`kubectl rollout restart`), wait. Envoy Gateway accepts both configs below. */
async function restartedWith(inst: Installation, config: Yaml): Promise<void> {
  const {kube, names} = inst;
  await writeEgConfig(inst, config);
  writeEnvoyGatewayLogs(names.egNamespace, envoyGatewayHealthyLog({backendResources: backendResourceNames(config), extensionService: extensionServiceOf(config)}));
  await kube.patch(
    {apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.egNamespace, name: names.egDeployment},
    {spec: {template: {metadata: {annotations: {'kubectl.kubernetes.io/restartedAt': new Date().toISOString().replace(/\.\d+Z$/, 'Z')}}}}},
    'strategic',
    'kubectl-rollout',
  );
  await waitRolledOut(kube, names.egNamespace, names.egDeployment);
}

export const igw11EgFaults = {
  'eg-ai-gateway-hooks-incomplete': {
    description: "Envoy Gateway's AI Gateway extension manager lists only the Translation hook and no translation includeAll (envoyproxy/ai-gateway#2560): accepted, but the extension is never given listeners/routes",
    changes:
      'envoy-gateway-config = default + AI Gateway values + InferencePool addon, with hooks.xdsTranslator = {post: [Translation]} (no Cluster/Route, no translation block); controller restarted (Ready); statuses unchanged (everything looks deployed)',
    scope: 'envoy-gateway',
    async inject(inst) {
      const cfg = aiGatewayEnvoyGatewayConfig();
      (cfg.extensionManager as Yaml).hooks = {xdsTranslator: {post: ['Translation']}};
      await restartedWith(inst, cfg);
    },
  },
  'eg-backend-resources-v1alpha2': {
    description: 'backendResources lists InferencePool inference.networking.x-k8s.io/v1alpha2 next to v1 (kserve/kserve#5050)',
    changes: 'envoy-gateway-config backendResources = [x-k8s.io/v1alpha2 InferencePool, k8s.io/v1 InferencePool]; controller restarted (Ready)',
    scope: 'envoy-gateway',
    async inject(inst) {
      const cfg = aiGatewayEnvoyGatewayConfig();
      (cfg.extensionManager as Yaml).backendResources = [
        {group: 'inference.networking.x-k8s.io', kind: 'InferencePool', version: 'v1alpha2'},
        {group: POOL_GROUP, kind: 'InferencePool', version: 'v1'},
      ];
      await restartedWith(inst, cfg);
    },
  },
  'eg-sa-cannot-read-pools': {
    description: "Envoy AI Gateway's chart bound its InferencePool reader ClusterRole to ServiceAccount envoy-gateway in another namespace (value envoyGateway.namespace wrong)",
    changes: `ClusterRoleBinding envoy-ai-gateway-inference-pool-reader-binding:<egNamespace> subject namespace -> ${WRONG_EG_NAMESPACE}; the HTTPRoute stays unresolved (Envoy Gateway never sees the pool: ResolvedRefs=False)`,
    scope: 'envoy-gateway',
    async inject(inst) {
      const {kube, names} = inst;
      // roleRef is immutable, subjects are not: what a re-run of the chart with the wrong value writes.
      await kube.apply(poolReaderBinding(names.egNamespace, WRONG_EG_NAMESPACE));
      await inst.statuses.route({unresolved: {reason: 'BackendNotFound', message: `Failed to process route rule 0 backendRef 0: InferencePool ${names.namespace}/${names.pool} not found.`}});
    },
  },
  'route-no-request-timeout': {
    description: "The HTTPRoute to the InferencePool sets no timeouts.request: Envoy's 15 s route timeout cuts long generations (504)",
    changes: 'HTTPRoute spec.rules[0].timeouts removed (JSON patch); its status rewritten for the new generation',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      await kube.patch({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: names.routeNamespace, name: names.httpRoute}, [{op: 'remove', path: '/spec/rules/0/timeouts'}], 'json', managers.kubectlPatch);
      await inst.statuses.route();
    },
  },
  'eg-ai-gateway-tcp-listener': {
    description: 'A Gateway with a TCP listener on the Envoy Gateway that runs the AI Gateway extension: the extension fails on the TCP filter chain and no Gateway of that controller is programmed (envoyproxy/ai-gateway#2600)',
    changes:
      'Gateway "<gateway>-tcp" (listener sync TCP:22000, the install\'s GatewayClass) and its proxy Service in egNamespace; both Gateways Programmed=False ' +
      '(reason/message modelled on the issue report; the exact text Envoy Gateway writes is UNVERIFIED)',
    scope: 'envoy-gateway',
    async inject(inst) {
      const {kube, names} = inst;
      const name = `${names.gateway}-tcp`;
      const proxy = envoyProxyName(names.namespace, name);
      const owning = {'gateway.envoyproxy.io/owning-gateway-name': name, 'gateway.envoyproxy.io/owning-gateway-namespace': names.namespace};
      const gw = await kube.apply<KubeObject>({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'Gateway',
        metadata: {name, namespace: names.namespace},
        spec: {gatewayClassName: names.gatewayClass, listeners: [{name: 'sync', port: 22000, protocol: 'TCP'}]},
      });
      await kube.apply({apiVersion: 'v1', kind: 'Service', metadata: {name: proxy, namespace: names.egNamespace, labels: owning}, spec: {selector: owning, ports: [{name: 'tcp-22000', port: 22000, targetPort: 22000}]}});
      const problem = {reason: 'Invalid', message: 'Failed to apply extension post-translate hook: failed to find HCM in filter chain: unable to find HTTPConnectionManager in FilterChain: tcp/' + `${names.namespace}/${name}/sync`};
      await Promise.all([
        kube.applyStatus(
          {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: names.namespace, name},
          gatewayStatus({generation: gw.metadata.generation ?? 1, listenerName: 'sync', attachedRoutes: 0, notProgrammed: problem}),
          managers.envoyGateway,
        ),
        inst.statuses.gateway({notProgrammed: problem}),
      ]);
    },
  },
} satisfies Record<string, Fault>;
