// Named faults, one at a time, on top of a healthy install (install.ts). Each one changes the
// cluster the way the real mistake or failure does — through helm when the chart's values are the
// cause, through a patch when someone edited an object, through KWOK stage labels when a pod
// misbehaves — and writes the statuses the real controllers would then write. inject() returns
// once the change is visible on the cluster (pods crash-looping, statuses written).
//
// Sources for what each fault looks like: ../shared/docs/domain-facts.md §4 and §7, the install
// notes' TROUBLESHOOTING section, GIE site-src/guides/troubleshooting.md, Envoy Gateway
// api/v1alpha1/validation/envoygateway_validate.go.
import type {Installation, Wiring} from './install.ts';
import {writeEppLogs} from './install.ts';
import {
  aiGatewayBaseEnvoyGatewayConfig,
  backendResourceNames,
  CONFIG_KEY,
  DEFAULT_EG_VERSION,
  defaultEnvoyGatewayConfig,
  envoyGatewayConfigMap,
  gatewayClass,
  notesPatchedEnvoyGatewayConfig,
  writeEnvoyGatewayLogs,
} from './envoy-gateway.ts';
import {managers, podReady, podsOf, replaceAllPods, sleep, until, waitingReason, waitRolledOut, type DeploymentJson, type KubeObject, type ObjectRef, type PodJson} from './kube.ts';
import {
  envoyGatewayDecodeFailureLog,
  envoyGatewayHealthyLog,
  envoyGatewayRejectedReloadLog,
  envoyGatewayStartupFailureLog,
  eppCrashLog,
  eppForbiddenLog,
  eppPoolNotFoundLog,
  writeLog,
} from './logs.ts';
import * as objects from './objects.ts';
import {igw11EgFaults} from './faults-igw11-eg.ts';
import {extensionPolicyStatus, gatewayClassStatus} from './status.ts';
import {bbrFaults} from './faults-bbr.ts';
import {igw11EppFaults} from './faults-igw11-epp.ts';
import {implementationFaults} from './faults-implementations.ts';
import {igw11bFaults} from './faults-igw11b.ts';
import {implementationFaults2} from './faults-implementations2.ts';
import {backendFaults} from './faults-backend.ts';

export interface Fault {
  /** One line: the mistake or failure, in the user's words. */
  description: string;
  /** What inject() changes on the cluster (what a test can assert). */
  changes: string;
  /**
   * 'namespace': only this install's objects (safe with parallel installs).
   * 'envoy-gateway': Envoy Gateway's ConfigMap/controller — needs an install that owns its
   * Envoy Gateway namespace (InstallOptions.egNamespace).
   */
  scope: 'namespace' | 'envoy-gateway';
  /** The install this fault needs (InstallOptions.wiring); default: any. */
  wiring?: Wiring;
  inject(inst: Installation): Promise<void>;
}

// ---------------------------------------------------------------------------------------------
// Helpers

const LABEL_CRASHLOOP = 'infgw.test/crashloop';
const LABEL_NEVER_READY = 'infgw.test/never-ready';
const LABEL_IMAGE_PULL_ERROR = 'infgw.test/image-pull-error';

/** An EPP image tag no registry has (the epp-image-pull fault). */
const EPP_MISSING_TAG = 'v0.0.0-does-not-exist';

/** helm --set-string key for a pod label of the EPP (dots in the label key escaped). */
function eppPodLabel(label: string): string {
  return `epp.podLabels.${label.replaceAll('.', '\\.')}=true`;
}

function eppRef(inst: Installation): ObjectRef {
  return {apiVersion: 'apps/v1', kind: 'Deployment', namespace: inst.names.namespace, name: inst.names.eppDeployment};
}

function eppSelector(inst: Installation): Record<string, string> {
  return {'app.kubernetes.io/instance': inst.names.release, 'app.kubernetes.io/component': 'epp'};
}

async function eppPods(inst: Installation): Promise<PodJson[]> {
  return podsOf(inst.kube, inst.names.namespace, eppSelector(inst));
}

/** Waits until `want` EPP pods exist and every one satisfies `ok`. */
async function waitEppPods(inst: Installation, what: string, ok: (p: PodJson) => boolean): Promise<PodJson[]> {
  const want = inst.options.eppReplicas;
  return until(`EPP pods ${what}`, async () => {
    const pods = await eppPods(inst);
    return pods.length === want && pods.every(ok) ? pods : undefined;
  });
}

/** Changes the release through helm and replaces every EPP pod with one of the new template. */
async function upgradeReplacingEppPods(inst: Installation, set: string[], setString: string[] = []): Promise<void> {
  await replaceAllPods(inst.kube, inst.names.namespace, inst.names.eppDeployment, () => inst.helmUpgrade(set, setString));
}

/** Object timestamps have whole seconds: wait until a change now is strictly later than `since`. */
async function strictlyAfter(since: string | undefined): Promise<void> {
  if (!since) return;
  const wait = Date.parse(since) + 1100 - Date.now();
  if (wait > 0) await sleep(wait);
}

function latestStart(pods: PodJson[]): string | undefined {
  let latest: string | undefined;
  for (const p of pods) {
    const t = p.status?.startTime ?? p.metadata.creationTimestamp;
    if (t && (!latest || Date.parse(t) > Date.parse(latest))) latest = t;
  }
  return latest;
}

async function setLitellmApiBase(inst: Installation, apiBase: string): Promise<void> {
  if (!inst.options.litellm) throw new Error('scenarios: this fault needs the LiteLLM config (install with litellm: true)');
  await inst.kube.apply(objects.litellmConfigMap(inst.names, apiBase), managers.kubectlEdit);
}

function requireExtensionPolicy(inst: Installation): void {
  if (inst.options.wiring !== 'extension-policy') throw new Error("scenarios: this fault needs the chart's EnvoyExtensionPolicy: install with wiring 'extension-policy'");
}

/** Envoy Gateway stops managing the Gateway: its proxy goes, route/pool/policy lose their status. */
async function gatewayUnmanaged(inst: Installation): Promise<void> {
  const {kube, names} = inst;
  await Promise.all([
    inst.statuses.gateway({pending: true}),
    kube.delete({apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.egNamespace, name: names.proxyDeployment}),
    kube.delete({apiVersion: 'v1', kind: 'Service', namespace: names.egNamespace, name: names.proxyService}),
    kube.replaceStatus({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: names.routeNamespace, name: names.httpRoute}, {parents: []}),
    inst.statuses.pool({none: true}),
    ...(inst.options.wiring === 'extension-policy' ? [inst.statuses.policy({none: true})] : []),
  ]);
}

async function patchEgConfig(inst: Installation, config: Record<string, unknown>): Promise<string | undefined> {
  const {kube, names} = inst;
  const pods = await podsOf(kube, names.egNamespace, {'control-plane': 'envoy-gateway'});
  await strictlyAfter(latestStart(pods));
  // What `kubectl patch configmap envoy-gateway-config --type merge -p '{"data":{...}}'` does.
  const cm = envoyGatewayConfigMap(names.egNamespace, config, DEFAULT_EG_VERSION);
  await kube.patch({apiVersion: 'v1', kind: 'ConfigMap', namespace: names.egNamespace, name: names.egConfigMap}, {data: cm.data}, 'merge', managers.kubectlPatch);
  return latestStart(pods);
}

/** `kubectl rollout restart` (k8s.io/kubectl objectrestarter.go) plus optional template labels. */
async function rolloutRestart(inst: Installation, ref: ObjectRef, labels: Record<string, string> = {}): Promise<void> {
  await inst.kube.patch(
    ref,
    {spec: {template: {metadata: {annotations: {'kubectl.kubernetes.io/restartedAt': new Date().toISOString().replace(/\.\d+Z$/, 'Z')}, labels}}}},
    'strategic',
    'kubectl-rollout',
  );
}

const NO_HOOKS = 'registered extension has no hooks specified';

/** What the EPP's ServiceAccount may do, by SubjectAccessReview (as the apiserver's authorizer sees it now). */
async function eppMay(inst: Installation, attrs: {verb: string; group: string; resource: string; namespace?: string}): Promise<boolean> {
  const {names} = inst;
  const res = await inst.kube.client.create<{status: {allowed?: boolean}}>('/apis/authorization.k8s.io/v1/subjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SubjectAccessReview',
    spec: {
      user: `system:serviceaccount:${names.namespace}:${names.eppServiceAccount}`,
      groups: ['system:serviceaccounts', `system:serviceaccounts:${names.namespace}`, 'system:authenticated'],
      resourceAttributes: attrs,
    },
  });
  return res.status.allowed === true;
}

/** RBAC changes reach the authorizer through an informer: wait until it denies. */
async function untilEppDenied(inst: Installation, attrs: {verb: string; group: string; resource: string; namespace?: string}): Promise<void> {
  await until(`EPP ServiceAccount denied ${attrs.verb} ${attrs.resource}`, async () => !(await eppMay(inst, attrs)), 20_000, 100);
}

/** CPU quantity in cores ("1k", "32", "500m"). */
export function cpuCores(q: string): number {
  const m = /^([0-9.]+)([mkMG]?)$/.exec(q.trim());
  if (!m) return 0;
  const n = Number(m[1]);
  return m[2] === 'm' ? n / 1000 : m[2] === 'k' ? n * 1e3 : m[2] === 'M' ? n * 1e6 : m[2] === 'G' ? n * 1e9 : n;
}

// ---------------------------------------------------------------------------------------------
// The faults

export const faults = {
  // --- GatewayClass / Gateway -----------------------------------------------------------------
  'gatewayclass-missing': {
    description: 'The chart names a GatewayClass that does not exist (gatewayClassName=envoy-gateway)',
    changes:
      'helm upgrade --set gatewayClassName=envoy-gateway: Gateway.spec.gatewayClassName names no GatewayClass; Gateway status back to Pending ("Waiting for controller"); ' +
      'Envoy proxy Deployment/Service removed; HTTPRoute, InferencePool and EnvoyExtensionPolicy statuses emptied',
    scope: 'namespace',
    async inject(inst) {
      await inst.helmUpgrade(['gatewayClassName=envoy-gateway']);
      await gatewayUnmanaged(inst);
    },
  },
  'gatewayclass-not-accepted': {
    description: 'The GatewayClass exists but Envoy Gateway did not accept it (parametersRef to a missing EnvoyProxy)',
    changes:
      'new GatewayClass "<namespace>-eg" (EG controllerName, parametersRef EnvoyProxy <egNamespace>/custom-proxy-config that does not exist) with status Accepted=False InvalidParameters; ' +
      'helm upgrade --set gatewayClassName=<it>; Gateway Pending, proxy removed, route/pool/policy statuses emptied',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      const name = `${names.namespace}-eg`;
      inst.onCleanup(() => kube.delete({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name}));
      const gc = await kube.apply(
        gatewayClass(name, undefined, {group: 'gateway.envoyproxy.io', kind: 'EnvoyProxy', name: 'custom-proxy-config', namespace: names.egNamespace}),
      );
      await kube.applyStatus(
        {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name},
        gatewayClassStatus(gc.metadata.generation ?? 1, {
          reason: 'InvalidParameters',
          message: `Error retrieving parametersRef: EnvoyProxy ${names.egNamespace}/custom-proxy-config not found`,
        }),
        managers.envoyGateway,
      );
      await inst.helmUpgrade([`gatewayClassName=${name}`]);
      await gatewayUnmanaged(inst);
    },
  },
  'gateway-missing': {
    description: 'The chart was installed with gateway.enabled=false: no internal Gateway',
    changes:
      'helm upgrade --set gateway.enabled=false: the Gateway is deleted; Envoy proxy removed; HTTPRoute and InferencePool statuses emptied; EnvoyExtensionPolicy status left as it was (Envoy Gateway writes none for a missing Gateway)',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      await inst.helmUpgrade(['gateway.enabled=false']);
      await until('Gateway deleted', async () => !(await kube.getOptional({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: names.namespace, name: names.gateway})));
      await Promise.all([
        kube.delete({apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.egNamespace, name: names.proxyDeployment}),
        kube.delete({apiVersion: 'v1', kind: 'Service', namespace: names.egNamespace, name: names.proxyService}),
        kube.replaceStatus({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: names.routeNamespace, name: names.httpRoute}, {parents: []}),
        inst.statuses.pool({none: true}),
        // The EnvoyExtensionPolicy keeps its old status (Accepted=True): Envoy Gateway v1.9.1 writes no status
        // for a policy whose target Gateway is missing (internal/gatewayapi/envoyextensionpolicy.go,
        // processEnvoyExtensionPolicyForGateway returns early) and never clears one it wrote
        // (internal/provider/kubernetes/status.go skips delete updates). TargetNotFound is written only when
        // the Gateway exists and the targetRef's sectionName does not (internal/gatewayapi/validate.go).
      ]);
    },
  },
  'gateway-not-programmed': {
    description: 'The Gateway is accepted but not programmed: its Envoy proxy pods never become ready',
    changes:
      'Envoy proxy Deployment pods replaced by never-ready ones (label infgw.test/never-ready); Gateway Programmed=False reason NoResources "Envoy replicas unavailable"',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      const ref = {apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.egNamespace, name: names.proxyDeployment};
      await replaceAllPods(kube, names.egNamespace, names.proxyDeployment, () =>
        kube.patch(ref, {spec: {template: {metadata: {labels: {[LABEL_NEVER_READY]: 'true'}}}}}, 'strategic'),
      );
      await until('proxy pods running but not ready', async () => {
        const pods = await podsOf(kube, names.egNamespace, objects.proxyLabels(names));
        return pods.length > 0 && pods.every((p) => p.status?.phase === 'Running' && !podReady(p));
      });
      await inst.statuses.gateway({notProgrammed: {reason: 'NoResources', message: 'Envoy replicas unavailable'}});
    },
  },

  // --- HTTPRoute --------------------------------------------------------------------------------
  'route-pool-missing': {
    description: 'The HTTPRoute sends traffic to an InferencePool that does not exist (500 "fault filter abort")',
    changes: 'HTTPRoute backendRef name -> "<pool>-v2" (no such pool); route ResolvedRefs=False BackendNotFound; the real pool loses its parent status',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      await kube.patch(
        {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: names.routeNamespace, name: names.httpRoute},
        [{op: 'replace', path: '/spec/rules/0/backendRefs/0/name', value: `${names.pool}-v2`}],
        'json',
      );
      await Promise.all([
        inst.statuses.route({
          unresolved: {reason: 'BackendNotFound', message: `Failed to process route rule 0 backendRef 0: InferencePool ${names.namespace}/${names.pool}-v2 not found.`},
        }),
        inst.statuses.pool({none: true}),
      ]);
    },
  },
  'route-cross-namespace-no-grant': {
    description: 'The HTTPRoute is in another namespace than the InferencePool and no ReferenceGrant allows it (500)',
    changes:
      'HTTPRoute moved to namespace "<namespace>-routes" (backendRef namespace = the pool\'s), or the ReferenceGrant deleted when the install already had routeNamespace; ' +
      'route Accepted=True, ResolvedRefs=False RefNotPermitted; pool loses its parent status',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      let routeNs = names.routeNamespace;
      if (routeNs === names.namespace) {
        routeNs = `${names.namespace}-routes`;
        inst.onCleanup(() => kube.delete({apiVersion: 'v1', kind: 'Namespace', name: routeNs}));
        await kube.apply(objects.namespace(routeNs));
        await kube.apply(objects.httpRoute(names, {routeNamespace: routeNs}));
        await kube.delete({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: names.namespace, name: names.httpRoute});
        names.routeNamespace = routeNs;
      } else {
        await kube.delete({apiVersion: 'gateway.networking.k8s.io/v1beta1', kind: 'ReferenceGrant', namespace: names.namespace, name: objects.referenceGrant(names).metadata.name});
      }
      await Promise.all([
        inst.statuses.route({
          unresolved: {
            reason: 'RefNotPermitted',
            message: `Failed to process route rule 0 backendRef 0: backendRef InferencePool ${names.namespace}/${names.pool} is not permitted by any ReferenceGrant.`,
          },
        }),
        inst.statuses.pool({none: true}),
      ]);
      await inst.statuses.gateway();
    },
  },
  'route-invalid-kind': {
    description: 'Envoy Gateway has no AI Gateway extension manager, so an InferencePool backend is an invalid kind',
    changes:
      'envoy-gateway-config back to the chart default (no extensionManager) and the controller restarted (Ready); HTTPRoute ResolvedRefs=False InvalidKind; pool loses its parent status',
    scope: 'envoy-gateway',
    async inject(inst) {
      const {kube, names} = inst;
      const cfg = defaultEnvoyGatewayConfig();
      await patchEgConfig(inst, cfg);
      writeEnvoyGatewayLogs(names.egNamespace, envoyGatewayHealthyLog({backendResources: backendResourceNames(cfg)}));
      const ref = {apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.egNamespace, name: names.egDeployment};
      await rolloutRestart(inst, ref);
      await waitRolledOut(kube, names.egNamespace, names.egDeployment);
      await Promise.all([
        inst.statuses.route({
          unresolved: {reason: 'InvalidKind', message: 'Failed to process route rule 0 backendRef 0: Kind InferencePool is not supported.'},
        }),
        inst.statuses.pool({none: true}),
      ]);
    },
  },

  // --- InferencePool ----------------------------------------------------------------------------
  'pool-epp-port-8000': {
    description: 'The InferencePool\'s endpointPickerRef uses the model port 8000 instead of the EPP\'s 9002',
    changes: 'InferencePool spec.endpointPickerRef.port.number 9002 -> 8000 (status rewritten for the new generation)',
    scope: 'namespace',
    async inject(inst) {
      await inst.kube.patch(
        {apiVersion: `${objects.POOL_GROUP}/v1`, kind: 'InferencePool', namespace: inst.names.namespace, name: inst.names.pool},
        {spec: {endpointPickerRef: {port: {number: objects.MODEL_PORT}}}},
      );
      await inst.statuses.pool();
    },
  },
  'pool-target-port-mismatch': {
    description: 'The InferencePool\'s targetPorts do not match the model server\'s container port (503 "no healthy upstream")',
    changes: 'InferencePool spec.targetPorts [8000] -> [8080] (containers listen on 8000)',
    scope: 'namespace',
    async inject(inst) {
      await inst.kube.patch(
        {apiVersion: `${objects.POOL_GROUP}/v1`, kind: 'InferencePool', namespace: inst.names.namespace, name: inst.names.pool},
        {spec: {targetPorts: [{number: 8080}]}},
      );
      await inst.statuses.pool();
    },
  },
  'pool-selector-no-pods': {
    description: 'The InferencePool\'s selector matches no pod (503)',
    changes: 'InferencePool spec.selector.matchLabels -> {app: <model>} (KServe does not set that label): zero pods selected',
    scope: 'namespace',
    async inject(inst) {
      await inst.kube.patch(
        {apiVersion: `${objects.POOL_GROUP}/v1`, kind: 'InferencePool', namespace: inst.names.namespace, name: inst.names.pool},
        [{op: 'replace', path: '/spec/selector/matchLabels', value: {app: inst.names.inferenceService}}],
        'json',
      );
      await inst.statuses.pool();
      writeEppLogs(inst, []);
    },
  },
  'pool-only-v1alpha2': {
    description: 'The InferencePool exists only in the removed inference.networking.x-k8s.io/v1alpha2 API',
    changes:
      'v1 InferencePool deleted, the same pool created as inference.networking.x-k8s.io/v1alpha2 (selector map, targetPortNumber, extensionRef); ' +
      'HTTPRoute backendRef group -> inference.networking.x-k8s.io with ResolvedRefs=False InvalidKind; EPP (--pool-group inference.networking.k8s.io) never Ready',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      await kube.delete({apiVersion: `${objects.POOL_GROUP}/v1`, kind: 'InferencePool', namespace: names.namespace, name: names.pool});
      await kube.apply(objects.inferencePoolV1alpha2(names));
      await kube.patch(
        {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: names.routeNamespace, name: names.httpRoute},
        [{op: 'replace', path: '/spec/rules/0/backendRefs/0/group', value: objects.POOL_GROUP_OLD}],
        'json',
      );
      await inst.statuses.route({
        unresolved: {reason: 'InvalidKind', message: `Failed to process route rule 0 backendRef 0: Kind InferencePool of group ${objects.POOL_GROUP_OLD} is not supported.`},
      });
      await upgradeReplacingEppPods(inst, [], [eppPodLabel(LABEL_NEVER_READY)]);
      writeLog(inst.logFiles.epp, eppPoolNotFoundLog({pool: names.pool, namespace: names.namespace, poolGroup: objects.POOL_GROUP}));
      await waitEppPods(inst, 'running and not ready', (p) => p.status?.phase === 'Running' && !podReady(p));
    },
  },

  // --- Model serving ----------------------------------------------------------------------------
  'model-pods-not-ready': {
    description: 'The model server pods run but never become Ready (503; InferenceService not Ready)',
    changes:
      'predictor Deployment pods replaced by never-ready ones (label infgw.test/never-ready); InferenceService Ready=False and PredictorReady=False MinimumReplicasUnavailable',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      const ref = {apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.namespace, name: names.modelDeployment};
      await replaceAllPods(kube, names.namespace, names.modelDeployment, () =>
        kube.patch(ref, {spec: {template: {metadata: {labels: {[LABEL_NEVER_READY]: 'true'}}}}}, 'strategic', managers.kserve),
      );
      await until('model pods running but not ready', async () => {
        const pods = await podsOf(kube, names.namespace, {[objects.ISVC_LABEL]: names.inferenceService});
        return pods.length === inst.options.pods && pods.every((p) => p.status?.phase === 'Running' && !podReady(p));
      });
      await inst.statuses.inferenceService({notReady: {reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.'}});
      writeEppLogs(inst, []);
    },
  },

  // --- EPP ------------------------------------------------------------------------------------
  'epp-crashloop': {
    description: 'The EPP crash-loops',
    changes:
      'every EPP pod replaced by one that crash-loops and is never Ready (labels infgw.test/crashloop + never-ready via helm epp.podLabels): CrashLoopBackOff, restartCount > 0, Deployment unavailable; previous log ends "Failed to run EPP"',
    scope: 'namespace',
    async inject(inst) {
      writeLog(inst.logFiles.eppPrevious, eppCrashLog('failed to create the scheduler: plugin "prefix-cache-scorer": invalid parameters'));
      writeLog(inst.logFiles.epp, []);
      await upgradeReplacingEppPods(inst, [], [eppPodLabel(LABEL_CRASHLOOP), eppPodLabel(LABEL_NEVER_READY)]);
      await waitEppPods(inst, 'in CrashLoopBackOff', (p) => waitingReason(p) === 'CrashLoopBackOff');
    },
  },
  'epp-image-pull': {
    description: 'The EPP image cannot be pulled (the image tag does not exist)',
    changes:
      'helm upgrade --set epp.image.tag=v0.0.0-does-not-exist, every EPP pod replaced by one labelled infgw.test/image-pull-error (via helm epp.podLabels): Pending (scheduled), containers waiting ImagePullBackOff "Back-off pulling image ...", never Ready, Deployment unavailable',
    scope: 'namespace',
    async inject(inst) {
      writeLog(inst.logFiles.epp, []);
      await upgradeReplacingEppPods(inst, [`epp.image.tag=${EPP_MISSING_TAG}`], [eppPodLabel(LABEL_IMAGE_PULL_ERROR)]);
      await waitEppPods(inst, 'in ImagePullBackOff', (p) => waitingReason(p) === 'ImagePullBackOff');
    },
  },
  'epp-unschedulable': {
    description: 'The EPP cannot be scheduled (requests more CPU than any node has)',
    changes: 'helm upgrade --set epp.resources.requests.cpu=<twice the largest node allocatable>: every EPP pod Pending with PodScheduled=False Unschedulable (Insufficient cpu)',
    scope: 'namespace',
    async inject(inst) {
      const nodes = await inst.kube.list<KubeObject & {status?: {allocatable?: {cpu?: string}}}>({apiVersion: 'v1', kind: 'Node'});
      const most = Math.max(1, ...nodes.map((n) => cpuCores(n.status?.allocatable?.cpu ?? '0')));
      await upgradeReplacingEppPods(inst, [`epp.resources.requests.cpu=${Math.ceil(most * 2)}`]);
      await waitEppPods(inst, 'unschedulable', (p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable') ?? false);
    },
  },
  'epp-role-missing-inferencepools': {
    description: 'The EPP\'s Role does not allow it to read InferencePools (EPP forbidden, never ready)',
    changes: 'Role <epp> loses the inferencepools rule (pods and inferenceobjectives remain); EPP pods replaced by never-ready ones; EPP log shows the forbidden error',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      await upgradeReplacingEppPods(inst, [], [eppPodLabel(LABEL_NEVER_READY)]);
      await kube.patch(
        {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', namespace: names.namespace, name: names.eppRole},
        [
          {
            op: 'replace',
            path: '/rules',
            value: [
              {apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch']},
              {apiGroups: [objects.POOL_GROUP_OLD], resources: ['inferenceobjectives'], verbs: ['get', 'list', 'watch']},
            ],
          },
        ],
        'json',
        managers.kubectlEdit,
      );
      writeLog(inst.logFiles.epp, eppForbiddenLog({namespace: names.namespace, serviceAccount: names.eppServiceAccount, resource: 'inferencepools', group: objects.POOL_GROUP, kind: '*v1.InferencePool', name: names.pool}));
      await untilEppDenied(inst, {verb: 'list', group: objects.POOL_GROUP, resource: 'inferencepools', namespace: names.namespace});
      await waitEppPods(inst, 'running and not ready', (p) => p.status?.phase === 'Running' && !podReady(p));
    },
  },
  'epp-no-tokenreviews': {
    description: 'The EPP\'s service account may not create TokenReviews (its /metrics answers 401/500)',
    changes: 'ClusterRole <epp>-<namespace>-auth loses the tokenreviews create rule; with withEppMetrics, /metrics with a valid token answers 500 "Authentication failed"',
    scope: 'namespace',
    async inject(inst) {
      await inst.kube.patch(
        {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: inst.names.eppClusterRole},
        [
          {
            op: 'replace',
            path: '/rules',
            value: [
              {apiGroups: ['authorization.k8s.io'], resources: ['subjectaccessreviews'], verbs: ['create']},
              {nonResourceURLs: ['/metrics'], verbs: ['get']},
            ],
          },
        ],
        'json',
        managers.kubectlEdit,
      );
      await untilEppDenied(inst, {verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews'});
    },
  },
  'epp-pool-group-mismatch': {
    description: 'The EPP watches the other InferencePool API group (--pool-group inference.networking.x-k8s.io) and sees no pool',
    changes: 'EPP Deployment arg --pool-group -> inference.networking.x-k8s.io (edited); EPP pods replaced by never-ready ones; EPP log says the pool is not found',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      const d = await kube.get<DeploymentJson>(eppRef(inst));
      const containers = d.spec.template.spec.containers as {name: string; args?: string[]}[];
      const i = containers.findIndex((c) => c.name === 'epp');
      const args = containers[i]?.args ?? [];
      const j = args.indexOf('--pool-group');
      if (i < 0 || j < 0) throw new Error('scenarios: EPP container has no --pool-group argument');
      await replaceAllPods(kube, names.namespace, names.eppDeployment, () =>
        kube.patch(
          eppRef(inst),
          [
            {op: 'replace', path: `/spec/template/spec/containers/${i}/args/${j + 1}`, value: objects.POOL_GROUP_OLD},
            {op: 'add', path: `/spec/template/metadata/labels/${LABEL_NEVER_READY.replace('/', '~1')}`, value: 'true'},
          ],
          'json',
          managers.kubectlEdit,
        ),
      );
      writeLog(inst.logFiles.epp, eppPoolNotFoundLog({pool: names.pool, namespace: names.namespace, poolGroup: objects.POOL_GROUP_OLD}));
      await waitEppPods(inst, 'running and not ready', (p) => p.status?.phase === 'Running' && !podReady(p));
    },
  },
  'epp-pool-name-mismatch': {
    description: 'epp.poolName names the InferenceService instead of the InferencePool: the EPP finds no pool',
    changes: 'helm upgrade --set epp.poolName=<model> (the pool is "<model>-pool"): EPP --pool-name changes, pods replaced by never-ready ones, EPP log says the pool is not found',
    scope: 'namespace',
    async inject(inst) {
      const {names} = inst;
      await upgradeReplacingEppPods(inst, [`epp.poolName=${names.inferenceService}`], [eppPodLabel(LABEL_NEVER_READY)]);
      writeLog(inst.logFiles.epp, eppPoolNotFoundLog({pool: names.inferenceService, namespace: names.namespace, poolGroup: objects.POOL_GROUP}));
      await waitEppPods(inst, 'running and not ready', (p) => p.status?.phase === 'Running' && !podReady(p));
    },
  },
  'epp-service-missing': {
    description: 'The EPP Service is gone: the pool\'s endpointPickerRef and the ext-proc backend point at nothing',
    changes: 'EPP Service deleted; InferencePool ResolvedRefs=False InvalidExtensionRef; EnvoyExtensionPolicy (if any) Accepted=False Invalid',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      await kube.delete({apiVersion: 'v1', kind: 'Service', namespace: names.namespace, name: names.eppService});
      const message = `Service ${names.namespace}/${names.eppService} not found`;
      await Promise.all([
        inst.statuses.pool({unresolved: {reason: 'InvalidExtensionRef', message}}),
        ...(inst.options.wiring === 'extension-policy' ? [inst.statuses.policy({notAccepted: {reason: 'Invalid', message: `ExtProc: ${message}.`}})] : []),
      ]);
    },
  },
  'epp-tls': {
    description: "The EPP serves TLS on 9002 but the chart's EnvoyExtensionPolicy speaks plain gRPC to it (gRPC status 14)",
    changes: 'helm upgrade --set epp.secureServing=true: the --secure-serving=false argument is gone (EPP pods roll and become Ready); no BackendTLSPolicy for the EPP Service',
    scope: 'namespace',
    wiring: 'extension-policy',
    async inject(inst) {
      await upgradeReplacingEppPods(inst, ['epp.secureServing=true']);
      await waitRolledOut(inst.kube, inst.names.namespace, inst.names.eppDeployment);
    },
  },
  'epp-fan-in': {
    description: 'Two InferencePools share one EPP (the fan-in anti-pattern: each pool needs its own EPP)',
    changes:
      'a second model "<model>-b" (InferenceService Ready, 1 predictor pod), InferencePool "<model>-b-pool" whose endpointPickerRef names the same EPP Service, and HTTPRoute "<model>-b-route" to it (Accepted)',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      const b = `${names.inferenceService}-b`;
      const isvc = await kube.apply(objects.inferenceService(names, 1, b));
      const owner = {uid: isvc.metadata.uid ?? ''};
      await Promise.all([
        kube.apply(objects.predictorDeployment(names, 1, owner, b), managers.kserve),
        kube.apply(objects.predictorService(names, owner, b), managers.kserve),
        kube.apply(objects.inferencePool(names, {name: `${b}-pool`, isvc: b})),
        kube.apply(objects.httpRoute(names, {name: `${b}-route`, pool: `${b}-pool`})),
      ]);
      await waitRolledOut(kube, names.namespace, `${b}-predictor`);
      await Promise.all([
        inst.statuses.inferenceService({name: b}),
        inst.statuses.pool({name: `${b}-pool`}),
        inst.statuses.route({name: `${b}-route`}),
      ]);
      await inst.statuses.gateway();
    },
  },

  // --- EnvoyExtensionPolicy -------------------------------------------------------------------
  'policy-not-accepted': {
    description: "The EnvoyExtensionPolicy was not accepted: its ext-proc backendRef names a port the EPP Service does not have (9003, the health port)",
    changes: 'EnvoyExtensionPolicy extProc backendRef port 9002 -> 9003 (edited; still the EPP Service); Accepted=False Invalid',
    scope: 'namespace',
    wiring: 'extension-policy',
    async inject(inst) {
      requireExtensionPolicy(inst);
      const {kube, names} = inst;
      await kube.patch(
        {apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyExtensionPolicy', namespace: names.namespace, name: names.extensionPolicy},
        [{op: 'replace', path: '/spec/extProc/0/backendRefs/0/port', value: 9003}],
        'json',
        managers.kubectlEdit,
      );
      await inst.statuses.policy({notAccepted: {reason: 'Invalid', message: `Failed to process ExtProc: port 9003 not found in Service ${names.namespace}/${names.eppService}.`}});
    },
  },
  'policy-response-buffered': {
    description: 'The ext-proc response body mode is Buffered: streamed responses arrive all at once',
    changes: 'helm upgrade --set extensionPolicy.responseBodyMode=Buffered (policy still Accepted)',
    scope: 'namespace',
    wiring: 'extension-policy',
    async inject(inst) {
      requireExtensionPolicy(inst);
      await inst.helmUpgrade(['extensionPolicy.responseBodyMode=Buffered']);
      await inst.statuses.policy();
    },
  },
  'policy-message-timeout-200ms': {
    description: 'The ext-proc messageTimeout is 200ms (Envoy Gateway\'s default): EPP calls time out under load (500/504)',
    changes: 'helm upgrade --set extensionPolicy.messageTimeout=200ms (policy still Accepted)',
    scope: 'namespace',
    wiring: 'extension-policy',
    async inject(inst) {
      requireExtensionPolicy(inst);
      await inst.helmUpgrade(['extensionPolicy.messageTimeout=200ms']);
      await inst.statuses.policy();
    },
  },
  'policy-and-ai-gateway': {
    description: "The chart's EnvoyExtensionPolicy AND the AI Gateway extension both send requests to the EPP (each request picked twice)",
    changes:
      "on an 'ai-gateway' install: helm upgrade --set extensionPolicy.enabled=true (the chart's default): an EnvoyExtensionPolicy with ext-proc to the same EPP on the Gateway, Accepted",
    scope: 'namespace',
    wiring: 'ai-gateway',
    async inject(inst) {
      if (inst.options.wiring !== 'ai-gateway') throw new Error("scenarios: policy-and-ai-gateway starts from an install with wiring 'ai-gateway'");
      await inst.helmUpgrade(['extensionPolicy.enabled=true']);
      inst.options.wiring = 'extension-policy';
      await inst.statuses.policy();
    },
  },

  // --- Scheduling config ----------------------------------------------------------------------
  'scheduling-config-changed': {
    description: 'The scheduling ConfigMap changed after the EPP pods started (not applied until they restart)',
    changes: 'helm upgrade --set epp.schedulingConfig.scorers 50/40/10 (still 100) after the EPP pods started; pods not restarted',
    scope: 'namespace',
    async inject(inst) {
      if (!inst.options.schedulingConfig) throw new Error('scenarios: this fault needs schedulingConfig: true');
      await strictlyAfter(latestStart(await eppPods(inst)));
      await inst.helmUpgrade([
        'epp.schedulingConfig.scorers.prefixCacheScorer=50',
        'epp.schedulingConfig.scorers.kvCacheUtilizationScorer=40',
        'epp.schedulingConfig.scorers.queueScorer=10',
      ]);
    },
  },
  'scheduling-weights-not-100': {
    description: 'The scorer weights do not sum to 100 (the chart\'s rule): 60 + 30 + 20',
    changes: 'helm upgrade --set epp.schedulingConfig.scorers.queueScorer=20, then the EPP restarted (pods newer than the ConfigMap)',
    scope: 'namespace',
    async inject(inst) {
      if (!inst.options.schedulingConfig) throw new Error('scenarios: this fault needs schedulingConfig: true');
      await inst.helmUpgrade(['epp.schedulingConfig.scorers.queueScorer=20']);
      const cm = await inst.kube.get({apiVersion: 'v1', kind: 'ConfigMap', namespace: inst.names.namespace, name: inst.names.eppConfigMap});
      const changed = cm.metadata.managedFields?.map((f) => f.time ?? '').sort().at(-1);
      await strictlyAfter(changed);
      await replaceAllPods(inst.kube, inst.names.namespace, inst.names.eppDeployment, () => rolloutRestart(inst, eppRef(inst)));
      await waitRolledOut(inst.kube, inst.names.namespace, inst.names.eppDeployment);
    },
  },

  // --- Envoy Gateway ----------------------------------------------------------------------------
  'eg-config-notes-patch': {
    description: 'The install notes\' kubectl patch replaced envoy-gateway.yaml: backendResources alone, no hooks/service (invalid); controller not restarted',
    changes:
      'envoy-gateway-config envoy-gateway.yaml = the notes\' content (extensionManager.backendResources [{group: "", kind: Service}] only; the default config dropped), ' +
      'changed after the controller started; controller still running the old config and logging "failed to validate EnvoyGateway config"',
    scope: 'envoy-gateway',
    async inject(inst) {
      const {names} = inst;
      await patchEgConfig(inst, notesPatchedEnvoyGatewayConfig(names.egNamespace));
      writeEnvoyGatewayLogs(names.egNamespace, [
        ...envoyGatewayHealthyLog({backendResources: [`${objects.POOL_GROUP}/v1, Kind=InferencePool`], extensionService: 'ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local:1063'}),
        ...envoyGatewayRejectedReloadLog(NO_HOOKS),
      ]);
    },
  },
  'eg-config-notes-patch-restarted': {
    description: 'The notes\' kubectl patch + rollout restart: the new Envoy Gateway pod crash-loops ("no hooks specified"), the old one keeps serving',
    changes:
      'as eg-config-notes-patch, then kubectl rollout restart of the controller: a new pod in CrashLoopBackOff, never Ready (labels infgw.test/crashloop + never-ready), the old pod still Ready; ' +
      'previous log "Error: registered extension has no hooks specified"',
    scope: 'envoy-gateway',
    async inject(inst) {
      const {kube, names} = inst;
      await patchEgConfig(inst, notesPatchedEnvoyGatewayConfig(names.egNamespace));
      writeEnvoyGatewayLogs(names.egNamespace, [], envoyGatewayStartupFailureLog(NO_HOOKS));
      // never-ready too: the pod must never look Ready (a real one dies at start-up), else the
      // rolling update would retire the old pod before the crash loop shows.
      await rolloutRestart(inst, {apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.egNamespace, name: names.egDeployment}, {
        [LABEL_CRASHLOOP]: 'true',
        [LABEL_NEVER_READY]: 'true',
      });
      await until('a crash-looping Envoy Gateway pod next to a Ready one', async () => {
        const pods = await podsOf(kube, names.egNamespace, {'control-plane': 'envoy-gateway'});
        return pods.some((p) => waitingReason(p) === 'CrashLoopBackOff') && pods.some(podReady);
      });
    },
  },
  'eg-version-old': {
    description: "Envoy Gateway is older than 1.6, which the EnvoyExtensionPolicy's Streamed response body mode needs",
    changes: 'envoy-gateway Deployment image -> docker.io/envoyproxy/gateway:v1.5.3 (rolled out, Ready), on an install with the chart\'s EnvoyExtensionPolicy (response body Streamed)',
    scope: 'envoy-gateway',
    wiring: 'extension-policy',
    async inject(inst) {
      const {kube, names} = inst;
      await kube.patch(
        {apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.egNamespace, name: names.egDeployment},
        {spec: {template: {spec: {containers: [{name: 'envoy-gateway', image: 'docker.io/envoyproxy/gateway:v1.5.3'}]}}}},
        'strategic',
      );
      await waitRolledOut(kube, names.egNamespace, names.egDeployment);
    },
  },

  // --- More of the chain: pool and Service names, release state, routes, other policies -------
  'pool-missing': {
    description: 'The InferencePool does not exist (the model-serving chart was installed with inferencePool.enabled=false)',
    changes: 'InferencePool deleted: HTTPRoute ResolvedRefs=False BackendNotFound; EPP pods replaced by never-ready ones, EPP log says the pool is not found',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      await kube.delete({apiVersion: `${objects.POOL_GROUP}/v1`, kind: 'InferencePool', namespace: names.namespace, name: names.pool});
      await inst.statuses.route({
        unresolved: {reason: 'BackendNotFound', message: `Failed to process route rule 0 backendRef 0: InferencePool ${names.namespace}/${names.pool} not found.`},
      });
      await upgradeReplacingEppPods(inst, [], [eppPodLabel(LABEL_NEVER_READY)]);
      writeLog(inst.logFiles.epp, eppPoolNotFoundLog({pool: names.pool, namespace: names.namespace, poolGroup: objects.POOL_GROUP}));
      await waitEppPods(inst, 'running and not ready', (p) => p.status?.phase === 'Running' && !podReady(p));
    },
  },
  'pool-epp-service-name-mismatch': {
    description: "The InferencePool's endpointPickerRef names an EPP Service that does not exist (eppServiceName does not match the chart's eppName)",
    changes: 'InferencePool spec.endpointPickerRef.name -> "<release>-epp" (the chart names it "<release>-inference-gateway-epp"); pool ResolvedRefs=False InvalidExtensionRef',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      const wrong = `${names.release}-epp`;
      await kube.patch({apiVersion: `${objects.POOL_GROUP}/v1`, kind: 'InferencePool', namespace: names.namespace, name: names.pool}, {spec: {endpointPickerRef: {name: wrong}}});
      await inst.statuses.pool({unresolved: {reason: 'InvalidExtensionRef', message: `Service ${names.namespace}/${wrong} not found`}});
    },
  },
  'epp-service-no-endpoints': {
    description: "The EPP Service's selector matches no pod: the Service has no endpoints although the EPP runs",
    changes: 'EPP Service spec.selector app.kubernetes.io/component -> endpoint-picker (edited; the pods say epp): its EndpointSlice has no endpoints; EPP pods still Ready',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      await kube.patch({apiVersion: 'v1', kind: 'Service', namespace: names.namespace, name: names.eppService}, {spec: {selector: {'app.kubernetes.io/component': 'endpoint-picker'}}}, 'merge', managers.kubectlEdit);
      await until('EPP Service without endpoints', async () => {
        const slices = await kube.client.list<{endpoints?: unknown[]}>(`/apis/discovery.k8s.io/v1/namespaces/${names.namespace}/endpointslices`, {
          query: {labelSelector: `kubernetes.io/service-name=${names.eppService}`},
        });
        return slices.items.every((sl) => (sl.endpoints ?? []).length === 0);
      });
    },
  },
  'release-failed': {
    description: 'The last helm upgrade of the release failed (the API server rejected the Gateway): the release is in state failed',
    changes: 'helm upgrade --set gateway.port=0 is rejected by the Gateway CRD validation: release revision 2 with status "failed"; the cluster still has revision 1\'s objects',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      const err = await inst.helmUpgrade(['gateway.port=0']).then(
        () => undefined,
        (error: unknown) => error,
      );
      if (!err) throw new Error('scenarios: release-failed expected helm upgrade to fail');
      await until('release revision 2 failed', async () => {
        const sec = await kube.getOptional({apiVersion: 'v1', kind: 'Secret', namespace: names.namespace, name: `sh.helm.release.v1.${names.release}.v2`});
        return sec?.metadata.labels?.status === 'failed';
      });
    },
  },
  'release-rolebinding-deleted': {
    description: "An object the release rendered is gone: the EPP's RoleBinding was deleted (EPP forbidden, never ready)",
    changes: 'RoleBinding <epp> deleted (still in the release manifest); EPP pods replaced by never-ready ones; EPP log shows the forbidden error for pods',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      await upgradeReplacingEppPods(inst, [], [eppPodLabel(LABEL_NEVER_READY)]);
      await kube.delete({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespace: names.namespace, name: names.eppRole});
      writeLog(inst.logFiles.epp, eppForbiddenLog({namespace: names.namespace, serviceAccount: names.eppServiceAccount, resource: 'pods', group: ''}));
      await untilEppDenied(inst, {verb: 'list', group: '', resource: 'pods', namespace: names.namespace});
      await waitEppPods(inst, 'running and not ready', (p) => p.status?.phase === 'Running' && !podReady(p));
    },
  },
  'route-wrong-parent': {
    description: 'The HTTPRoute attaches to a Gateway that does not exist (inferencePoolRoute.gatewayName does not match the chart\'s Gateway)',
    changes: 'HTTPRoute parentRef name -> "inference-gateway" (no such Gateway): no controller writes its status (parents []), the pool loses its parent, the Gateway has 0 attached routes',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      const ref = {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: names.routeNamespace, name: names.httpRoute};
      await kube.patch(ref, [{op: 'replace', path: '/spec/parentRefs/0/name', value: 'inference-gateway'}], 'json');
      await Promise.all([kube.replaceStatus(ref, {parents: []}), inst.statuses.pool({none: true})]);
      await inst.statuses.gateway();
    },
  },
  'other-policy-on-gateway': {
    // Body-based routing is no longer "another policy": it is on the request path and judged by
    // IGW-435…IGW-442 (issue 16; its healthy form is install-bbr.ts, its faults faults-bbr.ts). The
    // legitimate other policy is an ext-proc that neither picks endpoints nor sets the model header.
    description: 'Not a fault: a second, unrelated EnvoyExtensionPolicy (a request-auditing ext-proc, neither the EPP nor body-based routing) on the same Gateway — legitimate, must not be flagged',
    changes: 'Deployment + Service "request-auditor" (grpc 9000) and EnvoyExtensionPolicy "request-auditing" targeting the Gateway with ext-proc (request headers only) to it, Accepted',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      const labels = {'app.kubernetes.io/name': 'request-auditor'};
      await Promise.all([
        kube.apply({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: {name: 'request-auditor', namespace: names.namespace, labels},
          spec: {
            replicas: 1,
            selector: {matchLabels: labels},
            template: {
              metadata: {labels},
              spec: {containers: [{name: 'auditor', image: 'mirror.example/request-auditor:v1.0.0', ports: [{name: 'grpc', containerPort: 9000}]}]},
            },
          },
        }),
        kube.apply({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: {name: 'request-auditor', namespace: names.namespace, labels},
          spec: {selector: labels, ports: [{name: 'grpc', port: 9000, targetPort: 9000, appProtocol: 'http2'}]},
        }),
        kube.apply({
          apiVersion: 'gateway.envoyproxy.io/v1alpha1',
          kind: 'EnvoyExtensionPolicy',
          metadata: {name: 'request-auditing', namespace: names.namespace},
          spec: {
            targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'Gateway', name: names.gateway}],
            extProc: [{backendRefs: [{group: '', kind: 'Service', name: 'request-auditor', port: 9000}], processingMode: {request: {}}, messageTimeout: '1s'}],
          },
        }),
      ]);
      const ref = {apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyExtensionPolicy', namespace: names.namespace, name: 'request-auditing'};
      const generation = (await kube.get(ref)).metadata.generation ?? 1;
      await kube.replaceStatus(ref, extensionPolicyStatus({generation, gateway: {name: names.gateway, namespace: names.namespace}}));
      await waitRolledOut(kube, names.namespace, 'request-auditor');
    },
  },
  'scheduling-unknown-plugin': {
    description: 'The scheduling config names a plugin type that does not exist (picker "max-scorer-picker"): the EPP crash-loops',
    changes:
      'helm upgrade --set epp.schedulingConfig.picker=max-scorer-picker; EPP pods replaced by crash-looping, never-ready ones; previous log "failed to create plugin: unknown plugin type max-scorer-picker"',
    scope: 'namespace',
    async inject(inst) {
      if (!inst.options.schedulingConfig) throw new Error('scenarios: this fault needs schedulingConfig: true');
      writeLog(inst.logFiles.eppPrevious, eppCrashLog('failed to load the EndpointPickerConfig: failed to create plugin "max-scorer-picker": unknown plugin type max-scorer-picker'));
      writeLog(inst.logFiles.epp, []);
      await upgradeReplacingEppPods(inst, ['epp.schedulingConfig.picker=max-scorer-picker'], [eppPodLabel(LABEL_CRASHLOOP), eppPodLabel(LABEL_NEVER_READY)]);
      await waitEppPods(inst, 'in CrashLoopBackOff', (p) => waitingReason(p) === 'CrashLoopBackOff');
    },
  },
  'epp-upgraded-inline-saturation': {
    description: "The EPP was upgraded to GIE v1.5.0 but the chart's config keeps the inline saturationDetector (the GIE <= 1.4 form), which 1.5 does not apply",
    changes: 'helm upgrade --set epp.image.tag=v1.5.0 (EPP pods roll and become Ready); the ConfigMap still has saturationDetector {queueDepthThreshold, kvCacheUtilThreshold, metricsStalenessThreshold}',
    scope: 'namespace',
    async inject(inst) {
      if (!inst.options.schedulingConfig) throw new Error('scenarios: this fault needs schedulingConfig: true');
      await upgradeReplacingEppPods(inst, ['epp.image.tag=v1.5.0']);
      await waitRolledOut(inst.kube, inst.names.namespace, inst.names.eppDeployment);
    },
  },

  // --- Envoy Gateway, more ---------------------------------------------------------------------
  'eg-controller-crashloop': {
    description: "Envoy Gateway was installed with the notes' invalid config: every controller pod crash-loops, none is running",
    changes:
      "envoy-gateway-config = the notes' content (backendResources alone, no hooks); every controller pod replaced by a crash-looping, never-ready one; Deployment unavailable; previous log \"Error: registered extension has no hooks specified\"",
    scope: 'envoy-gateway',
    async inject(inst) {
      const {kube, names} = inst;
      await patchEgConfig(inst, notesPatchedEnvoyGatewayConfig(names.egNamespace));
      writeEnvoyGatewayLogs(names.egNamespace, [], envoyGatewayStartupFailureLog(NO_HOOKS));
      const ref = {apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.egNamespace, name: names.egDeployment};
      await replaceAllPods(kube, names.egNamespace, names.egDeployment, () => rolloutRestart(inst, ref, {[LABEL_CRASHLOOP]: 'true', [LABEL_NEVER_READY]: 'true'}));
      await until('every Envoy Gateway pod crash-looping', async () => {
        const pods = await podsOf(kube, names.egNamespace, {'control-plane': 'envoy-gateway'});
        return pods.length > 0 && pods.every((p) => waitingReason(p) === 'CrashLoopBackOff');
      });
    },
  },
  'eg-config-invalid-yaml': {
    description: 'envoy-gateway.yaml is not valid YAML (a tab in the indentation after a hand edit)',
    changes: 'envoy-gateway-config envoy-gateway.yaml = the default config with a tab-indented line (does not parse); controller not restarted, logs "failed to decode config file"',
    scope: 'envoy-gateway',
    async inject(inst) {
      const {kube, names} = inst;
      const pods = await podsOf(kube, names.egNamespace, {'control-plane': 'envoy-gateway'});
      await strictlyAfter(latestStart(pods));
      const text = 'apiVersion: gateway.envoyproxy.io/v1alpha1\nkind: EnvoyGateway\ngateway:\n  controllerName: gateway.envoyproxy.io/gatewayclass-controller\nprovider:\n\ttype: Kubernetes\n';
      await kube.patch({apiVersion: 'v1', kind: 'ConfigMap', namespace: names.egNamespace, name: names.egConfigMap}, {data: {[CONFIG_KEY]: text}}, 'merge', managers.kubectlEdit);
      writeEnvoyGatewayLogs(names.egNamespace, [
        ...envoyGatewayHealthyLog({backendResources: [`${objects.POOL_GROUP}/v1, Kind=InferencePool`], extensionService: 'ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local:1063'}),
        ...envoyGatewayDecodeFailureLog('yaml: line 6: found character that cannot start any token'),
      ]);
    },
  },
  'eg-no-inferencepool-backend': {
    description: "Envoy Gateway has the AI Gateway extension manager but not the InferencePool addon (backendResources missing): HTTPRoute -> InferencePool is InvalidKind",
    changes:
      'envoy-gateway-config = default + envoy-gateway-values.yaml of Envoy AI Gateway only (hooks + service, no backendResources), controller restarted (Ready); HTTPRoute ResolvedRefs=False InvalidKind; pool loses its parent status',
    scope: 'envoy-gateway',
    async inject(inst) {
      const {kube, names} = inst;
      const cfg = aiGatewayBaseEnvoyGatewayConfig();
      await patchEgConfig(inst, cfg);
      writeEnvoyGatewayLogs(names.egNamespace, envoyGatewayHealthyLog({backendResources: backendResourceNames(cfg), extensionService: 'ai-gateway-controller.envoy-ai-gateway-system.svc.cluster.local:1063'}));
      await rolloutRestart(inst, {apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.egNamespace, name: names.egDeployment});
      await waitRolledOut(kube, names.egNamespace, names.egDeployment);
      await Promise.all([
        inst.statuses.route({unresolved: {reason: 'InvalidKind', message: 'Failed to process route rule 0 backendRef 0: Kind InferencePool is not supported.'}}),
        inst.statuses.pool({none: true}),
      ]);
    },
  },

  // --- LiteLLM ----------------------------------------------------------------------------------
  'litellm-bypass-gateway': {
    description: 'LiteLLM\'s api_base goes straight to the KServe predictor, bypassing the gateway and the EPP',
    changes: 'litellm-config config.yaml api_base -> http://<model>-predictor.<namespace>.svc.cluster.local/v1',
    scope: 'namespace',
    async inject(inst) {
      const {names} = inst;
      await setLitellmApiBase(inst, `http://${names.modelService}.${names.namespace}.svc.cluster.local/v1`);
    },
  },
  'litellm-notes-url': {
    description: 'LiteLLM\'s api_base is the install notes\' URL http://<gateway>.<namespace>.svc.cluster.local: no such Service',
    changes: 'litellm-config config.yaml api_base -> http://<gateway>.<namespace>.svc.cluster.local:<port>/v1 (Envoy Gateway names the proxy Service envoy-<ns>-<gateway>-<hash>)',
    scope: 'namespace',
    async inject(inst) {
      const {names} = inst;
      await setLitellmApiBase(inst, `http://${names.gateway}.${names.namespace}.svc.cluster.local:${names.gatewayPort}/v1`);
    },
  },
  'litellm-wrong-port': {
    description: 'LiteLLM\'s api_base names the right proxy Service but a port the Gateway does not listen on',
    changes: 'litellm-config config.yaml api_base -> http://<proxy service>.<egNamespace>.svc.cluster.local:8080/v1 (listener port is 80)',
    scope: 'namespace',
    async inject(inst) {
      const {names} = inst;
      await setLitellmApiBase(inst, `http://${names.proxyService}.${names.egNamespace}.svc.cluster.local:8080/v1`);
    },
  },

  // --- body-based routing (issue 16): faults-bbr.ts --------------------------------------------
  ...bbrFaults,
  ...igw11EppFaults,
  ...igw11EgFaults,
  ...igw11bFaults,
  ...backendFaults,
  // --- other Gateway implementations (issue 13): faults-implementations.ts -------------------------
  ...implementationFaults,
  ...implementationFaults2,
} satisfies Record<string, Fault>;

export type FaultName = keyof typeof faults;
export const faultNames = Object.keys(faults) as FaultName[];
