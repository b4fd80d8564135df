/* Services: which container port a Service port reaches, and its ready endpoints. */
import type {EndpointSlice, PodSpec, Service, ServicePort} from './objects.ts';

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
