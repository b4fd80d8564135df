// Issue 13: faults of the installs on Istio and kgateway. Each inject() first moves the healthy
// install to the implementation (install-istio.ts / install-kgateway.ts, as faults-bbr.ts adds BBR),
// then changes the cluster the way the real mistake does and writes the statuses that
// implementation's controller then writes (its own source; /work/notes/issue13-research.md):
// - Istio, flag off: istiod builds no InferencePool collection (pilot/pkg/config/kube/gateway/
//   controller.go) — no pool status, no shadow Service — and the route's InferencePool backend is
//   ResolvedRefs=False InvalidKind "InferencePool is not enabled. To enable, set
//   ENABLE_GATEWAY_API_INFERENCE_EXTENSION to true in istiod" (conversion.go);
// - Istio, shadow Service gone: the route's backend lookup of "<svc>.<ns>.svc.cluster.local" fails,
//   ResolvedRefs=False BackendNotFound "backend(<host>) not found" (conversion.go);
// - kgateway, flag off: the endpoint-picker plugin is not registered (EnableInferExt), so nothing
//   writes the pool's status, and the backend index has no InferencePool collection: the route's
//   InferencePool backendRef is ResolvedRefs=False InvalidKind "unknown backend kind" (kgateway v2.0/v2.1
//   internal/kgateway/query ProcessBackendError, case ErrUnknownBackendKind, message err.Error());
// - kgateway, two targetPorts: validation.go "invalid InferencePool: must have exactly one target
//   port" → status.go: ResolvedRefs=False InvalidExtensionRef "error: …" on the Gateway parent, plus
//   a {kind: Status, name: default} parent with the same condition.
import type {Fault} from './faults.ts';
import {cond, implementationOf} from './install-implementation.ts';
import {installIstio, istioShadowServiceName} from './install-istio.ts';
import {installKgateway, kgatewayResolvedRefsError, KGATEWAY_CONTROLLER} from './install-kgateway.ts';
import {waitRolledOut} from './kube.ts';
import type {Installation} from './install.ts';

async function generation(inst: Installation, ref: {apiVersion: string; kind: string; namespace?: string; name: string}): Promise<number> {
  return (await inst.kube.get(ref)).metadata.generation ?? 1;
}

export const implementationFaults = {
  'istio-inference-flag-off': {
    description: 'Istio: istiod runs without ENABLE_GATEWAY_API_INFERENCE_EXTENSION, so it ignores InferencePools and the HTTPRoute to the pool has no backend',
    changes:
      'install moved to Istio with istiod lacking the env var; HTTPRoute ResolvedRefs=False InvalidKind "InferencePool is not enabled. To enable, set ENABLE_GATEWAY_API_INFERENCE_EXTENSION to true in istiod"; InferencePool without status parents; no shadow Service',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      const im = await installIstio(inst, {flag: false});
      await kube.delete({apiVersion: 'v1', kind: 'Service', namespace: names.namespace, name: istioShadowServiceName(names.pool)});
      const g = await generation(inst, im.route);
      await kube.replaceStatus(im.route, {
        parents: [
          {
            parentRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', name: names.gateway},
            controllerName: 'istio.io/gateway-controller',
            conditions: [
              cond('Accepted', true, 'Accepted', 'Route was valid', g),
              cond('ResolvedRefs', false, 'InvalidKind', 'InferencePool is not enabled. To enable, set ENABLE_GATEWAY_API_INFERENCE_EXTENSION to true in istiod', g),
            ],
          },
        ],
      });
      await kube.replaceStatus(im.pool, {parents: []});
    },
  },
  'istio-shadow-service-missing': {
    description: "Istio: the InferencePool's shadow Service (<pool>-ip-<hash>) is gone, so the HTTPRoute's backend is not found",
    changes: 'install moved to Istio; Service <pool>-ip-<hash> deleted; HTTPRoute ResolvedRefs=False BackendNotFound "backend(<pool>-ip-<hash>.<ns>.svc.cluster.local) not found"',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      const im = await installIstio(inst);
      const svc = istioShadowServiceName(names.pool);
      await kube.delete({apiVersion: 'v1', kind: 'Service', namespace: names.namespace, name: svc});
      const g = await generation(inst, im.route);
      await kube.replaceStatus(im.route, {
        parents: [
          {
            parentRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', name: names.gateway},
            controllerName: 'istio.io/gateway-controller',
            conditions: [cond('Accepted', true, 'Accepted', 'Route was valid', g), cond('ResolvedRefs', false, 'BackendNotFound', `backend(${svc}.${names.namespace}.svc.cluster.local) not found`, g)],
          },
        ],
      });
    },
  },
  'istio-pool-status-missing': {
    description: 'Istio: istiod has written no status for the InferencePool on its Gateway (it has not reconciled the pool)',
    changes: 'install moved to Istio; InferencePool status.parents emptied (the route and shadow Service as istiod left them)',
    scope: 'namespace',
    async inject(inst) {
      const im = await installIstio(inst);
      await inst.kube.replaceStatus(im.pool, {parents: []});
    },
  },
  'kgateway-inference-flag-off': {
    description: 'kgateway: the controller runs without KGW_ENABLE_INFER_EXT (Helm inferenceExtension.enabled), so nothing handles the InferencePool',
    changes: 'install moved to kgateway with its controller lacking KGW_ENABLE_INFER_EXT; InferencePool without status parents; HTTPRoute ResolvedRefs=False InvalidKind "unknown backend kind"',
    scope: 'namespace',
    async inject(inst) {
      const im = await installKgateway(inst, {flag: false});
      await waitRolledOut(inst.kube, im.controllerNamespace, im.controller!.name);
      await inst.kube.replaceStatus(im.pool, {parents: []});
      const g = await generation(inst, im.route);
      await inst.kube.replaceStatus(im.route, {
        parents: [
          {
            parentRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', name: inst.names.gateway},
            controllerName: KGATEWAY_CONTROLLER,
            conditions: [cond('Accepted', true, 'Accepted', 'Successfully accepted Route', g), cond('ResolvedRefs', false, 'InvalidKind', 'unknown backend kind', g)],
          },
        ],
      });
    },
  },
  'kgateway-two-target-ports': {
    description: 'kgateway: the InferencePool lists two targetPorts; kgateway supports exactly one and rejects the pool',
    changes:
      'install moved to kgateway; InferencePool spec.targetPorts = [8000, 8001]; status: Gateway parent Accepted=True, ResolvedRefs=False InvalidExtensionRef "error: invalid InferencePool: must have exactly one target port", plus the {kind: Status, name: default} parent with that condition',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      const im = await installKgateway(inst);
      await kube.patch(im.pool, {spec: {targetPorts: [{number: 8000}, {number: 8001}]}}, 'merge');
      const g = await generation(inst, im.pool);
      const resolved = cond('ResolvedRefs', false, 'InvalidExtensionRef', kgatewayResolvedRefsError(['invalid InferencePool: must have exactly one target port']), g);
      await kube.replaceStatus(im.pool, {
        parents: [
          {parentRef: {kind: 'Gateway', namespace: names.namespace, name: names.gateway}, conditions: [cond('Accepted', true, 'Accepted', `InferencePool has been accepted by controller ${KGATEWAY_CONTROLLER}`, g), resolved]},
          {parentRef: {kind: 'Status', name: 'default'}, conditions: [resolved]},
        ],
      });
    },
  },
  'kgateway-pool-status-missing': {
    description: 'kgateway: the controller has written no status for the InferencePool on its Gateway',
    changes: 'install moved to kgateway; InferencePool status.parents emptied',
    scope: 'namespace',
    async inject(inst) {
      const im = await installKgateway(inst);
      await inst.kube.replaceStatus(im.pool, {parents: []});
    },
  },
} satisfies Record<string, Fault>;

export {implementationOf};
