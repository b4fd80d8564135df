// Issue 13: the healthy install on kgateway (install-implementation.ts moves it there). Objects and
// statuses as kgateway-dev/kgateway writes them — notes in /work/notes/issue13-research.md:
// - the controller: Deployment "kgateway", selector labels kgateway=kgateway,
//   app.kubernetes.io/name=kgateway, app.kubernetes.io/instance=<release>, container "controller",
//   env KGW_ENABLE_INFER_EXT=true (what the chart's inferenceExtension.enabled sets; pkg/settings
//   EnableInferExt, default false) — install/helm/kgateway/templates/_helpers.tpl, deployment.yaml;
// - GatewayClass controllerName kgateway.dev/kgateway with parametersRef to GatewayParameters in the
//   controller's namespace (templates/gatewayclass.yaml); Accepted "GatewayClass accepted by kgateway
//   controller";
// - Gateway "Successfully accepted Gateway" / "Successfully programmed Gateway", listeners
//   "Successfully accepted Listener" …, HTTPRoute "Successfully accepted Route" / "Successfully
//   resolved all references" (the reporter's message constants, pkg/kgateway/reporter);
// - InferencePool parent {kind: Gateway, namespace, name} without group or controllerName:
//   Accepted "InferencePool has been accepted by controller kgateway.dev/kgateway", ResolvedRefs
//   "All InferencePool references have been resolved"
//   (internal/kgateway/extensions2/plugins/inferenceextension/endpointpicker/status.go).
import type {Installation} from './install.ts';
import {cond, moveToImplementation, oneReplicaDeployment, type ImplementationInstall, type ImplementationWorld} from './install-implementation.ts';

export const KGATEWAY_CONTROLLER = 'kgateway.dev/kgateway';
export const KGATEWAY_FLAG = 'KGW_ENABLE_INFER_EXT';

/** kgateway's InferencePool validation errors (endpointpicker/validation.go) and how status.go writes them. */
export function kgatewayResolvedRefsError(errors: string[]): string {
  return errors.length === 1 ? `error: ${errors[0]}` : `InferencePool has ${errors.length} errors: ${errors.join('; ')}`;
}

/** The Gateway status kgateway (and agentgateway, from the same reports) writes: pkg/reports/status.go. */
export const kgatewayGatewayStatus: ImplementationWorld['gatewayStatus'] = ({generation: g, address, attachedRoutes}) => ({
  addresses: [{type: 'IPAddress', value: address}],
  conditions: [cond('Accepted', true, 'Accepted', 'Successfully accepted Gateway', g), cond('Programmed', true, 'Programmed', 'Successfully programmed Gateway', g)],
  listeners: [
    {
      name: 'http',
      attachedRoutes,
      supportedKinds: [{group: 'gateway.networking.k8s.io', kind: 'HTTPRoute'}],
      conditions: [
        cond('Accepted', true, 'Accepted', 'Successfully accepted Listener', g),
        cond('Conflicted', false, 'NoConflicts', 'Successfully verified that Listener has no conflicts', g),
        cond('ResolvedRefs', true, 'ResolvedRefs', 'Successfully resolved all references', g),
        cond('Programmed', true, 'Programmed', 'Successfully programmed Listener', g),
      ],
    },
  ],
});

/** The route status kgateway and agentgateway (same status reports, pkg/reports/status.go) write. */
export function kgatewayRouteStatus(controller: string): ImplementationWorld['routeStatus'] {
  return ({generation: g, gateway}) => ({
    parents: [
      {
        parentRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway.name},
        controllerName: controller,
        conditions: [cond('Accepted', true, 'Accepted', 'Successfully accepted Route', g), cond('ResolvedRefs', true, 'ResolvedRefs', 'Successfully resolved all references', g)],
      },
    ],
  });
}

export const kgatewayWorld: ImplementationWorld = {
  id: 'kgateway',
  controllerName: KGATEWAY_CONTROLLER,
  controller(ns, {flag}) {
    return oneReplicaDeployment({
      name: 'kgateway',
      namespace: ns,
      labels: {kgateway: 'kgateway', 'app.kubernetes.io/name': 'kgateway', 'app.kubernetes.io/instance': 'kgateway'},
      extraLabels: {'app.kubernetes.io/managed-by': 'Helm'},
      container: {
        name: 'controller',
        image: 'cr.kgateway.dev/kgateway-dev/kgateway:v2.1.1',
        env: [
          {name: 'KGW_LOG_LEVEL', value: 'info'},
          {name: 'KGW_XDS_SERVICE_NAME', value: 'kgateway'},
          {name: 'KGW_XDS_SERVICE_PORT', value: '9977'},
          ...(flag ? [{name: KGATEWAY_FLAG, value: 'true'}] : []),
        ],
        ports: [{containerPort: 9977, name: 'grpc-xds', protocol: 'TCP'}],
      },
    });
  },
  classSpec: (ctlNs) => ({parametersRef: {group: 'gateway.kgateway.dev', kind: 'GatewayParameters', name: 'kgateway', namespace: ctlNs}}),
  classStatus: (g) => ({conditions: [cond('Accepted', true, 'Accepted', 'GatewayClass accepted by kgateway controller', g)]}),
  proxyName: (gateway) => gateway,
  proxyLabels: (gateway) => ({'app.kubernetes.io/name': gateway, 'app.kubernetes.io/instance': gateway, 'gateway.networking.k8s.io/gateway-name': gateway}),
  gatewayStatus: kgatewayGatewayStatus,
  routeStatus: kgatewayRouteStatus(KGATEWAY_CONTROLLER),
  poolStatus: ({generation: g, gateway}) => ({
    parents: [
      {
        parentRef: {kind: 'Gateway', namespace: gateway.namespace, name: gateway.name},
        conditions: [
          cond('Accepted', true, 'Accepted', `InferencePool has been accepted by controller ${KGATEWAY_CONTROLLER}`, g),
          cond('ResolvedRefs', true, 'ResolvedRefs', 'All InferencePool references have been resolved', g),
        ],
      },
    ],
  }),
};

/** The healthy install, on kgateway. */
export function installKgateway(inst: Installation, opts: {flag?: boolean} = {}): Promise<ImplementationInstall> {
  return moveToImplementation(inst, kgatewayWorld, opts);
}
