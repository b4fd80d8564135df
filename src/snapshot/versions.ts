import type {KubeClient, KubeObject} from '../kube/client.ts';
import {ApiError} from '../kube/errors.ts';

export interface ClusterVersions {
  server: string;
  context: string;
  gatewayApi?: {bundleVersion?: string; channel?: string} | undefined;
  inferencePool: {group: string; versions: string[]}[];
  envoyGateway?: {namespace: string; name: string; image: string; version?: string} | undefined;
  epps: {namespace: string; name: string; image: string; version?: string}[];
  /** things we could not read (forbidden, ...) */
  unknown: string[];
}

interface Crd extends KubeObject {
  spec: {versions: {name: string; served: boolean; storage: boolean}[]};
}
interface Deployment extends KubeObject {
  spec: {template: {spec: {containers: {name: string; image?: string; args?: string[]}[]}}};
}

/** The tag of an image reference ("repo/name:v1.2.3@sha256:…" → "v1.2.3"). */
export function imageTag(image: string): string | undefined {
  const noDigest = image.split('@')[0] ?? image;
  const lastSlash = noDigest.lastIndexOf('/');
  const colon = noDigest.lastIndexOf(':');
  return colon > lastSlash ? noDigest.slice(colon + 1) : undefined;
}

/**
 * An EPP container: the one that names its pool (GIE and llm-d-router both take --pool-name) or, in
 * standalone mode, selects its endpoints with --endpoint-selector (pkg/epp/server/options.go of both).
 */
export function eppContainer(d: Deployment): {name: string; image?: string; args?: string[]} | undefined {
  const flag = (a: string, f: string) => a === `--${f}` || a.startsWith(`--${f}=`) || a === `-${f}` || a.startsWith(`-${f}=`);
  return d.spec?.template?.spec?.containers?.find((c) => (c.args ?? []).some((a) => flag(a, 'pool-name') || flag(a, 'endpoint-selector')));
}

export async function clusterVersions(kube: KubeClient): Promise<ClusterVersions> {
  const unknown: string[] = [];
  const tolerate = async <T>(what: string, p: Promise<T>): Promise<T | undefined> => {
    try {
      return await p;
    } catch (error) {
      if (error instanceof ApiError && error.notFound) return undefined;
      if (error instanceof ApiError && error.forbidden) {
        unknown.push(`${what}: forbidden`);
        return undefined;
      }
      throw error;
    }
  };
  await kube.warm();
  const crdPath = (name: string) => `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`;
  const [version, gw, poolV1, poolAlpha, eg, deployments] = await Promise.all([
    kube.get<{gitVersion: string}>('/version'),
    tolerate('Gateway API CRD', kube.get<Crd>(crdPath('gateways.gateway.networking.k8s.io'))),
    tolerate('InferencePool CRD', kube.get<Crd>(crdPath('inferencepools.inference.networking.k8s.io'))),
    tolerate('InferencePool (x-k8s.io) CRD', kube.get<Crd>(crdPath('inferencepools.inference.networking.x-k8s.io'))),
    tolerate('Envoy Gateway Deployment', kube.get<Deployment>('/apis/apps/v1/namespaces/envoy-gateway-system/deployments/envoy-gateway')),
    tolerate('Deployments', kube.list<Deployment>('/apis/apps/v1/deployments')),
  ]);
  const inferencePool = [poolV1, poolAlpha]
    .filter((c): c is Crd => c !== undefined)
    .map((c) => ({group: c.metadata.name.replace(/^inferencepools\./, ''), versions: c.spec.versions.filter((v) => v.served).map((v) => v.name)}));
  const egImage = eg?.spec.template.spec.containers[0]?.image;
  const epps = (deployments?.items ?? []).flatMap((d) => {
    const c = eppContainer(d);
    if (!c?.image) return [];
    const version = imageTag(c.image);
    return [{namespace: d.metadata.namespace ?? '', name: d.metadata.name, image: c.image, ...(version ? {version} : {})}];
  });
  const egVersion = egImage ? imageTag(egImage) : undefined;
  return {
    server: version.gitVersion,
    context: kube.config.contextName,
    gatewayApi: gw
      ? {
          ...(gw.metadata.annotations?.['gateway.networking.k8s.io/bundle-version'] ? {bundleVersion: gw.metadata.annotations['gateway.networking.k8s.io/bundle-version']} : {}),
          ...(gw.metadata.annotations?.['gateway.networking.k8s.io/channel'] ? {channel: gw.metadata.annotations['gateway.networking.k8s.io/channel']} : {}),
        }
      : undefined,
    inferencePool,
    envoyGateway: eg && egImage ? {namespace: 'envoy-gateway-system', name: 'envoy-gateway', image: egImage, ...(egVersion ? {version: egVersion} : {})} : undefined,
    epps,
    unknown,
  };
}
