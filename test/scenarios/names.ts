// Names of everything a scenario install creates, computed the way the real components name them.
import {createHash} from 'node:crypto';

/** Envoy Gateway's namespace in a default install (charts/gateway-helm). */
export const DEFAULT_EG_NAMESPACE = 'envoy-gateway-system';
export const DEFAULT_GATEWAY_CLASS = 'eg';
/** Where the Envoy AI Gateway controller lives (fqdn in envoy-gateway-values.envoy-ai-gateway.yaml). */
export const AI_GATEWAY_NAMESPACE = 'envoy-ai-gateway-system';
export const EG_CONTROLLER_NAME = 'gateway.envoyproxy.io/gatewayclass-controller';
export const CHART_NAME = 'inference-gateway';

/**
 * Envoy Gateway's GetHashedName (envoyproxy/gateway internal/utils/misc.go): "<ns>/<name>" with "/"
 * replaced by "-", cut at `length` characters (trailing "-" trimmed), then "-" and the first 8 hex
 * digits of the SHA-256 of the original "<ns>/<name>".
 */
export function egHashedName(nsName: string, length: number): string {
  const hash = createHash('sha256').update(nsName).digest('hex');
  let name = nsName.replaceAll('/', '-');
  if (length > 0 && name.length > length) name = name.slice(0, length).replace(/-+$/, '');
  return `${name}-${hash.slice(0, 8)}`;
}

/**
 * Name of the Envoy proxy Deployment and Service Envoy Gateway creates for a Gateway in its own
 * namespace: "envoy-" + GetHashedName("<gateway ns>/<gateway name>", 48)
 * (internal/infrastructure/kubernetes/proxy/resource.go ExpectedResourceHashedName).
 */
export function envoyProxyName(gatewayNamespace: string, gatewayName: string): string {
  return `envoy-${egHashedName(`${gatewayNamespace}/${gatewayName}`, 48)}`;
}

/** Helm's usual fullname helper, as the fixture chart's `inference-gateway.fullname` computes it. */
export function chartFullname(release: string): string {
  const name = release.includes(CHART_NAME) ? release : `${release}-${CHART_NAME}`;
  return name.slice(0, 63).replace(/-+$/, '');
}

export interface Names {
  /** Namespace of the chart release, its Gateway, the InferencePool, the model and the HTTPRoute. */
  namespace: string;
  release: string;
  /** chart fullname: "<release>-inference-gateway" */
  fullname: string;
  gateway: string;
  gatewayPort: number;
  gatewayClass: string;
  eppDeployment: string;
  eppService: string;
  eppServiceAccount: string;
  eppRole: string;
  eppClusterRole: string;
  eppConfigMap: string;
  extensionPolicy: string;
  pool: string;
  httpRoute: string;
  /** Namespace of the HTTPRoute (the release namespace unless the install puts it elsewhere). */
  routeNamespace: string;
  /** KServe InferenceService; its predictor Deployment and Service are "<name>-predictor". */
  inferenceService: string;
  modelDeployment: string;
  modelService: string;
  /** Model name clients ask for (vLLM --served-model-name). */
  servedModel: string;
  egNamespace: string;
  egDeployment: string;
  egConfigMap: string;
  egService: string;
  aiGatewayNamespace: string;
  /** Envoy proxy Deployment + Service of the Gateway, in egNamespace. */
  proxyDeployment: string;
  proxyService: string;
  /** http://<proxyService>.<egNamespace>.svc.cluster.local:<port> */
  gatewayUrl: string;
  litellmNamespace: string;
  litellmConfigMap: string;
  litellmDeployment: string;
}

export interface NameOptions {
  namespace: string;
  release?: string;
  model?: string;
  gatewayClassName?: string;
  gatewayName?: string;
  gatewayPort?: number;
  egNamespace?: string;
  litellmNamespace?: string;
  routeNamespace?: string;
}

export function computeNames(o: NameOptions): Names {
  const release = o.release ?? 'igw';
  const fullname = chartFullname(release);
  const epp = `${fullname}-epp`.slice(0, 63).replace(/-+$/, '');
  const model = o.model ?? 'qwen3-8b';
  const gateway = o.gatewayName ?? fullname;
  const egNamespace = o.egNamespace ?? DEFAULT_EG_NAMESPACE;
  const proxy = envoyProxyName(o.namespace, gateway);
  const port = o.gatewayPort ?? 80;
  return {
    namespace: o.namespace,
    release,
    fullname,
    gateway,
    gatewayPort: port,
    gatewayClass: o.gatewayClassName ?? DEFAULT_GATEWAY_CLASS,
    eppDeployment: epp,
    eppService: epp,
    eppServiceAccount: epp,
    eppRole: epp,
    eppClusterRole: `${epp}-${o.namespace}-auth`,
    eppConfigMap: `${epp}-config`,
    extensionPolicy: `${fullname}-ext-proc`,
    pool: `${model}-pool`,
    httpRoute: `${model}-route`,
    routeNamespace: o.routeNamespace ?? o.namespace,
    inferenceService: model,
    modelDeployment: `${model}-predictor`,
    modelService: `${model}-predictor`,
    servedModel: model,
    egNamespace,
    egDeployment: 'envoy-gateway',
    egConfigMap: 'envoy-gateway-config',
    egService: 'envoy-gateway',
    aiGatewayNamespace: AI_GATEWAY_NAMESPACE,
    proxyDeployment: proxy,
    proxyService: proxy,
    gatewayUrl: `http://${proxy}.${egNamespace}.svc.cluster.local:${port}`,
    litellmNamespace: o.litellmNamespace ?? o.namespace,
    litellmConfigMap: 'litellm-config',
    litellmDeployment: 'litellm',
  };
}
