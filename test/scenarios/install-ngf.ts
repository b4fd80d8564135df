// Issue 13: the healthy install on NGINX Gateway Fabric (install-implementation.ts moves it there).
// Objects and statuses as nginx/nginx-gateway-fabric (main of 2026-12, chart 2.x) writes them — notes
// in /work/notes/issue13-research.md:
// - the control plane: Deployment "ngf-nginx-gateway-fabric" (release ngf), selector labels
//   app.kubernetes.io/name=nginx-gateway-fabric, app.kubernetes.io/instance=ngf, container
//   "nginx-gateway" with args controller --gateway-ctlr-name=<controllerName> --gatewayclass=<class> …
//   --gateway-api-inference-extension --endpoint-picker-tls-skip-verify=true (what
//   nginxGateway.gwAPIInferenceExtension.enable renders, charts/nginx-gateway-fabric/templates/
//   deployment.yaml); its ClusterRole with inferencepools get/list/watch and inferencepools/status,
//   /finalizers update (templates/_helpers.tpl);
// - conditions (internal/controller/state/conditions/conditions.go): GatewayClass "The GatewayClass is
//   accepted", Gateway "The Gateway is accepted" / "The Gateway is programmed", route "The Route is
//   accepted" / "All references are resolved", InferencePool "The InferencePool is accepted by the
//   Gateway." / "The InferencePool references a valid ExtensionRef.";
// - InferencePool parent {group gateway.networking.k8s.io, kind Gateway, namespace, name}, no
//   controllerName (internal/controller/status/prepare_requests.go PrepareInferencePoolRequests);
// - the headless Service <pool>-pool-svc, selector = the pool's matchLabels, ports port-<n>, owned by
//   the pool (internal/controller/handler.go ensureInferencePoolServices, framework/controller/resource.go).
import type {Installation} from './install.ts';
import {cond, moveToImplementation, oneReplicaDeployment, type ImplementationInstall, type ImplementationWorld} from './install-implementation.ts';
import type {Manifest} from './kube.ts';
import * as objects from './objects.ts';

export const NGF_CONTROLLER = 'gateway.nginx.org/nginx-gateway-controller';
export const NGF_FLAG = '--gateway-api-inference-extension';
const POOL_GROUP = 'inference.networking.k8s.io';
export const NGF_DEPLOYMENT = 'ngf-nginx-gateway-fabric';

/** resource.go CreateInferencePoolServiceName for names that fit (the test pools' do). */
export function ngfPoolServiceName(pool: string): string {
  return `${pool}-pool-svc`;
}

export function ngfWorld(opts: {rbac?: boolean; className?: string} = {}): ImplementationWorld {
  return {
    id: 'nginx-gateway-fabric',
    controllerName: NGF_CONTROLLER,
    controller(ns, {flag}) {
      return oneReplicaDeployment({
        name: NGF_DEPLOYMENT,
        namespace: ns,
        labels: {'app.kubernetes.io/name': 'nginx-gateway-fabric', 'app.kubernetes.io/instance': 'ngf'},
        extraLabels: {'app.kubernetes.io/managed-by': 'Helm'},
        serviceAccountName: NGF_DEPLOYMENT,
        container: {
          name: 'nginx-gateway',
          image: 'ghcr.io/nginx/nginx-gateway-fabric:2.2.0',
          args: [
            'controller',
            `--gateway-ctlr-name=${NGF_CONTROLLER}`,
            `--gatewayclass=${ns}`,
            `--config=${NGF_DEPLOYMENT}-config`,
            `--service=${NGF_DEPLOYMENT}`,
            '--metrics-port=9113',
            '--health-port=8081',
            ...(flag ? [NGF_FLAG, '--endpoint-picker-tls-skip-verify=true'] : []),
          ],
          ports: [{containerPort: 8443, name: 'agent-grpc', protocol: 'TCP'}],
        },
      });
    },
    controllerObjects: (ctlNs) => [{apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: NGF_DEPLOYMENT, namespace: ctlNs}}],
    clusterObjects(ctlNs) {
      if (opts.rbac === false) return [];
      const name = `${ctlNs}-${NGF_DEPLOYMENT}`.slice(0, 63);
      return [
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRole',
          metadata: {name},
          rules: [
            {apiGroups: [POOL_GROUP], resources: ['inferencepools'], verbs: ['get', 'list', 'watch']},
            {apiGroups: [POOL_GROUP], resources: ['inferencepools/status', 'inferencepools/finalizers'], verbs: ['update']},
          ],
        },
        {
          apiVersion: 'rbac.authorization.k8s.io/v1',
          kind: 'ClusterRoleBinding',
          metadata: {name},
          roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name},
          subjects: [{kind: 'ServiceAccount', name: NGF_DEPLOYMENT, namespace: ctlNs}],
        },
      ];
    },
    classStatus: (g) => ({
      conditions: [cond('Accepted', true, 'Accepted', 'The GatewayClass is accepted', g), cond('SupportedVersion', true, 'SupportedVersion', 'The Gateway API CRD versions are supported', g)],
    }),
    // provisioner: nginx Deployment/Service "<gateway>-<class>" (CreateNginxResourceName), gateway-name label
    proxyName: (gateway, className) => `${gateway}-${className}`.slice(0, 63),
    proxyLabels: (gateway) => ({'gateway.networking.k8s.io/gateway-name': gateway, 'app.kubernetes.io/managed-by': 'ngf-nginx'}),
    gatewayStatus: ({generation: g, address, attachedRoutes}) => ({
      addresses: [{type: 'IPAddress', value: address}],
      conditions: [cond('Accepted', true, 'Accepted', 'The Gateway is accepted', g), cond('Programmed', true, 'Programmed', 'The Gateway is programmed', g)],
      listeners: [
        {
          name: 'http',
          attachedRoutes,
          supportedKinds: [{group: 'gateway.networking.k8s.io', kind: 'HTTPRoute'}],
          conditions: [
            cond('Accepted', true, 'Accepted', 'The Listener is accepted', g),
            cond('Programmed', true, 'Programmed', 'The Listener is programmed', g),
            cond('ResolvedRefs', true, 'ResolvedRefs', 'All references are resolved', g),
            cond('Conflicted', false, 'NoConflicts', 'No conflicts', g),
          ],
        },
      ],
    }),
    routeStatus: ({generation: g, gateway}) => ({
      parents: [
        {
          parentRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway.name},
          controllerName: NGF_CONTROLLER,
          conditions: [cond('Accepted', true, 'Accepted', 'The Route is accepted', g), cond('ResolvedRefs', true, 'ResolvedRefs', 'All references are resolved', g)],
        },
      ],
    }),
    poolStatus: ({generation: g, gateway}) => ({
      parents: [
        {
          parentRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: gateway.namespace, name: gateway.name},
          conditions: [cond('Accepted', true, 'Accepted', 'The InferencePool is accepted by the Gateway.', g), cond('ResolvedRefs', true, 'ResolvedRefs', 'The InferencePool references a valid ExtensionRef.', g)],
        },
      ],
    }),
    extraObjects(inst: Installation): Manifest[] {
      const {names} = inst;
      return [
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: {name: ngfPoolServiceName(names.pool), namespace: names.namespace, labels: {'app.kubernetes.io/managed-by': 'ngf-nginx'}},
          spec: {clusterIP: 'None', selector: {[objects.ISVC_LABEL]: names.inferenceService}, ports: [{name: `port-${objects.MODEL_PORT}`, port: objects.MODEL_PORT, targetPort: objects.MODEL_PORT, protocol: 'TCP'}]},
        },
      ];
    },
  };
}

/** The healthy install, on NGINX Gateway Fabric. */
export function installNgf(inst: Installation, opts: {flag?: boolean; rbac?: boolean} = {}): Promise<ImplementationInstall> {
  return moveToImplementation(inst, ngfWorld(opts), opts);
}
