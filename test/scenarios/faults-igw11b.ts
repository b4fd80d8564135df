// Faults of issue 11's leftovers (branch igw11b), on top of a healthy install. Registered in faults.ts.
//
// Upstream behaviour reproduced here:
// - standalone EPP: GIE v1.4.0 (the chart's EPP) and llm-d-router v0.10.0 cmd/epp/runner/runner.go
//   (extractGKNN needs env POD_NAME; `startCrdReconcilers := EndpointSelector unset`: only pods are
//   watched), pkg/epp/server/options.go (--endpoint-selector, --endpoint-target-ports).
// - TCP listener + AI Gateway: envoyproxy/ai-gateway#2600 (the Gateway and statuses of faults-igw11-eg.ts'
//   eg-ai-gateway-tcp-listener), with a TCPRoute (Gateway API v1.6.1 standard channel, v1) attached.
// - route timeout: envoyproxy/gateway v1.9.1 internal/xds/translator/route.go (Envoy's 15 s default when the
//   rule sets no timeouts.request), here on a route to LiteLLM, which forwards to the inference Gateway.
// - Envoy Gateway watch refused: kserve/kserve#5153 ("listenersets.gateway.networking.k8s.io is forbidden …
//   envoy-gateway cannot list resource "listenersets"" after an Envoy Gateway v1.8 upgrade with older RBAC);
//   the API server's denial text is k8s.io/apiserver responsewriters forbiddenMessage; the reflector and
//   cache-sync lines around it are modelled on client-go/controller-runtime (their exact text UNVERIFIED).
// - saturation detector: GIE v1.4.0 pkg/epp/saturationdetector/framework/plugins/utilizationdetector
//   (metrics older than metricsStalenessThreshold score as saturated; metrics refreshed every 50ms).
import type {Fault} from './faults.ts';
import type {Installation} from './install.ts';
import {managers, podReady, podsOf, replaceAllPods, until, waitingReason, waitRolledOut, type DeploymentJson} from './kube.ts';
import {envoyGatewayHealthyLog} from './logs.ts';
import {backendResourceNames, extensionServiceOf, aiGatewayEnvoyGatewayConfig, writeEnvoyGatewayLogs} from './envoy-gateway.ts';
import {ISVC_LABEL, MODEL_PORT} from './objects.ts';
import {igw11EgFaults} from './faults-igw11-eg.ts';

function eppRef(inst: Installation) {
  return {apiVersion: 'apps/v1', kind: 'Deployment', namespace: inst.names.namespace, name: inst.names.eppDeployment};
}

/** Index of the EPP container (named "epp") and its args, as the Deployment has them now. */
async function eppContainer(inst: Installation): Promise<{index: number; args: string[]}> {
  const d = await inst.kube.get<DeploymentJson & {spec: {template: {spec: {containers: {name: string; args?: string[]}[]}}}}>(eppRef(inst));
  const index = d.spec.template.spec.containers.findIndex((c) => c.name === 'epp');
  if (index < 0) throw new Error('scenarios: the EPP Deployment has no container "epp"');
  return {index, args: d.spec.template.spec.containers[index]!.args ?? []};
}

export const igw11bFaults = {
  'epp-standalone-role-without-pods': {
    description:
      'The EPP was switched to standalone mode (--endpoint-selector, no --pool-name) and its Role trimmed to what standalone mode reads — but the pods rule went instead of the InferencePool one',
    changes:
      'EPP Deployment (kubectl patch; the chart\'s GIE v1.4.0 EPP, which has standalone mode): --pool-name <pool> replaced by --endpoint-selector=<pool selector> --endpoint-target-ports=<model port>, env POD_NAME from metadata.name; ' +
      'Role <epp> rules = inferencepools and inferenceobjectives only (pods rule removed, kubectl edit); EPP pods roll and turn Ready',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      const {index, args} = await eppContainer(inst);
      const at = args.indexOf('--pool-name');
      if (at < 0) throw new Error('scenarios: the EPP has no --pool-name to replace');
      const path = `/spec/template/spec/containers/${index}`;
      await replaceAllPods(kube, names.namespace, names.eppDeployment, () =>
        kube.patch(
          eppRef(inst),
          [
            {op: 'replace', path: `${path}/args/${at}`, value: `--endpoint-selector=${ISVC_LABEL}=${names.inferenceService}`},
            {op: 'replace', path: `${path}/args/${at + 1}`, value: `--endpoint-target-ports=${MODEL_PORT}`},
            {op: 'add', path: `${path}/env/-`, value: {name: 'POD_NAME', valueFrom: {fieldRef: {fieldPath: 'metadata.name'}}}},
          ],
          'json',
          managers.kubectlPatch,
        ),
      );
      await kube.patch(
        {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', namespace: names.namespace, name: names.eppRole},
        {
          rules: [
            {apiGroups: ['inference.networking.k8s.io'], resources: ['inferencepools'], verbs: ['get', 'list', 'watch']},
            {apiGroups: ['inference.networking.x-k8s.io'], resources: ['inferenceobjectives'], verbs: ['get', 'list', 'watch']},
          ],
        },
        'merge',
        managers.kubectlEdit,
      );
      await waitRolledOut(kube, names.namespace, names.eppDeployment);
    },
  },
  'epp-saturation-staleness-at-refresh': {
    description:
      "The EPP's saturation detector was given metricsStalenessThreshold 50ms — the metrics refresh interval: between two polls every model server counts as stale, i.e. saturated, and sheddable requests get 429",
    changes: 'helm upgrade --reuse-values --set-string epp.schedulingConfig.saturationDetector.metricsStalenessThreshold=50ms; EPP restarted (kubectl rollout restart) and Ready',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      if (!inst.options.schedulingConfig) throw new Error('scenarios: this fault needs schedulingConfig: true');
      await inst.helmUpgrade([], ['epp.schedulingConfig.saturationDetector.metricsStalenessThreshold=50ms']);
      await replaceAllPods(kube, names.namespace, names.eppDeployment, () =>
        kube.patch(eppRef(inst), {spec: {template: {metadata: {annotations: {'kubectl.kubernetes.io/restartedAt': new Date().toISOString().replace(/\.\d+Z$/, 'Z')}}}}}, 'strategic', 'kubectl-rollout'),
      );
      await waitRolledOut(kube, names.namespace, names.eppDeployment);
    },
  },
  'eg-ai-gateway-tcp-route': {
    description:
      'A Gateway with a TCP listener and a TCPRoute on the Envoy Gateway that runs the AI Gateway extension: no Gateway of that controller is programmed (envoyproxy/ai-gateway#2600)',
    changes: 'as eg-ai-gateway-tcp-listener (Gateway "<gateway>-tcp", listener sync TCP:22000, both Gateways Programmed=False), plus TCPRoute "<gateway>-sync" (gateway.networking.k8s.io/v1) attached to it, to a Service on port 873',
    scope: 'envoy-gateway',
    async inject(inst) {
      const {kube, names} = inst;
      await igw11EgFaults['eg-ai-gateway-tcp-listener'].inject(inst);
      await kube.apply({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'TCPRoute',
        metadata: {name: `${names.gateway}-sync`, namespace: names.namespace},
        spec: {parentRefs: [{name: `${names.gateway}-tcp`, sectionName: 'sync'}], rules: [{backendRefs: [{name: 'rsync', port: 873}]}]},
      });
    },
  },
  'litellm-route-no-timeout': {
    description: "LiteLLM is published through the inference Gateway by an HTTPRoute without timeouts.request: Envoy's 15 s default cuts long generations before LiteLLM answers (504)",
    changes: 'HTTPRoute "<release>-litellm" in the LiteLLM namespace: parentRef the install\'s Gateway, path /litellm → Service <litellm>:4000, no timeouts (kubectl apply)',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      if (!inst.options.litellm) throw new Error('scenarios: this fault needs the LiteLLM install (litellm: true)');
      await kube.apply({
        apiVersion: 'gateway.networking.k8s.io/v1',
        kind: 'HTTPRoute',
        metadata: {name: `${names.release}-litellm`, namespace: names.litellmNamespace},
        spec: {
          parentRefs: [{name: names.gateway, namespace: names.namespace}],
          rules: [{matches: [{path: {type: 'PathPrefix', value: '/litellm'}}], backendRefs: [{name: names.litellmDeployment, port: 4000}]}],
        },
      });
    },
  },
  'eg-watch-forbidden-listenersets': {
    description:
      "Envoy Gateway was moved to v1.8.1 by image only: its ServiceAccount's ClusterRole (from the older chart) has no listenersets, v1.8 watches ListenerSet unconditionally, the watch is forbidden and the new controller pods crash-loop (kserve/kserve#5153)",
    changes:
      'envoy-gateway Deployment image -> docker.io/envoyproxy/gateway:v1.8.1 (kubectl set image) with crash-looping, never-ready pods next to the old Ready one (KWOK labels); ' +
      'previous log: start lines, reflector "listenersets.gateway.networking.k8s.io is forbidden: User \\"system:serviceaccount:<egNamespace>:envoy-gateway\\" cannot list resource \\"listenersets\\" …", cache-sync timeout',
    scope: 'envoy-gateway',
    async inject(inst) {
      const {kube, names} = inst;
      const denied = `listenersets.gateway.networking.k8s.io is forbidden: User "system:serviceaccount:${names.egNamespace}:envoy-gateway" cannot list resource "listenersets" in API group "gateway.networking.k8s.io" at the cluster scope`;
      const klog = (level: string, file: string, text: string) => `${level}${new Date().toISOString().slice(5, 10).replace('-', '')} ${new Date().toISOString().slice(11, 23)}000       1 ${file}] ${text}`;
      const cfg = aiGatewayEnvoyGatewayConfig();
      writeEnvoyGatewayLogs(names.egNamespace, [], [
        ...envoyGatewayHealthyLog({backendResources: backendResourceNames(cfg), extensionService: extensionServiceOf(cfg)}),
        klog('W', 'reflector.go:569', `k8s.io/client-go/tools/cache/reflector.go:251: failed to list *v1.ListenerSet: ${denied}`),
        klog('E', 'reflector.go:166', `"Unhandled Error" err="k8s.io/client-go/tools/cache/reflector.go:251: Failed to watch *v1.ListenerSet: failed to list *v1.ListenerSet: ${denied.replaceAll('"', '\\"')}"`),
        klog('E', 'controller.go:211', '"Could not wait for Cache to sync" err="failed to wait for gatewayapi caches to sync kind source: *v1.ListenerSet: timed out waiting for cache to be synced for Kind *v1.ListenerSet"'),
      ]);
      await kube.patch(
        {apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.egNamespace, name: names.egDeployment},
        {spec: {template: {metadata: {labels: {'infgw.test/crashloop': 'true', 'infgw.test/never-ready': 'true'}}, spec: {containers: [{name: 'envoy-gateway', image: 'docker.io/envoyproxy/gateway:v1.8.1'}]}}}},
        'strategic',
        managers.kubectlPatch,
      );
      await until('a crash-looping Envoy Gateway pod next to a Ready one', async () => {
        const pods = await podsOf(kube, names.egNamespace, {'control-plane': 'envoy-gateway'});
        return pods.some((p) => waitingReason(p) === 'CrashLoopBackOff') && pods.some(podReady);
      });
    },
  },
} satisfies Record<string, Fault>;
