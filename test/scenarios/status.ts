// The statuses the real controllers write (Envoy Gateway for GatewayClass/Gateway/HTTPRoute/
// EnvoyExtensionPolicy and — through the AI Gateway extension — InferencePool parents; KServe for
// InferenceService), as pure builders. Reasons and messages follow the upstream constants:
// Gateway API apis/v1 (gateway_types.go, httproute_types.go, shared_types.go), GIE api/v1
// inferencepool_types.go, Envoy Gateway internal/gatewayapi/status, KServe pkg/apis/serving/v1beta1.
import {EG_CONTROLLER_NAME} from './names.ts';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  observedGeneration?: number;
  lastTransitionTime: string;
}

/** metav1.Time: RFC 3339 with whole seconds. */
export function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export function cond(type: string, ok: boolean | 'Unknown', reason: string, message: string, generation?: number): Condition {
  return {
    type,
    status: ok === 'Unknown' ? 'Unknown' : ok ? 'True' : 'False',
    reason,
    message,
    ...(generation !== undefined ? {observedGeneration: generation} : {}),
    lastTransitionTime: now(),
  };
}

/** A condition that is not fine: its reason and message. */
export interface Problem {
  reason: string;
  message: string;
}

export interface GatewayRef {
  name: string;
  namespace: string;
}

function gatewayParentRef(g: GatewayRef): Record<string, string> {
  return {group: 'gateway.networking.k8s.io', kind: 'Gateway', name: g.name, namespace: g.namespace};
}

export function gatewayClassStatus(generation: number, problem?: Problem): Record<string, unknown> {
  return {
    conditions: [
      problem ? cond('Accepted', false, problem.reason, problem.message, generation) : cond('Accepted', true, 'Accepted', 'Valid GatewayClass', generation),
    ],
  };
}

/** What the Gateway CRD defaults status to before any controller has looked at it. */
export function gatewayPendingStatus(): Record<string, unknown> {
  return {
    conditions: [
      {type: 'Accepted', status: 'Unknown', reason: 'Pending', message: 'Waiting for controller', lastTransitionTime: '1970-01-01T00:00:00Z'},
      {type: 'Programmed', status: 'Unknown', reason: 'Pending', message: 'Waiting for controller', lastTransitionTime: '1970-01-01T00:00:00Z'},
    ],
  };
}

export function gatewayStatus(opts: {
  generation: number;
  address?: string | undefined;
  listenerName: string;
  attachedRoutes: number;
  notProgrammed?: Problem;
}): Record<string, unknown> {
  const g = opts.generation;
  const programmed = opts.notProgrammed
    ? cond('Programmed', false, opts.notProgrammed.reason, opts.notProgrammed.message, g)
    : cond('Programmed', true, 'Programmed', 'Address assigned to the Gateway, 1/1 envoy replicas available', g);
  return {
    ...(opts.address ? {addresses: [{type: 'IPAddress', value: opts.address}]} : {}),
    conditions: [cond('Accepted', true, 'Accepted', 'The Gateway has been scheduled by Envoy Gateway', g), programmed],
    listeners: [
      {
        name: opts.listenerName,
        attachedRoutes: opts.attachedRoutes,
        supportedKinds: [
          {group: 'gateway.networking.k8s.io', kind: 'HTTPRoute'},
          {group: 'gateway.networking.k8s.io', kind: 'GRPCRoute'},
        ],
        conditions: [
          cond('Programmed', true, 'Programmed', 'Sending translated listener configuration to the data plane', g),
          cond('Accepted', true, 'Accepted', 'Listener has been successfully translated', g),
          cond('ResolvedRefs', true, 'ResolvedRefs', 'Listener references have been resolved', g),
        ],
      },
    ],
  };
}

export function httpRouteStatus(opts: {generation: number; gateway: GatewayRef; notAccepted?: Problem; unresolved?: Problem}): Record<string, unknown> {
  const g = opts.generation;
  return {
    parents: [
      {
        parentRef: gatewayParentRef(opts.gateway),
        controllerName: EG_CONTROLLER_NAME,
        conditions: [
          opts.notAccepted ? cond('Accepted', false, opts.notAccepted.reason, opts.notAccepted.message, g) : cond('Accepted', true, 'Accepted', 'Route is accepted', g),
          opts.unresolved
            ? cond('ResolvedRefs', false, opts.unresolved.reason, opts.unresolved.message, g)
            : cond('ResolvedRefs', true, 'ResolvedRefs', 'Resolved all the Object references for the Route', g),
        ],
      },
    ],
  };
}

/** InferencePool v1 status.parents[] (GIE api/v1/inferencepool_types.go). */
export function inferencePoolStatus(opts: {generation: number; gateway: GatewayRef; notAccepted?: Problem; unresolved?: Problem}): Record<string, unknown> {
  const g = opts.generation;
  return {
    parents: [
      {
        parentRef: gatewayParentRef(opts.gateway),
        controllerName: EG_CONTROLLER_NAME,
        conditions: [
          opts.notAccepted
            ? cond('Accepted', false, opts.notAccepted.reason, opts.notAccepted.message, g)
            : cond('Accepted', true, 'Accepted', 'InferencePool has been accepted by the Gateway', g),
          opts.unresolved
            ? cond('ResolvedRefs', false, opts.unresolved.reason, opts.unresolved.message, g)
            : cond('ResolvedRefs', true, 'ResolvedRefs', 'The endpoint picker reference has been resolved', g),
        ],
      },
    ],
  };
}

export function extensionPolicyStatus(opts: {generation: number; gateway: GatewayRef; notAccepted?: Problem}): Record<string, unknown> {
  const g = opts.generation;
  return {
    ancestors: [
      {
        ancestorRef: gatewayParentRef(opts.gateway),
        controllerName: EG_CONTROLLER_NAME,
        conditions: [
          opts.notAccepted ? cond('Accepted', false, opts.notAccepted.reason, opts.notAccepted.message, g) : cond('Accepted', true, 'Accepted', 'Policy has been accepted.', g),
        ],
      },
    ],
  };
}

/** KServe RawDeployment InferenceService status (v1beta1 inference_service_status.go). */
export function inferenceServiceStatus(opts: {
  generation: number;
  name: string;
  namespace: string;
  notReady?: Problem;
}): Record<string, unknown> {
  const ready = !opts.notReady;
  const p = opts.notReady;
  const host = `${opts.name}-predictor.${opts.namespace}.svc.cluster.local`;
  return {
    observedGeneration: opts.generation,
    deploymentMode: 'RawDeployment',
    url: `http://${host}`,
    address: {url: `http://${host}`},
    components: {predictor: {url: `http://${host}`, ...(ready ? {latestCreatedRevision: `${opts.name}-predictor-1`, latestReadyRevision: `${opts.name}-predictor-1`} : {})}},
    conditions: [
      cond('IngressReady', true, 'IngressReady', 'Ingress is ready'),
      p ? cond('PredictorReady', false, p.reason, p.message) : cond('PredictorReady', true, 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
      p ? cond('Ready', false, p.reason, p.message) : cond('Ready', true, 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
    ],
    modelStatus: {
      transitionStatus: ready ? 'UpToDate' : 'InProgress',
      states: {activeModelState: ready ? 'Loaded' : 'Pending', targetModelState: 'Loaded'},
    },
  };
}
