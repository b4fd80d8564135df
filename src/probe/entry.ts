/*
 * What probe-cache and `doctor --request` share on the way to the model servers: which model the
 * pool serves, how to reach its Gateway from here (an address the Gateway's status names, else a
 * port-forward to the Envoy proxy pod), and the model servers' counters read through forwards.
 */
import type {Pod, PodPortForward} from '../kube/portforward.ts';
import {getThroughForward, scrapeThroughForward} from '../kube/portforward.ts';
import type {KubeClient} from '../kube/client.ts';
import {parseExposition} from '../metrics/exposition.ts';
import {readVllm} from '../metrics/read.ts';
import {type EndpointRef, type PodScrape, vllmFigures} from './analyze.ts';
import {
  type EnvoyProxyTarget,
  type GatewayInfo,
  type ModelsResponse,
  type PoolInfo,
  baseModel,
  findEnvoyProxy,
  modelFromObjects,
  resolveGateway,
  tcpReachable,
  urlFor,
} from './discover.ts';


/**
 * The model the pool serves: the base model of the first endpoint's /v1/models (through its
 * forward), else the InferenceService's --served-model-name or an InferenceModel (modelFromObjects).
 */
export async function modelOfPool(
  kube: KubeClient,
  pool: PoolInfo,
  endpoints: EndpointRef[],
  pods: Pod[],
  forwardOf: (e: EndpointRef) => PodPortForward | undefined,
): Promise<{model: string; source: string} | undefined> {
  for (const e of endpoints) {
    const f = forwardOf(e);
    if (!f) continue;
    try {
      const res = await getThroughForward(f, '/v1/models', {timeoutMs: 10_000});
      if (res.status === 200) {
        const m = baseModel(JSON.parse(res.body) as ModelsResponse);
        if (m) return {model: m, source: `/v1/models of ${e.id}`};
      }
    } catch {
      /* try the next endpoint, then the objects */
    }
  }
  return modelFromObjects(kube, pool, pods);
}

export interface WayIn {
  url: string;
  via: 'gateway-address' | 'port-forward';
  gateway: GatewayInfo;
  envoyProxy?: EnvoyProxyTarget | undefined;
  /** the status addresses that did not accept a connection before the port-forward was taken (auto) */
  addressesRefused?: string[] | undefined;
}

/**
 * How to reach the pool's Gateway from here, never an address the cluster does not name: the
 * first address in the Gateway's status (IPAddress or Hostname, discover.ts connectableAddresses)
 * that accepts a TCP connection on the listener's port, else a port-forward to the Envoy proxy pod
 * behind the Gateway's listener (`open` opens it; the caller closes it). `via` narrows it to one of
 * the two (an address that answers may still be a proxy between you and the Gateway; the
 * port-forward reaches the Envoy pod itself).
 */
export async function wayIn(
  kube: KubeClient,
  pool: PoolInfo,
  opts: {gateway?: string | undefined; release?: string | undefined; namespace: string; via?: 'auto' | 'address' | 'port-forward' | undefined},
  open: (target: {namespace: string; pod: string; port: number}) => Promise<PodPortForward>,
  progress: (line: string) => void = () => {},
): Promise<WayIn> {
  const gateway = await resolveGateway(kube, pool, opts);
  const port = gateway.listener?.port ?? 80;
  const protocol = gateway.listener?.protocol ?? 'HTTP';
  const via = opts.via ?? 'auto';
  if (via !== 'port-forward') {
    for (const address of gateway.addresses) {
      if (await tcpReachable(address, port)) return {url: urlFor(address, port, protocol), via: 'gateway-address', gateway};
    }
    if (via === 'address') {
      throw new Error(`Gateway ${gateway.namespace}/${gateway.name}: ${gateway.addresses.length ? `no address of its status (${gateway.addresses.join(', ')}) accepts a connection on port ${port}` : 'its status names no address (of type IPAddress or Hostname)'}`);
    }
  }
  const addressesRefused = via === 'port-forward' ? undefined : gateway.addresses.map((a) => `${a}:${port}`);
  const envoyProxy = await findEnvoyProxy(kube, gateway);
  const f = await open({namespace: envoyProxy.namespace, pod: envoyProxy.pod, port: envoyProxy.containerPort});
  progress(
    `Gateway ${gateway.namespace}/${gateway.name}: ${via === 'port-forward' ? '--request-via port-forward' : gateway.addresses.length ? `addresses ${gateway.addresses.join(', ')} not reachable from here` : 'no address in its status'}; port-forwarding to Envoy proxy ${envoyProxy.namespace}/${envoyProxy.pod}:${envoyProxy.containerPort}`,
  );
  return {url: urlFor('127.0.0.1', f.localPort, protocol), via: 'port-forward', gateway, envoyProxy, ...(addressesRefused?.length ? {addressesRefused} : {})};
}

/** Every endpoint's vLLM figures, read through its forward at the same moment. */
export async function readCounters(endpoints: EndpointRef[], forwards: ReadonlyMap<string, PodPortForward>, timeoutMs: number): Promise<Record<string, PodScrape>> {
  const pods: Record<string, PodScrape> = {};
  await Promise.all(
    endpoints.map(async (e) => {
      const f = forwards.get(e.id);
      if (!f) {
        pods[e.id] = {ok: false, error: 'no port-forward'};
        return;
      }
      try {
        const text = await scrapeThroughForward(f, {timeoutMs});
        pods[e.id] = {ok: true, figures: vllmFigures(readVllm(parseExposition(text)))};
      } catch (error) {
        pods[e.id] = {ok: false, error: (error as Error).message};
      }
    }),
  );
  return pods;
}
