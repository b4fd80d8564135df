// Issue 13, second part: faults of the installs on agentgateway, NGINX Gateway Fabric and GKE. Each
// inject() first moves the healthy install to the implementation (install-agentgateway.ts,
// install-ngf.ts, install-gke.ts), then changes the cluster the way the real mistake does and writes
// the statuses that implementation's controller then writes (its own source;
// /work/notes/issue13-research.md):
// - agentgateway, flag off: the InferencePools collection is a static empty one
//   (controller/pkg/agentgateway/plugins/collection.go), so no pool status and every InferencePool
//   backendRef fails: ResolvedRefs=False BackendNotFound "backendRef <ns>/<pool> not found"
//   (plugins/reference_indexes.go DefaultRouteBackend, translator/conversion.go);
// - agentgateway, env set by hand without the chart's RBAC (templates/role.yaml grants the
//   inferencepools rules only with inferenceExtension.enabled): the informer cannot list the pools,
//   the collection stays empty — same route status, no pool status;
// - agentgateway, EPP serving plaintext: nothing in the status (agentgateway's TLS policy to the EPP,
//   plugins/inference_plugin.go "inferencetls", fails at request time);
// - NGINX Gateway Fabric, flag off: no InferencePool map, the backendRef is looked up as a Service of
//   the pool's name: ResolvedRefs=False BackendNotFound `spec.rules[0].backendRefs[0].name: Not found:
//   "<pool>"` (internal/controller/state/graph/backend_refs.go), no pool status, no headless Service;
// - NGINX Gateway Fabric, headless Service gone: the rewritten backendRef names it:
//   ResolvedRefs=False BackendNotFound `… Not found: "<pool>-pool-svc"`;
// - NGINX Gateway Fabric with --endpoint-picker-disable-tls against the EPP's TLS: nothing in the
//   status (the endpoint-picker-shim's calls fail at request time);
// GKE's policy kinds (HealthCheckPolicy, GCPBackendPolicy) are judged in unit tests only: their CRDs
// are not in ../shared/crds and the test world never hand-writes a CRD.
import type {Fault} from './faults.ts';
import {cond} from './install-implementation.ts';
import {AGW_CONTROLLER, installAgentgateway} from './install-agentgateway.ts';
import {installNgf, NGF_CONTROLLER, NGF_DEPLOYMENT, ngfPoolServiceName} from './install-ngf.ts';
import {replaceAllPods, waitRolledOut, type ObjectRef} from './kube.ts';
import type {Installation} from './install.ts';

async function generation(inst: Installation, ref: ObjectRef): Promise<number> {
  return (await inst.kube.get(ref)).metadata.generation ?? 1;
}

/** The route's status with ResolvedRefs=False, as `controllerName` writes it. */
async function routeNotResolved(inst: Installation, route: ObjectRef, controllerName: string, accepted: string, reason: string, message: string): Promise<void> {
  const g = await generation(inst, route);
  await inst.kube.replaceStatus(route, {
    parents: [
      {
        parentRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', name: inst.names.gateway},
        controllerName,
        conditions: [cond('Accepted', true, 'Accepted', accepted, g), cond('ResolvedRefs', false, reason, message, g)],
      },
    ],
  });
}

export const implementationFaults2 = {
  'agentgateway-inference-flag-off': {
    description: 'agentgateway: the controller runs without AGW_ENABLE_INFER_EXT (Helm inferenceExtension.enabled), so it ignores InferencePools',
    changes: 'install moved to agentgateway with its controller lacking AGW_ENABLE_INFER_EXT; HTTPRoute ResolvedRefs=False BackendNotFound "backendRef <ns>/<pool> not found"; InferencePool without status parents',
    scope: 'namespace',
    async inject(inst) {
      const im = await installAgentgateway(inst, {flag: false});
      await routeNotResolved(inst, im.route, AGW_CONTROLLER, 'Successfully accepted Route', 'BackendNotFound', `backendRef ${inst.names.namespace}/${inst.names.pool} not found`);
      await inst.kube.replaceStatus(im.pool, {parents: []});
    },
  },
  'agentgateway-rbac-missing': {
    description: "agentgateway: AGW_ENABLE_INFER_EXT set by hand (controller.extraEnv) without the chart's InferencePool RBAC, so the controller cannot watch the pools",
    changes: 'install moved to agentgateway with the env set and no ClusterRole for inferencepools; HTTPRoute ResolvedRefs=False BackendNotFound "backendRef <ns>/<pool> not found"; InferencePool without status parents',
    scope: 'namespace',
    async inject(inst) {
      const im = await installAgentgateway(inst, {rbac: false});
      await routeNotResolved(inst, im.route, AGW_CONTROLLER, 'Successfully accepted Route', 'BackendNotFound', `backendRef ${inst.names.namespace}/${inst.names.pool} not found`);
      await inst.kube.replaceStatus(im.pool, {parents: []});
    },
  },
  'agentgateway-epp-plaintext': {
    description: 'agentgateway: the EPP runs with --secure-serving=false, but agentgateway always connects to it with TLS',
    changes: 'install moved to agentgateway; helm upgrade --set epp.secureServing=false (EPP pods roll with --secure-serving=false)',
    scope: 'namespace',
    async inject(inst) {
      await installAgentgateway(inst);
      await replaceAllPods(inst.kube, inst.names.namespace, inst.names.eppDeployment, () => inst.helmUpgrade(['epp.secureServing=false']));
    },
  },
  'ngf-inference-flag-off': {
    description: 'NGINX Gateway Fabric: the controller runs without --gateway-api-inference-extension (Helm nginxGateway.gwAPIInferenceExtension.enable)',
    changes:
      'install moved to NGINX Gateway Fabric with its controller lacking the arg and the InferencePool RBAC; HTTPRoute ResolvedRefs=False BackendNotFound `spec.rules[0].backendRefs[0].name: Not found: "<pool>"`; InferencePool without status parents; no <pool>-pool-svc',
    scope: 'namespace',
    async inject(inst) {
      const im = await installNgf(inst, {flag: false, rbac: false});
      await waitRolledOut(inst.kube, im.controllerNamespace, NGF_DEPLOYMENT);
      await inst.kube.delete({apiVersion: 'v1', kind: 'Service', namespace: inst.names.namespace, name: ngfPoolServiceName(inst.names.pool)});
      await routeNotResolved(inst, im.route, NGF_CONTROLLER, 'The Route is accepted', 'BackendNotFound', `spec.rules[0].backendRefs[0].name: Not found: "${inst.names.pool}"`);
      await inst.kube.replaceStatus(im.pool, {parents: []});
    },
  },
  'ngf-pool-service-missing': {
    description: "NGINX Gateway Fabric: the InferencePool's headless Service <pool>-pool-svc is gone, so the HTTPRoute's backend is not found",
    changes: 'install moved to NGINX Gateway Fabric; Service <pool>-pool-svc deleted; HTTPRoute ResolvedRefs=False BackendNotFound `spec.rules[0].backendRefs[0].name: Not found: "<pool>-pool-svc"`',
    scope: 'namespace',
    async inject(inst) {
      const im = await installNgf(inst);
      const svc = ngfPoolServiceName(inst.names.pool);
      await inst.kube.delete({apiVersion: 'v1', kind: 'Service', namespace: inst.names.namespace, name: svc});
      await routeNotResolved(inst, im.route, NGF_CONTROLLER, 'The Route is accepted', 'BackendNotFound', `spec.rules[0].backendRefs[0].name: Not found: "${svc}"`);
    },
  },
  'ngf-epp-tls-disabled': {
    description: 'NGINX Gateway Fabric: --endpoint-picker-disable-tls (Helm endpointPicker.disableTLS=true) while the EPP serves TLS',
    changes: 'install moved to NGINX Gateway Fabric; its controller gets --endpoint-picker-disable-tls (rolls out)',
    scope: 'namespace',
    async inject(inst) {
      const im = await installNgf(inst);
      await inst.kube.patch(im.controller!, [{op: 'add', path: '/spec/template/spec/containers/0/args/-', value: '--endpoint-picker-disable-tls'}], 'json');
      await waitRolledOut(inst.kube, im.controllerNamespace, NGF_DEPLOYMENT);
    },
  },
} satisfies Record<string, Fault>;
