// Issue 13: the healthy install on agentgateway (install-implementation.ts moves it there). Objects
// and statuses as agentgateway/agentgateway (controller/, main of 2026-12) writes them — notes in
// /work/notes/issue13-research.md:
// - the controller: Deployment "agentgateway" (chart fullname), selector labels agentgateway=agentgateway,
//   app.kubernetes.io/name=agentgateway, app.kubernetes.io/instance=<release>, container "controller",
//   env AGW_ENABLE_INFER_EXT=true (what inferenceExtension.enabled sets; api/settings/settings.go
//   EnableInferExt, envconfig prefix AGW, default false) — install/helm/agentgateway/templates/
//   _helpers.tpl, deployment.yaml; its ClusterRole agentgateway-<namespace> grants inferencepools
//   get/watch/list and inferencepools/status patch/update only with that value (templates/role.yaml);
// - GatewayClass controllerName agentgateway.dev/agentgateway (pkg/wellknown/controller.go),
//   Accepted "GatewayClass accepted by agentgateway controller"; Gateway "Successfully accepted
//   Gateway" / "Successfully programmed Gateway", listeners and routes "Successfully accepted …",
//   "Successfully resolved all references" (pkg/reports/status.go);
// - InferencePool parent {group gateway.networking.k8s.io, kind Gateway, namespace, name} WITH
//   controllerName: Accepted "InferencePool has been accepted by controller agentgateway.dev/agentgateway",
//   ResolvedRefs "All InferencePool references have been resolved" (pkg/agentgateway/plugins/
//   inference_plugin.go buildInferencePoolStatus, inferencePoolConditionMap).
import type {Installation} from './install.ts';
import {cond, moveToImplementation, oneReplicaDeployment, type ImplementationInstall, type ImplementationWorld} from './install-implementation.ts';
import {kgatewayGatewayStatus, kgatewayRouteStatus} from './install-kgateway.ts';
import type {Manifest} from './kube.ts';

export const AGW_CONTROLLER = 'agentgateway.dev/agentgateway';
export const AGW_FLAG = 'AGW_ENABLE_INFER_EXT';
const POOL_GROUP = 'inference.networking.k8s.io';

function rbac(ctlNs: string, opts: {rbac: boolean}): Manifest[] {
  if (!opts.rbac) return [];
  const name = `agentgateway-${ctlNs}`;
  return [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: {name},
      rules: [
        {apiGroups: [POOL_GROUP], resources: ['inferencepools'], verbs: ['get', 'watch', 'list']},
        {apiGroups: [POOL_GROUP], resources: ['inferencepools/status'], verbs: ['patch', 'update']},
      ],
    },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: {name},
      roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name},
      subjects: [{kind: 'ServiceAccount', name: 'agentgateway', namespace: ctlNs}],
    },
  ];
}

export function agentgatewayWorld(opts: {rbac?: boolean} = {}): ImplementationWorld {
  return {
    id: 'agentgateway',
    controllerName: AGW_CONTROLLER,
    controller(ns, {flag}) {
      return oneReplicaDeployment({
        name: 'agentgateway',
        namespace: ns,
        labels: {agentgateway: 'agentgateway', 'app.kubernetes.io/name': 'agentgateway', 'app.kubernetes.io/instance': 'agentgateway'},
        extraLabels: {'app.kubernetes.io/managed-by': 'Helm'},
        serviceAccountName: 'agentgateway',
        container: {
          name: 'controller',
          image: 'cr.agentgateway.dev/controller:v1.0.0',
          env: [{name: 'AGW_XDS_MODE', value: 'plaintext'}, ...(flag ? [{name: AGW_FLAG, value: 'true'}] : [])],
          ports: [{containerPort: 9978, name: 'agw-grpc', protocol: 'TCP'}],
        },
      });
    },
    clusterObjects: (ctlNs) => rbac(ctlNs, {rbac: opts.rbac ?? true}),
    controllerObjects: (ctlNs) => [{apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'agentgateway', namespace: ctlNs}}],
    classStatus: (g) => ({conditions: [cond('Accepted', true, 'Accepted', 'GatewayClass accepted by agentgateway controller', g)]}),
    proxyName: (gateway) => gateway,
    proxyLabels: (gateway) => ({'gateway.networking.k8s.io/gateway-name': gateway}),
    // the same status reports as kgateway's (agentgateway grew out of it), with its own controllerName
    gatewayStatus: kgatewayGatewayStatus,
    routeStatus: kgatewayRouteStatus(AGW_CONTROLLER),
    poolStatus: ({generation: g, gateway}) => ({
      parents: [
        {
          parentRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: gateway.namespace, name: gateway.name},
          controllerName: AGW_CONTROLLER,
          conditions: [
            cond('Accepted', true, 'Accepted', `InferencePool has been accepted by controller ${AGW_CONTROLLER}`, g),
            cond('ResolvedRefs', true, 'ResolvedRefs', 'All InferencePool references have been resolved', g),
          ],
        },
      ],
    }),
  };
}

/** The healthy install, on agentgateway. */
export function installAgentgateway(inst: Installation, opts: {flag?: boolean; rbac?: boolean} = {}): Promise<ImplementationInstall> {
  return moveToImplementation(inst, agentgatewayWorld(opts), opts);
}
