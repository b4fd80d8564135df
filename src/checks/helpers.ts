/*
 * Helpers shared by checks of more than one file: object references, fix commands that depend on
 * what was found, version comparisons. A helper used by one check lives with that check.
 */
import {argValue} from '../k8s/args.ts';
import type {ObjectRef, Pod, Service} from '../k8s/objects.ts';
import type {KubeObject} from '../kube/client.ts';
import type {EppInfo} from '../model/target.ts';
import type {ChartRelease, PoolChain, Target} from '../model/target.ts';
import {implementationOf} from '../k8s/implementation.ts';
import {anyEnvoyGatewayChain as anyEgChain, chainGateways, isEnvoyGatewayChain as egChain, poolGvk} from '../model/wiring.ts';
import {envoyGatewayController as findController, type EnvoyGatewayInstall} from '../snapshot/envoy-gateway.ts';
import {ENVOY_GATEWAY_NAMESPACE, GROUP} from '../snapshot/kinds.ts';
import type {EppRuntime} from '../snapshot/runtime.ts';
import type {Snapshot} from '../snapshot/types.ts';
import {isListError} from '../snapshot/types.ts';
import {imageTag} from '../snapshot/versions.ts';
import {chartRef, nsFlag} from './fix.ts';
import {notApplicable, skipped, warning, type Draft} from './types.ts';

/** The next command to run for a pod problem (the fix when the cause is outside the cluster's objects). */
export function podProblemFix(pod: Pod, problem: {kind: string; container?: string | undefined}): string {
  const ns = pod.metadata.namespace ?? '';
  const name = pod.metadata.name;
  switch (problem.kind) {
    case 'CrashLoop':
      return `kubectl logs ${name} -n ${ns}${problem.container ? ` -c ${problem.container}` : ''} --previous`;
    case 'ImagePull':
      return `kubectl describe pod ${name} -n ${ns}   # Events show the registry's answer; fix the image or imagePullSecrets`;
    case 'Unschedulable':
      return `kubectl describe pod ${name} -n ${ns}   # then free or add the resources named above (kubectl describe nodes)`;
    case 'ContainerConfig':
      return `kubectl describe pod ${name} -n ${ns}   # create the ConfigMap/Secret it refers to`;
    default:
      return `kubectl describe pod ${name} -n ${ns}`;
  }
}

export function poolPatch(chain: PoolChain, v1: unknown, v1alpha2: unknown): string {
  const pool = chain.pool!;
  const kind = pool.group === GROUP.xPool ? `inferencepools.${GROUP.xPool}` : 'inferencepool';
  return `kubectl patch ${kind} ${pool.name}${nsFlag(pool.namespace)} --type merge -p '${JSON.stringify(pool.group === GROUP.xPool ? v1alpha2 : v1)}'`;
}

export function parseVersion(v: string | undefined): [number, number, number] | undefined {
  const m = /^v?(\d+)\.(\d+)(?:\.(\d+))?/.exec(v ?? '');
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

export function versionBelow(v: string | undefined, major: number, minor: number): boolean {
  const p = parseVersion(v);
  return p !== undefined && (p[0] < major || (p[0] === major && p[1] < minor));
}

export function envoyGatewayVersion(snap: Snapshot, install?: EnvoyGatewayInstall): string | undefined {
  const eg = install ?? findController(snap);
  const c = (eg?.deployment.spec?.template?.spec?.containers ?? []).find((x) => /envoyproxy\/gateway/.test(x.image ?? '')) ?? eg?.deployment.spec?.template?.spec?.containers?.[0];
  return c?.image ? imageTag(c.image) : undefined;
}

export function logOf(snap: Snapshot, p: Pod, container: string, previous: boolean): string | undefined {
  const l = snap.logs[`${p.metadata.namespace}/${p.metadata.name}/${container}${previous ? '/previous' : ''}`];
  return typeof l === 'string' ? l : undefined;
}

export const egDeploymentRef = (name: string, ns: string = ENVOY_GATEWAY_NAMESPACE) => ({apiVersion: 'apps/v1', kind: 'Deployment', namespace: ns, name});

export const cmRefOf = (eg: EnvoyGatewayInstall | undefined) => ({apiVersion: 'v1', kind: 'ConfigMap', namespace: eg?.namespace ?? ENVOY_GATEWAY_NAMESPACE, name: eg?.configMapName ?? 'envoy-gateway-config'});

export function nsArg(ns: string): string {
  return ns === ENVOY_GATEWAY_NAMESPACE ? '' : ` --config-namespace ${ns}`;
}

/** The fix for a config Envoy Gateway refuses: merge what InferencePool backends need. */
export function patchEnvoyFix(groups: string[], ns: string = ENVOY_GATEWAY_NAMESPACE): string {
  const extra = groups.filter((g) => g === GROUP.xPool).map((g) => ` --backend-resource ${g}/${poolGvk(g).version}/InferencePool`);
  return `kubectl infgw patch-envoy${nsArg(ns)}${extra.join('')} --dry-run   # review the diff, then run it without --dry-run`;
}

export function crdRef(name: string) {
  return {apiVersion: 'apiextensions.k8s.io/v1', kind: 'CustomResourceDefinition', name};
}

export function bundleVersion(o: KubeObject | null | undefined | {reason: string}, annotation: string): string | undefined {
  if (!o || isListError(o)) return undefined;
  return (o as KubeObject).metadata.annotations?.[annotation];
}

export const deployRef = (d: KubeObject): ObjectRef => ({apiVersion: 'apps/v1', kind: 'Deployment', namespace: d.metadata.namespace, name: d.metadata.name});

export function reapply(r: ChartRelease): string {
  return `helm get manifest ${r.release.name} -n ${r.release.namespace} | kubectl apply -f -`;
}

export function helmSet(r: ChartRelease, set: string): string {
  return `helm upgrade ${r.release.name} ${chartRef(r.release.chart)} -n ${r.release.namespace} --reuse-values --set ${set}`;
}

export const eppDeployRef = (e: EppInfo): ObjectRef => ({apiVersion: 'apps/v1', kind: 'Deployment', namespace: e.deployment.metadata.namespace, name: e.deployment.metadata.name});

export function serviceAccount(e: EppInfo): {namespace: string; name: string} {
  return {namespace: e.deployment.metadata.namespace ?? '', name: e.deployment.spec.template.spec.serviceAccountName ?? 'default'};
}

/** GIE's EPP image (registry.k8s.io/gateway-api-inference-extension/epp) vs llm-d-router's. */
export function eppFlavour(image: string | undefined): 'gie' | 'llm-d' | 'unknown' {
  if (!image) return 'unknown';
  if (/gateway-api-inference-extension\/epp/.test(image)) return 'gie';
  if (/llm-d/.test(image)) return 'llm-d';
  return 'unknown';
}

export const podRef = (r: EppRuntime): ObjectRef => ({apiVersion: 'v1', kind: 'Pod', namespace: r.namespace, name: r.pod});

/** Each EPP of the chain with its runtime reads, or the draft saying why there are none. */
export function perEpp(ctx: {snap: {runtime?: EppRuntime[] | undefined}; chain: {epps: EppInfo[]}}, each: (r: EppRuntime, e: EppInfo) => Draft[]): Draft[] {
  const out: Draft[] = [];
  for (const e of ctx.chain.epps) {
    if (!ctx.snap.runtime) {
      out.push(skipped(`EPP runtime not read (offline snapshot or --no-runtime): logs and /metrics of ${e.deployment.metadata.name} unknown`, eppDeployRef(e)));
      continue;
    }
    const r = ctx.snap.runtime.find((x) => x.namespace === e.deployment.metadata.namespace && x.deployment === e.deployment.metadata.name);
    if (!r) {
      out.push(skipped(`EPP ${e.deployment.metadata.name} has no Ready pod to read logs and /metrics from (or more EPPs than are read at runtime)`, eppDeployRef(e)));
      continue;
    }
    out.push(...each(r, e));
  }
  return out;
}

export interface EppConfigSource {
  kind: 'configmap' | 'inline';
  configMap?: {namespace: string; name: string; key: string} | undefined;
  text?: string | undefined;
  path?: string | undefined;
}

/** Where the EPP's config comes from: --config-file → the ConfigMap volume mounted there; --config-text. */
export function eppConfigSource(e: EppInfo): EppConfigSource | undefined {
  const inline = argValue(e.container, '--config-text');
  if (inline) return {kind: 'inline', text: inline};
  const path = argValue(e.container, '--config-file');
  if (!path) return undefined;
  const mounts = e.container?.volumeMounts ?? [];
  const m = mounts.filter((v) => path === v.mountPath || path.startsWith(`${v.mountPath.replace(/\/$/, '')}/`)).sort((a, b) => b.mountPath.length - a.mountPath.length)[0] as
    | {name: string; mountPath: string; subPath?: string}
    | undefined;
  const vol = m ? e.deployment.spec.template.spec.volumes?.find((v) => v.name === m.name) : undefined;
  if (!m || !vol?.configMap) return {kind: 'configmap', path};
  const key = m.subPath ?? path.slice(m.mountPath.replace(/\/$/, '').length + 1);
  return {kind: 'configmap', path, configMap: {namespace: e.deployment.metadata.namespace ?? '', name: vol.configMap.name, key}};
}

/**
 * The one verdict for "a Service whose selector matches Ready pods, but whose EndpointSlices list
 * no ready address" (IGW-206, IGW-407, IGW-441): a warning, the same for every Service.
 *
 * Why: the proxy routes only to what the EndpointSlices list — Envoy Gateway builds a backend's
 * endpoints from them (envoyproxy/gateway v1.9.1 internal/gatewayapi/route.go
 * getIREndpointsFromEndpointSlices) and kube-proxy does the same for ClusterIP traffic — so right
 * now requests to this Service fail: not "fine" (info). But nothing in the user's objects is wrong:
 * the selector matches and the pod is Ready; the EndpointSlice controller (kube-controller-manager,
 * k8s.io/kubernetes pkg/controller/endpointslice) has not listed it yet. It normally does within a
 * second, so there is no fix to apply to the Service or the pods: not an error with a fix built on
 * a guess. A snapshot cannot tell "a second late" from "the controller is down" without timing, and
 * the verdict must not depend on timing — so it is the same warning either way, saying what to look
 * at if a re-run still shows it. (Exit code 0: README, warnings allowed.)
 */
export function notListedDraft(what: string, svc: Service, pod: Pod): Draft {
  const ns = svc.metadata.namespace ?? '';
  return warning(
    `${what} ${ns}/${svc.metadata.name}: no EndpointSlice lists a ready address yet, although its selector matches Ready pod ${pod.metadata.name} — requests through the Service fail until the EndpointSlice controller (kube-controller-manager) lists the pod; that normally takes a second after a pod turns Ready, so if a re-run still shows this, that controller is not running or not keeping up`,
    {apiVersion: 'v1', kind: 'Service', namespace: ns, name: svc.metadata.name},
    `kubectl get endpointslices -n ${ns} -l kubernetes.io/service-name=${svc.metadata.name} -o wide   # then: kubectl get pods -n kube-system -l component=kube-controller-manager`,
  );
}

/**
 * Issue 13: the Envoy Gateway checks (phase 2, EnvoyExtensionPolicy and AI Gateway wiring, Envoy
 * proxy naming) apply only to chains whose Gateway is Envoy Gateway's; for Istio, kgateway, … (or a
 * GatewayClass doctor does not know) they are not applicable. Used at the top of those checks.
 */
export function isEnvoyGatewayChain(ctx: {snap: Snapshot; chain: PoolChain}): boolean {
  return egChain(ctx.snap, ctx.chain);
}

/**
 * The result of an Envoy Gateway check on a chain that is not Envoy Gateway's (issue 10: "not
 * applicable" is a result, with its reason): names the implementation behind the Gateway's class.
 */
export function notEnvoyGateway(ctx: {snap: Snapshot; chain: PoolChain}): Draft {
  const gw = chainGateways(ctx.snap, ctx.chain).find((g) => g.controllerName !== undefined);
  const impl = gw?.controllerName ? (implementationOf(gw.controllerName)?.name ?? `the controller ${gw.controllerName}`) : 'another implementation';
  const what = gw ? `the Gateway ${gw.namespace}/${gw.name} is ${impl}'s` : `the Gateway is ${impl}'s`;
  return notApplicable(`${what}, not Envoy Gateway's`);
}

/** The cluster-wide form: some chain in scope is Envoy Gateway's (or there are no chains). */
export function anyEnvoyGatewayChain(ctx: {snap: Snapshot; target: Target}): boolean {
  return anyEgChain(ctx.snap, ctx.target);
}
