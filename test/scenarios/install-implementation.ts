// Issue 13: the healthy install moved from Envoy Gateway to another Gateway implementation that
// implements InferencePool itself (Istio: install-istio.ts, kgateway: install-kgateway.ts). Shared
// steps, applied on top of installHealthy()'s Envoy Gateway install (like install-bbr.ts adds BBR):
//   1. the implementation's control plane: its controller Deployment in its own namespace
//      (<ns>-<impl>), with the InferencePool flag as its chart sets it;
//   2. a GatewayClass of its controllerName (per install: <ns>-<impl>), Accepted;
//   3. the chart's Gateway moved to that class through helm (`--set gatewayClassName`), so the
//      release's rendered objects match the cluster;
//   4. Envoy Gateway lets go of the Gateway: its proxy Deployment/Service in envoy-gateway-system are
//      deleted, and the proxy the implementation provisions appears in the Gateway's namespace;
//   5. LiteLLM's api_base points at that proxy Service;
//   6. the statuses the implementation writes (GatewayClass, Gateway, HTTPRoute, InferencePool), shaped
//      by the module of that implementation from its own source.
import type {Installation} from './install.ts';
import {managers, until, waitRolledOut, type KubeObject, type Manifest, type ObjectRef} from './kube.ts';
import * as objects from './objects.ts';

export type ImplementationId = 'istio' | 'kgateway' | 'agentgateway' | 'nginx-gateway-fabric' | 'gke' | 'unknown';

/** What one implementation contributes to the move (install-istio.ts, install-kgateway.ts). */
export interface ImplementationWorld {
  id: ImplementationId;
  controllerName: string;
  /** the controller Deployment (with the InferencePool flag on unless `flag` is false); none for GKE (outside the cluster) */
  controller?(ns: string, opts: {flag: boolean}): Manifest;
  /** the GatewayClass name when the implementation fixes it (GKE's gke-l7-* classes); default <ns>-<id> */
  className?(ns: string): string;
  /** GatewayClass spec extras (kgateway: parametersRef to its namespace) */
  classSpec?(ctlNs: string): Record<string, unknown>;
  classStatus(generation: number): Record<string, unknown>;
  /** name of the proxy Deployment/Service it provisions for a Gateway of that class; none for GKE (a Cloud load balancer) */
  proxyName?(gateway: string, className: string): string;
  proxyLabels?(gateway: string, className: string): Record<string, string>;
  gatewayStatus(o: {generation: number; address: string; proxyService: string; namespace: string; attachedRoutes: number}): Record<string, unknown>;
  routeStatus(o: {generation: number; gateway: {name: string; namespace: string}}): Record<string, unknown>;
  poolStatus(o: {generation: number; gateway: {name: string; namespace: string}}): Record<string, unknown>;
  /** anything else it creates for the pool (Istio: the shadow Service) */
  extraObjects?(inst: Installation): Manifest[];
  /** cluster-scoped objects of the install (RBAC of the controller), deleted at cleanup */
  clusterObjects?(ctlNs: string): Manifest[];
  /** objects in the controller's namespace besides the controller (its ServiceAccount) */
  controllerObjects?(ctlNs: string): Manifest[];
}

export interface ImplementationInstall {
  world: ImplementationWorld;
  controllerNamespace: string;
  controller: ObjectRef | undefined;
  className: string;
  proxy: ObjectRef | undefined;
  proxyService: ObjectRef | undefined;
  gateway: ObjectRef;
  route: ObjectRef;
  pool: ObjectRef;
  /** rewrite the statuses the implementation writes (after a change) */
  writeStatuses(): Promise<void>;
}

const PROXY_CONTAINER: Partial<Record<ImplementationId, {name: string; image: string}>> = {
  istio: {name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.28.1'},
  kgateway: {name: 'kgateway-proxy', image: 'cr.kgateway.dev/kgateway-dev/envoy-wrapper:v2.1.1'},
  // agentgateway's proxy (controller/pkg/deployer) and NGF's nginx data plane (provisioner/objects.go, with
  // the endpoint-picker-shim sidecar when the inference extension is on)
  agentgateway: {name: 'agentgateway', image: 'cr.agentgateway.dev/agentgateway:v1.0.0'},
  'nginx-gateway-fabric': {name: 'nginx', image: 'ghcr.io/nginx/nginx-gateway-fabric/nginx:2.2.0'},
  unknown: {name: 'proxy', image: 'example.com/gateway/proxy:v1.0.0'},
};

/**
 * A single-replica Deployment as the implementations' Helm charts render their controller (and the
 * proxies they provision): selector = the pod labels; `extraLabels` only on the Deployment itself.
 */
export function oneReplicaDeployment(o: {name: string; namespace: string; labels: Record<string, string>; extraLabels?: Record<string, string>; serviceAccountName?: string; container: Record<string, unknown>}): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: o.name, namespace: o.namespace, labels: {...o.labels, ...o.extraLabels}},
    spec: {
      replicas: 1,
      selector: {matchLabels: o.labels},
      template: {metadata: {labels: o.labels}, spec: {...(o.serviceAccountName ? {serviceAccountName: o.serviceAccountName} : {}), containers: [o.container]}},
    },
  };
}

/**
 * A Gateway implementation doctor has no table entry for (controllerName example.com/gateway-controller):
 * it writes the plain Gateway API statuses, with its own controllerName, and nothing for the pool's
 * EPP that doctor could judge. Doctor must say "implementation not checked" and nothing worse.
 */
export const unknownWorld: ImplementationWorld = {
  id: 'unknown',
  controllerName: 'example.com/gateway-controller',
  controller: (ns) =>
    oneReplicaDeployment({name: 'example-gateway-controller', namespace: ns, labels: {app: 'example-gateway-controller'}, container: {name: 'controller', image: 'example.com/gateway/controller:v1.0.0'}}),
  classStatus: (g) => ({conditions: [cond('Accepted', true, 'Accepted', 'Accepted', g)]}),
  proxyName: (gateway) => `${gateway}-proxy`,
  proxyLabels: (gateway) => ({'gateway.networking.k8s.io/gateway-name': gateway}),
  gatewayStatus: ({generation: g, address, attachedRoutes}) => ({
    addresses: [{type: 'IPAddress', value: address}],
    conditions: [cond('Accepted', true, 'Accepted', 'Accepted', g), cond('Programmed', true, 'Programmed', 'Programmed', g)],
    listeners: [{name: 'http', attachedRoutes, supportedKinds: [{group: 'gateway.networking.k8s.io', kind: 'HTTPRoute'}], conditions: [cond('Accepted', true, 'Accepted', 'Accepted', g), cond('Programmed', true, 'Programmed', 'Programmed', g), cond('ResolvedRefs', true, 'ResolvedRefs', 'ResolvedRefs', g)]}],
  }),
  routeStatus: ({generation: g, gateway}) => ({
    parents: [{parentRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', name: gateway.name}, controllerName: 'example.com/gateway-controller', conditions: [cond('Accepted', true, 'Accepted', 'Accepted', g), cond('ResolvedRefs', true, 'ResolvedRefs', 'ResolvedRefs', g)]}],
  }),
  poolStatus: ({generation: g, gateway}) => ({
    parents: [
      {
        parentRef: {group: 'gateway.networking.k8s.io', kind: 'Gateway', namespace: gateway.namespace, name: gateway.name},
        controllerName: 'example.com/gateway-controller',
        conditions: [cond('Accepted', true, 'Accepted', 'Accepted', g), cond('ResolvedRefs', true, 'ResolvedRefs', 'ResolvedRefs', g)],
      },
    ],
  }),
};

const installed = new WeakMap<Installation, ImplementationInstall>();

export function implementationOf(inst: Installation): ImplementationInstall | undefined {
  return installed.get(inst);
}

async function generation(inst: Installation, ref: ObjectRef): Promise<number> {
  return (await inst.kube.get(ref)).metadata.generation ?? 1;
}

/** Moves a healthy (Envoy Gateway) install to `world`. Idempotent per install. */
export async function moveToImplementation(inst: Installation, world: ImplementationWorld, opts: {flag?: boolean} = {}): Promise<ImplementationInstall> {
  const done = installed.get(inst);
  if (done) return done;
  const {kube, names} = inst;
  const ctlNs = `${names.namespace}-${world.id}`.slice(0, 63);
  const className = world.className?.(names.namespace) ?? `${names.namespace}-${world.id}`.slice(0, 63);
  const controllerManifest = world.controller?.(ctlNs, {flag: opts.flag ?? true});
  const clusterObjects = world.clusterObjects?.(ctlNs) ?? [];
  inst.onCleanup(async () => {
    await Promise.all([
      kube.delete({apiVersion: 'v1', kind: 'Namespace', name: ctlNs}),
      kube.delete({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: className}),
      ...clusterObjects.map((o) => kube.delete({apiVersion: o.apiVersion, kind: o.kind, name: o.metadata.name})),
    ]);
    // A controller left behind (namespace still terminating) would be seen by the next install's
    // doctor run, which finds controllers by label cluster-wide: wait until it is gone.
    await until(`namespace ${ctlNs} deleted`, async () => !(await kube.getOptional({apiVersion: 'v1', kind: 'Namespace', name: ctlNs})), 120_000, 250);
  });

  // 1–2. control plane and class
  await kube.apply(objects.namespace(ctlNs));
  for (const o of world.controllerObjects?.(ctlNs) ?? []) await kube.apply(o);
  if (controllerManifest) await kube.apply(controllerManifest);
  for (const o of clusterObjects) await kube.apply(o);
  const classRef: ObjectRef = {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: className};
  await kube.apply({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', metadata: {name: className}, spec: {controllerName: world.controllerName, ...(world.classSpec?.(ctlNs) ?? {})}});
  await kube.replaceStatus(classRef, world.classStatus(await generation(inst, classRef)));

  // 3. the chart's Gateway on the new class (helm, so the release matches the cluster)
  await inst.helmUpgrade([`gatewayClassName=${className}`]);
  const gateway: ObjectRef = {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', namespace: names.namespace, name: names.gateway};
  await until(`Gateway ${names.gateway} on class ${className}`, async () => ((await kube.get<KubeObject & {spec?: {gatewayClassName?: string}}>(gateway)).spec?.gatewayClassName === className ? true : undefined));

  // 4. Envoy Gateway's proxy goes; the implementation's appears in the Gateway's namespace
  await Promise.all([
    kube.delete({apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.egNamespace, name: names.proxyDeployment}),
    kube.delete({apiVersion: 'v1', kind: 'Service', namespace: names.egNamespace, name: names.proxyService}),
    kube.delete({apiVersion: 'v1', kind: 'ServiceAccount', namespace: names.egNamespace, name: names.proxyDeployment}),
  ]);
  const proxyName = world.proxyName?.(names.gateway, className);
  const labels = world.proxyLabels?.(names.gateway, className) ?? {};
  const proxyContainer = PROXY_CONTAINER[world.id];
  if (proxyName && proxyContainer) {
  await kube.apply(oneReplicaDeployment({name: proxyName, namespace: names.namespace, labels, container: {name: proxyContainer.name, image: proxyContainer.image, ports: [{containerPort: 80, name: 'http', protocol: 'TCP'}]}}));
  await kube.apply({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name: proxyName, namespace: names.namespace, labels},
    spec: {type: 'LoadBalancer', selector: labels, ports: [{name: 'http', port: names.gatewayPort, targetPort: 80, protocol: 'TCP'}]},
  });
  }
  for (const m of world.extraObjects?.(inst) ?? []) await kube.apply(m, managers.installer);
  await Promise.all([
    ...(controllerManifest ? [waitRolledOut(kube, ctlNs, controllerManifest.metadata.name)] : []),
    ...(proxyName && proxyContainer ? [waitRolledOut(kube, names.namespace, proxyName)] : []),
  ]);

  // 5. LiteLLM → the implementation's proxy (GKE: the load balancer's address, outside the cluster)
  const address = objects.loadBalancerIp(proxyName ?? `${names.namespace}-${names.gateway}`);
  if (inst.options.litellm) {
    await kube.apply(objects.litellmConfigMap(names, proxyName ? `http://${proxyName}.${names.namespace}.svc.cluster.local:${names.gatewayPort}/v1` : `http://${address}:${names.gatewayPort}/v1`));
  }

  // 6. statuses
  const proxyService: ObjectRef | undefined = proxyName ? {apiVersion: 'v1', kind: 'Service', namespace: names.namespace, name: proxyName} : undefined;
  const route: ObjectRef = {apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', namespace: names.routeNamespace, name: names.httpRoute};
  const pool: ObjectRef = {apiVersion: `${objects.POOL_GROUP}/v1`, kind: 'InferencePool', namespace: names.namespace, name: names.pool};
  const gw = {name: names.gateway, namespace: names.namespace};
  const result: ImplementationInstall = {
    world,
    controllerNamespace: ctlNs,
    controller: controllerManifest ? {apiVersion: 'apps/v1', kind: 'Deployment', namespace: ctlNs, name: controllerManifest.metadata.name} : undefined,
    className,
    proxy: proxyName ? {apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.namespace, name: proxyName} : undefined,
    proxyService,
    gateway,
    route,
    pool,
    async writeStatuses() {
      if (proxyService) await kube.applyStatus(proxyService, {loadBalancer: {ingress: [{ip: address, ipMode: 'VIP'}]}}, 'cloud-controller-manager');
      await kube.replaceStatus(gateway, world.gatewayStatus({generation: await generation(inst, gateway), address, proxyService: proxyName ?? '', namespace: names.namespace, attachedRoutes: 1}));
      await kube.replaceStatus(route, world.routeStatus({generation: await generation(inst, route), gateway: gw}));
      await kube.replaceStatus(pool, world.poolStatus({generation: await generation(inst, pool), gateway: gw}));
    },
  };
  await result.writeStatuses();
  installed.set(inst, result);
  return result;
}

/** A status condition as controllers write it. */
export function cond(type: string, ok: boolean, reason: string, message: string, generation: number): Record<string, unknown> {
  return {type, status: ok ? 'True' : 'False', reason, message, observedGeneration: generation, lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, 'Z')};
}
