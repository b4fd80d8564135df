// Body-based routing (issue 16) on top of the healthy install (install.ts): a second model with its
// own InferencePool and EPP (a second release of the fixture chart, without a Gateway of its own),
// one HTTPRoute per base model matching X-Gateway-Base-Model-Name (the first route keeps its rule
// without the header: the catch-all Envoy Gateway needs so that BBR runs at all), the bbr-managed
// ConfigMaps, GIE's body-based router as the body-based-routing chart v1.5.0 renders it (plus
// --secure-serving=false, which that chart cannot set), and the EnvoyExtensionPolicy an Envoy
// Gateway user writes for it (the chart has no Envoy Gateway provider). Then the statuses Envoy
// Gateway, the AI Gateway extension and KServe would write. Shapes: /work/notes/issue16-bbr-research.md §6.1;
// upstream GIE v1.5.0 config/charts/body-based-routing/templates/{bbr.yaml,rbac.yaml},
// config/charts/inferencepool/templates/httproute.yaml, config/manifests/bbr/configmap.yaml.
import {helm as runHelm} from '../harness/cluster.ts';
import {chartDir, installHealthy, serviceEndpointsListed, type InstallOptions, type Installation} from './install.ts';
import {podsOf, podReady, until, waitRolledOut, type Manifest, type PodJson} from './kube.ts';
import {computeNames, type Names} from './names.ts';
import * as objects from './objects.ts';
import {extensionPolicyStatus} from './status.ts';

/** pkg/bbr/plugins/basemodelextractor/base_model_to_header.go BaseModelHeader */
export const BASE_MODEL_HEADER = 'X-Gateway-Base-Model-Name';
const BBR_MANAGED_LABEL = 'inference.networking.k8s.io/bbr-managed';
const BBR_PORT = 9004;
/** The registry part is left out on purpose (the repository path identifies the image; KWOK pulls nothing). */
const BBR_IMAGE = 'mirror.example/gateway-api-inference-extension/bbr:v1.5.0';

export interface BbrNames {
  /** the second model's release of the fixture chart (its EPP) */
  release2: string;
  model2: string;
  pool2: string;
  route2: string;
  epp2: Names;
  bbr: string;
  bbrServiceAccount: string;
  bbrPolicy: string;
  /** base model = served model name of each pool */
  baseModels: [string, string];
}

export function bbrNames(n: Names): BbrNames {
  const model2 = 'deepseek-r1';
  const epp2 = computeNames({namespace: n.namespace, release: 'igw2', model: model2, gatewayClassName: n.gatewayClass, egNamespace: n.egNamespace});
  return {
    release2: 'igw2',
    model2,
    pool2: epp2.pool,
    route2: epp2.httpRoute,
    epp2,
    bbr: 'body-based-router',
    // chart: {{bbr.name}}-{{Release.Name}} with release "body-based-router"
    bbrServiceAccount: 'body-based-router-body-based-router',
    bbrPolicy: 'body-based-router',
    baseModels: [n.servedModel, model2],
  };
}

const headerRule = (pool: string, model: string) => ({
  matches: [{path: {type: 'PathPrefix', value: '/'}, headers: [{type: 'Exact', name: BASE_MODEL_HEADER, value: model}]}],
  backendRefs: [{group: objects.POOL_GROUP, kind: 'InferencePool', name: pool}],
  timeouts: {request: '300s'},
});

export function bbrDeployment(n: Names, b: BbrNames): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: b.bbr, namespace: n.namespace},
    spec: {
      replicas: 1,
      selector: {matchLabels: {app: b.bbr}},
      template: {
        metadata: {labels: {app: b.bbr}},
        spec: {
          serviceAccountName: b.bbrServiceAccount,
          containers: [
            {
              name: 'bbr',
              image: BBR_IMAGE,
              imagePullPolicy: 'Always',
              args: [
                '--streaming',
                '--v',
                '3',
                '--plugin',
                'body-field-to-header:model-extractor:{"fieldName":"model","headerName":"X-Gateway-Model-Name"}',
                '--plugin',
                'base-model-to-header:base-model-mapper',
                '--tracing=false',
                '--secure-serving=false',
              ],
              env: [{name: 'NAMESPACE', valueFrom: {fieldRef: {fieldPath: 'metadata.namespace'}}}],
              ports: [{containerPort: BBR_PORT}, {containerPort: 9005}],
            },
          ],
        },
      },
    },
  };
}

export function bbrPolicy(n: Names, b: BbrNames): Manifest {
  return {
    apiVersion: 'gateway.envoyproxy.io/v1alpha1',
    kind: 'EnvoyExtensionPolicy',
    metadata: {name: b.bbrPolicy, namespace: n.namespace},
    spec: {
      targetRefs: [{group: 'gateway.networking.k8s.io', kind: 'Gateway', name: n.gateway}],
      extProc: [
        {
          backendRefs: [{group: '', kind: 'Service', name: b.bbr, port: BBR_PORT}],
          processingMode: {request: {body: 'FullDuplexStreamed'}},
          messageTimeout: '5s',
          failOpen: false,
        },
      ],
    },
  };
}

export const bbrPolicyRef = (n: Names, b: BbrNames) => ({apiVersion: 'gateway.envoyproxy.io/v1alpha1', kind: 'EnvoyExtensionPolicy', namespace: n.namespace, name: b.bbrPolicy});

/** Writes the BBR policy's status as Envoy Gateway would (Accepted, or the given problem). */
export async function writeBbrPolicyStatus(inst: Installation, problem?: {reason: string; message: string; sectionName?: string}): Promise<void> {
  const {kube, names} = inst;
  const ref = bbrPolicyRef(names, bbrNames(names));
  const generation = (await kube.get(ref)).metadata.generation ?? 1;
  const st = extensionPolicyStatus({generation, gateway: {name: names.gateway, namespace: names.namespace}, ...(problem ? {notAccepted: problem} : {})}) as {ancestors: {ancestorRef: Record<string, string>}[]};
  // internal/gatewayapi/helpers.go getAncestorRefForPolicy copies the targetRef's sectionName
  if (problem?.sectionName) st.ancestors[0]!.ancestorRef.sectionName = problem.sectionName;
  await kube.replaceStatus(ref, st);
}

/** Adds the second model, the header routes and body-based routing to a healthy install. */
export async function addBbr(inst: Installation): Promise<BbrNames> {
  const {kube, names} = inst;
  const b = bbrNames(names);
  const ns = names.namespace;
  // The second release's cluster-scoped RBAC (the namespace deletion does not remove it).
  inst.onCleanup(async () => {
    await Promise.all([
      kube.delete({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', name: b.epp2.eppClusterRole}),
      kube.delete({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: b.epp2.eppClusterRole}),
    ]);
  });
  const epp2 = runHelm(
    [
      'install', b.release2, chartDir, '-n', ns, '--disable-openapi-validation',
      '--set', `epp.poolName=${b.pool2}`,
      '--set', 'gateway.enabled=false',
      '--set', `gateway.name=${names.gateway}`,
      '--set', 'extensionPolicy.enabled=false',
      '--set', `gatewayClassName=${names.gatewayClass}`,
      '--set', `epp.schedulingConfig.enabled=${inst.options.schedulingConfig}`,
      // Envoy AI Gateway always dials the EPP with TLS (ai-gateway v1.1.0 extension server; IGW-411):
      // like the first release's, this EPP keeps its default TLS serving
      '--set', `epp.secureServing=${inst.options.wiring === 'ai-gateway'}`,
    ],
    {kubeconfig: kube.kubeconfig, timeoutMs: 120_000},
  );
  const model2 = (async () => {
    const isvc = await kube.apply(objects.inferenceService(names, inst.options.pods, b.model2));
    const owner = {uid: isvc.metadata.uid ?? ''};
    await Promise.all([
      kube.apply(objects.predictorDeployment(names, inst.options.pods, owner, b.model2)),
      kube.apply(objects.predictorService(names, owner, b.model2)),
      // the second pool's endpointPickerRef names the second release's EPP Service
      kube.apply(objects.inferencePool(b.epp2, {name: b.pool2, isvc: b.model2})),
    ]);
  })();
  const route1 = objects.httpRoute(names);
  const route1Rules = (route1.spec as {rules: unknown[]}).rules;
  const route2 = objects.httpRoute(names, {name: b.route2, pool: b.pool2});
  const writes = [
    epp2,
    model2,
    // route 1: a header rule first, its rule without the header stays (the catch-all)
    kube.apply({...route1, spec: {...(route1.spec as object), rules: [headerRule(names.pool, b.baseModels[0]), ...route1Rules]}}),
    kube.apply({...route2, spec: {...(route2.spec as object), rules: [headerRule(b.pool2, b.baseModels[1])]}}),
    ...b.baseModels.map((m) =>
      kube.apply({
        apiVersion: 'v1',
        kind: 'ConfigMap',
        metadata: {name: `${m}-adapters-allowlist`, namespace: ns, labels: {[BBR_MANAGED_LABEL]: 'true'}},
        data: {baseModel: m, adapters: `- ${m}-lora-1\n`},
      }),
    ),
    kube.apply({apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: b.bbrServiceAccount, namespace: ns}}),
    kube.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      metadata: {name: `${b.bbrServiceAccount}-configmap-reader`, namespace: ns},
      rules: [{apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'watch']}],
    }),
    kube.apply({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: {name: b.bbrServiceAccount, namespace: ns},
      subjects: [{kind: 'ServiceAccount', name: b.bbrServiceAccount, namespace: ns}],
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: `${b.bbrServiceAccount}-configmap-reader`},
    }),
    kube.apply(bbrDeployment(names, b)),
    kube.apply({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {name: b.bbr, namespace: ns},
      spec: {type: 'ClusterIP', selector: {app: b.bbr}, ports: [{protocol: 'TCP', port: BBR_PORT, targetPort: BBR_PORT, appProtocol: 'HTTP2'}]},
    }),
    kube.apply(bbrPolicy(names, b)),
  ];
  await Promise.all(writes);
  await Promise.all([waitRolledOut(kube, ns, b.epp2.eppDeployment), waitRolledOut(kube, ns, `${b.model2}-predictor`), waitRolledOut(kube, ns, b.bbr)]);
  await until(`${inst.options.pods} Ready ${b.model2} pods`, async () => {
    const pods: PodJson[] = await podsOf(kube, ns, {[objects.ISVC_LABEL]: b.model2});
    return pods.length === inst.options.pods && pods.every(podReady);
  });
  await Promise.all([serviceEndpointsListed(kube, ns, b.epp2.eppService), serviceEndpointsListed(kube, ns, b.bbr)]);
  await Promise.all([
    inst.statuses.route(),
    inst.statuses.route({name: b.route2}),
    inst.statuses.pool({name: b.pool2}),
    inst.statuses.inferenceService({name: b.model2}),
    inst.statuses.gateway(),
    writeBbrPolicyStatus(inst),
  ]);
  return b;
}

/** The healthy two-model install with body-based routing (doctor: 0 errors, 0 warnings). */
export async function installHealthyBbr(kubeconfig: string, opts: InstallOptions): Promise<{inst: Installation; bbr: BbrNames}> {
  const inst = await installHealthy(kubeconfig, opts);
  try {
    return {inst, bbr: await addBbr(inst)};
  } catch (error) {
    await inst.cleanup().catch(() => {});
    throw error;
  }
}
