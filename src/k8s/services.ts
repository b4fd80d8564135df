/* Services: which container port a Service port reaches, and its ready endpoints. */
import type {EndpointSlice, Pod, PodSpec, Service, ServicePort} from './objects.ts';
import {podReady} from './pods.ts';
import {selectorMatches} from './selectors.ts';

/** The container port a Service port's targetPort reaches in a pod (by number or by name). */
export function resolveTargetPort(sp: ServicePort, pod: {spec: PodSpec} | {spec: {template: {spec: PodSpec}}}): {container: string; port: number} | undefined {
  const spec = 'template' in pod.spec ? pod.spec.template.spec : pod.spec;
  const target = sp.targetPort ?? sp.port;
  for (const c of spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (typeof target === 'number' && p.containerPort === target) return {container: c.name, port: p.containerPort};
      if (typeof target === 'string' && p.name === target) return {container: c.name, port: p.containerPort};
    }
  }
  // A numeric targetPort works even when the container does not declare the port.
  if (typeof target === 'number' || /^\d+$/.test(String(target))) return {container: spec.containers?.[0]?.name ?? '', port: Number(target)};
  return undefined;
}

export function declaredPorts(spec: PodSpec): number[] {
  return (spec.containers ?? []).flatMap((c) => (c.ports ?? []).map((p) => p.containerPort));
}

/** Ready addresses of a Service, from its EndpointSlices (label kubernetes.io/service-name). */
export function serviceEndpoints(svc: Service, slices: EndpointSlice[]): {ready: number; notReady: number} {
  let ready = 0;
  let notReady = 0;
  for (const s of slices) {
    if (s.metadata.namespace !== svc.metadata.namespace || s.metadata.labels?.['kubernetes.io/service-name'] !== svc.metadata.name) continue;
    for (const e of s.endpoints ?? []) {
      // discovery.k8s.io/v1: a nil ready condition means ready
      if (e.conditions?.ready === false) notReady += e.addresses.length;
      else ready += e.addresses.length;
    }
  }
  return {ready, notReady};
}

/**
 * How far a Service reaches its pods, from the EndpointSlices and the pods in one snapshot:
 * - 'ready': some EndpointSlice lists a ready address;
 * - 'not-listed': none does, but the selector matches a Ready pod (the EndpointSlice controller
 *   has not listed it — see notListedDraft in src/checks/helpers.ts for the one verdict);
 * - 'no-ready-pods': none does and the selector matches no Ready pod (or the pods are unknown).
 * Pure and timing-free: no pod age, no Ready-since comparison.
 */
export type ServiceReach = {kind: 'ready'; ready: number} | {kind: 'not-listed'; pod: Pod} | {kind: 'no-ready-pods'; notReady: number};

export function serviceReach(svc: Service, slices: EndpointSlice[], pods: Pod[] | undefined): ServiceReach {
  const ep = serviceEndpoints(svc, slices);
  if (ep.ready > 0) return {kind: 'ready', ready: ep.ready};
  const sel = svc.spec?.selector ?? {};
  const pod = Object.keys(sel).length ? (pods ?? []).find((p) => p.metadata.namespace === svc.metadata.namespace && podReady(p) && selectorMatches(sel, p.metadata.labels)) : undefined;
  return pod ? {kind: 'not-listed', pod} : {kind: 'no-ready-pods', notReady: ep.notReady};
}
