// Envoy Gateway as a real install leaves it: namespace, controller Deployment/Service/ServiceAccount,
// the ConfigMap `envoy-gateway-config` (the chart's default config merged with the Envoy AI Gateway
// values that add the extension manager and the InferencePool backend), the GatewayClass with
// status Accepted, and the Envoy AI Gateway controller the extension manager calls.
//
// The Envoy Gateway namespace and the GatewayClass are cluster-wide: everything here is written with
// server-side apply, so parallel installs into the same namespace converge instead of fighting,
// and a test that changes them must use its own (InstallOptions.egNamespace / gatewayClassName).
import {readFileSync} from 'node:fs';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parse, stringify} from 'yaml';
import {managers, type KubeObject, type Manifest, type ScenarioKube} from './kube.ts';
import {clusterLogs, envoyGatewayHealthyLog, logsRoot, writeLog} from './logs.ts';
import {AI_GATEWAY_NAMESPACE, DEFAULT_EG_NAMESPACE, EG_CONTROLLER_NAME} from './names.ts';
import {namespace} from './objects.ts';
import {gatewayClassStatus} from './status.ts';

export const repoRoot: string = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
/** ../shared next to the repository (read-only data; never copied into the repo). */
export const sharedDir: string = resolve(repoRoot, '..', 'shared');
export const fixturesDir: string = join(sharedDir, 'fixtures');

export const DEFAULT_EG_VERSION = 'v1.6.0';
export const CONFIG_KEY = 'envoy-gateway.yaml';
const EG_LABELS = {'control-plane': 'envoy-gateway', 'app.kubernetes.io/name': 'gateway-helm', 'app.kubernetes.io/instance': 'eg'};

type Yaml = Record<string, unknown>;

function isMap(v: unknown): v is Yaml {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Helm's values merge: maps merge key by key, everything else (lists included) is replaced. */
export function mergeValues(base: Yaml, over: Yaml): Yaml {
  const out: Yaml = {...base};
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isMap(b) && isMap(v) ? mergeValues(b, v) : v;
  }
  return out;
}

/** The default `envoy-gateway.yaml` of the gateway-helm chart (fixture), as an object. */
export function defaultEnvoyGatewayConfig(): Yaml {
  const cm = parse(readFileSync(join(fixturesDir, 'envoy-gateway-config.default.yaml'), 'utf8')) as {data: Record<string, string>};
  const text = cm.data[CONFIG_KEY];
  if (!text) throw new Error(`scenarios: ${CONFIG_KEY} missing in envoy-gateway-config.default.yaml`);
  return parse(text) as Yaml;
}

function valuesEnvoyGateway(file: string): Yaml {
  const v = parse(readFileSync(join(fixturesDir, file), 'utf8')) as {config?: {envoyGateway?: Yaml}};
  return v.config?.envoyGateway ?? {};
}

/**
 * The config a user gets from `helm install eg gateway-helm -f envoy-gateway-values.yaml -f
 * envoy-gateway-values-addon.yaml` (Envoy AI Gateway's instructions): default + AI Gateway base
 * values (extension manager hooks and service) + the InferencePool addon (backendResources).
 */
export function aiGatewayEnvoyGatewayConfig(version = DEFAULT_EG_VERSION): Yaml {
  let cfg = defaultEnvoyGatewayConfig();
  cfg = mergeValues(cfg, valuesEnvoyGateway('envoy-gateway-values.envoy-ai-gateway.yaml'));
  cfg = mergeValues(cfg, valuesEnvoyGateway('envoy-gateway-values-addon.inferencepool.yaml'));
  return withReleasedImages(cfg, version);
}

/** Only Envoy AI Gateway's base values (extension manager hooks + service), without the InferencePool addon. */
export function aiGatewayBaseEnvoyGatewayConfig(version = DEFAULT_EG_VERSION): Yaml {
  return withReleasedImages(mergeValues(defaultEnvoyGatewayConfig(), valuesEnvoyGateway('envoy-gateway-values.envoy-ai-gateway.yaml')), version);
}

/** The golden file renders the dev image; a released chart renders docker.io/envoyproxy/gateway:<version>. */
function withReleasedImages(cfg: Yaml, version: string): Yaml {
  return parse(stringify(cfg).replaceAll('docker.io/envoyproxy/gateway-dev:latest', `docker.io/envoyproxy/gateway:${version}`)) as Yaml;
}

/** What the install notes' `kubectl patch` leaves: the whole file replaced, backendResources alone. */
export function notesPatchedEnvoyGatewayConfig(egNamespace: string): Yaml {
  return {
    apiVersion: 'gateway.envoyproxy.io/v1alpha1',
    kind: 'EnvoyGateway',
    metadata: {name: 'envoy-gateway', namespace: egNamespace},
    provider: {type: 'Kubernetes'},
    extensionManager: {backendResources: [{group: '', kind: 'Service'}]},
  };
}

export function envoyGatewayConfigMap(egNamespace: string, config: Yaml, version = DEFAULT_EG_VERSION): Manifest {
  const chart = `gateway-helm-${version}`;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'envoy-gateway-config',
      namespace: egNamespace,
      labels: {'helm.sh/chart': chart, 'app.kubernetes.io/name': 'gateway-helm', 'app.kubernetes.io/instance': 'eg', 'app.kubernetes.io/version': version},
    },
    data: {[CONFIG_KEY]: stringify(config)},
  };
}

export function envoyGatewayDeployment(egNamespace: string, version = DEFAULT_EG_VERSION, podLabels: Record<string, string> = {}): Manifest {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {name: 'envoy-gateway', namespace: egNamespace, labels: {...EG_LABELS, 'app.kubernetes.io/version': version}},
    spec: {
      replicas: 1,
      selector: {matchLabels: EG_LABELS},
      template: {
        metadata: {labels: {...EG_LABELS, ...podLabels}},
        spec: {
          serviceAccountName: 'envoy-gateway',
          containers: [
            {
              name: 'envoy-gateway',
              image: `docker.io/envoyproxy/gateway:${version}`,
              args: ['server', `--config-path=/config/${CONFIG_KEY}`],
              ports: [
                {name: 'grpc', containerPort: 18000},
                {name: 'ratelimit', containerPort: 18001},
                {name: 'wasm', containerPort: 18002},
                {name: 'metrics', containerPort: 19001},
              ],
              volumeMounts: [{name: 'envoy-gateway-config', mountPath: '/config', readOnly: true}],
            },
          ],
          volumes: [{name: 'envoy-gateway-config', configMap: {name: 'envoy-gateway-config', defaultMode: 420}}],
        },
      },
    },
  };
}

function envoyGatewayService(egNamespace: string): Manifest {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: {name: 'envoy-gateway', namespace: egNamespace, labels: EG_LABELS},
    spec: {
      selector: EG_LABELS,
      ports: [
        {name: 'grpc', port: 18000, targetPort: 18000},
        {name: 'ratelimit', port: 18001, targetPort: 18001},
        {name: 'wasm', port: 18002, targetPort: 18002},
        {name: 'metrics', port: 19001, targetPort: 19001},
      ],
    },
  };
}

export function gatewayClass(name: string, controllerName = EG_CONTROLLER_NAME, parametersRef?: Yaml): Manifest {
  return {
    apiVersion: 'gateway.networking.k8s.io/v1',
    kind: 'GatewayClass',
    metadata: {name},
    spec: {controllerName, ...(parametersRef ? {parametersRef} : {})},
  };
}

function aiGatewayObjects(): Manifest[] {
  const labels = {'app.kubernetes.io/name': 'ai-gateway-controller', 'app.kubernetes.io/instance': 'aieg'};
  return [
    {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {name: 'ai-gateway-controller', namespace: AI_GATEWAY_NAMESPACE, labels},
      spec: {
        replicas: 1,
        selector: {matchLabels: labels},
        template: {
          metadata: {labels},
          spec: {
            containers: [
              {
                name: 'ai-gateway-controller',
                image: 'docker.io/envoyproxy/ai-gateway-controller:v1.1.0',
                ports: [
                  {name: 'grpc', containerPort: 1063},
                  {name: 'webhook', containerPort: 9443},
                ],
              },
            ],
          },
        },
      },
    },
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {name: 'ai-gateway-controller', namespace: AI_GATEWAY_NAMESPACE, labels},
      spec: {
        selector: labels,
        ports: [
          {name: 'grpc', port: 1063, targetPort: 1063},
          {name: 'webhook', port: 9443, targetPort: 9443},
        ],
      },
    },
  ];
}

/*
 * What Envoy AI Gateway's chart (v1.1.0 templates/envoy_gateway_cluster_role_for_inference_pool.yaml)
 * creates so that Envoy Gateway's ServiceAccount may watch the InferencePools handed to the
 * extension: a ClusterRole named after the AI Gateway release namespace, bound to ServiceAccount
 * envoy-gateway in the chart value envoyGateway.namespace. The test world has one AI Gateway but
 * several Envoy Gateway installs (own egNamespace per fault): each gets its own binding, named as a
 * second AI Gateway release with envoyGateway.namespace=<egNamespace> would name it.
 */
export const POOL_READER_CLUSTER_ROLE = `envoy-ai-gateway-inference-pool-reader:${AI_GATEWAY_NAMESPACE}`;

export function poolReaderBindingName(egNamespace: string): string {
  return `envoy-ai-gateway-inference-pool-reader-binding:${egNamespace === DEFAULT_EG_NAMESPACE ? AI_GATEWAY_NAMESPACE : egNamespace}`;
}

export function poolReaderBinding(egNamespace: string, subjectNamespace = egNamespace): Manifest {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: {name: poolReaderBindingName(egNamespace)},
    roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: POOL_READER_CLUSTER_ROLE},
    subjects: [{kind: 'ServiceAccount', name: 'envoy-gateway', namespace: subjectNamespace}],
  };
}

function poolReaderClusterRole(): Manifest {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: {name: POOL_READER_CLUSTER_ROLE},
    rules: [{apiGroups: ['inference.networking.k8s.io'], resources: ['inferencepools'], verbs: ['get', 'list', 'watch']}],
  };
}

export function envoyGatewayLogFile(egNamespace: string, container = 'envoy-gateway'): string {
  return join(logsRoot, `eg-${egNamespace}`, `${container}.log`);
}

export function envoyGatewayPreviousLogFile(egNamespace: string): string {
  return join(logsRoot, `eg-${egNamespace}`, 'envoy-gateway.previous.log');
}

/** "group/version, Kind=Kind" as controller-runtime prints a GroupVersionKind. */
export function backendResourceNames(cfg: Yaml): string[] {
  const em = cfg.extensionManager as {backendResources?: {group?: string; version?: string; kind?: string}[]} | undefined;
  return (em?.backendResources ?? []).map((r) => `${r.group ? `${r.group}/` : ''}${r.version ?? 'v1'}, Kind=${r.kind ?? ''}`);
}

export function extensionServiceOf(cfg: Yaml): string | undefined {
  const em = cfg.extensionManager as {service?: {fqdn?: {hostname?: string; port?: number}}} | undefined;
  const f = em?.service?.fqdn;
  return f?.hostname ? `${f.hostname}:${f.port ?? ''}` : undefined;
}

export function writeEnvoyGatewayLogs(egNamespace: string, lines: string[], previous: string[] = []): void {
  writeLog(envoyGatewayLogFile(egNamespace), lines);
  writeLog(envoyGatewayPreviousLogFile(egNamespace), previous);
}

export interface EnvoyGatewayOptions {
  egNamespace: string;
  gatewayClassName: string;
  version?: string;
  /** Envoy Gateway config (default: with the AI Gateway extension manager and InferencePool backend). */
  config?: Yaml;
  /**
   * The real controller runs (issue 12, test/harness/envoy-gateway.ts): no imitated controller log
   * and no GatewayClass status from here, and the pods carry infgw.test/never-ready so that only
   * the real process's readiness makes them Ready.
   */
  real?: boolean;
}

/**
 * Makes sure Envoy Gateway is installed and its GatewayClass Accepted. Idempotent: unchanged
 * objects are not rewritten (server-side apply of identical content is a no-op), so the
 * ConfigMap of a shared Envoy Gateway keeps its original modification time.
 */
export async function ensureEnvoyGateway(kube: ScenarioKube, o: EnvoyGatewayOptions): Promise<void> {
  const version = o.version ?? DEFAULT_EG_VERSION;
  const config = o.config ?? aiGatewayEnvoyGatewayConfig(version);
  await Promise.all([kube.apply(namespace(o.egNamespace)), kube.apply(namespace(AI_GATEWAY_NAMESPACE))]);
  writeEnvoyGatewayLogs(o.egNamespace, o.real ? [] : envoyGatewayHealthyLog({backendResources: backendResourceNames(config), extensionService: extensionServiceOf(config)}));
  writeLog(envoyGatewayLogFile(o.egNamespace, 'envoy'), []);
  // The ConfigMap before the controller, so the controller's pods start after it.
  await kube.apply(envoyGatewayConfigMap(o.egNamespace, config, version));
  const gc = gatewayClass(o.gatewayClassName);
  const [, , , , , applied] = await Promise.all([
    kube.apply({apiVersion: 'v1', kind: 'ServiceAccount', metadata: {name: 'envoy-gateway', namespace: o.egNamespace, labels: EG_LABELS}}),
    kube.apply(envoyGatewayDeployment(o.egNamespace, version, o.real ? {'infgw.test/never-ready': 'true'} : {})),
    kube.apply(envoyGatewayService(o.egNamespace)),
    Promise.all(aiGatewayObjects().map((m) => kube.apply(m))),
    Promise.all([kube.apply(poolReaderClusterRole()), kube.apply(poolReaderBinding(o.egNamespace))]),
    kube.apply(gc),
    kube.apply(
      clusterLogs(`infgw-eg-${o.egNamespace}`, o.egNamespace, [
        {containers: ['envoy-gateway'], file: envoyGatewayLogFile(o.egNamespace), previousFile: envoyGatewayPreviousLogFile(o.egNamespace)},
        {containers: ['envoy', 'shutdown-manager'], file: envoyGatewayLogFile(o.egNamespace, 'envoy')},
      ]),
    ),
  ]);
  if (!o.real) await writeGatewayClassStatus(kube, applied);
}

/** Accepted, unless it already says so for this generation (keeps a shared class unchanged). */
async function writeGatewayClassStatus(kube: ScenarioKube, gc: KubeObject): Promise<void> {
  const generation = gc.metadata.generation ?? 1;
  const conditions = (gc.status as {conditions?: {type: string; status: string; observedGeneration?: number}[]} | undefined)?.conditions ?? [];
  if (conditions.some((c) => c.type === 'Accepted' && c.status === 'True' && c.observedGeneration === generation)) return;
  await kube.applyStatus({apiVersion: 'gateway.networking.k8s.io/v1', kind: 'GatewayClass', name: gc.metadata.name}, gatewayClassStatus(generation), managers.envoyGateway);
}
