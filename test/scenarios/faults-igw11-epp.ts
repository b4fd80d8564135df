// Faults of issue 11, EPP / scheduling group (branch igw11-epp): the mistakes behind the checks
// IGW-426 (verbosity), IGW-427 (replicas without leader election) and IGW-606 (an Alpha plugin on
// llm-d-router without --allow-experimental-plugins). Registered in faults.ts's list.
//
// Upstream behaviour reproduced here: llm-d-router v0.10.0 cmd/epp/runner/runner.go (Alpha
// registrations) and pkg/epp/framework/interface/plugin/registry.go ValidatePluginStability()
// (the start-up error text); pkg/epp/server/options.go (--ha-enable-leader-election, --v).
import type {Fault} from './faults.ts';
import type {Installation} from './install.ts';
import {managers, podReady, podsOf, replaceAllPods, until, waitingReason, waitRolledOut, type DeploymentJson} from './kube.ts';
import {eppCrashLog, writeLog} from './logs.ts';
import * as objects from './objects.ts';

/** KWOK stage labels (the same ones faults.ts uses; test/cluster stages). */
const LABEL_CRASHLOOP = 'infgw.test/crashloop';
const LABEL_NEVER_READY = 'infgw.test/never-ready';

/** An llm-d-router EPP image; KWOK runs no image, so only the repository path matters (never the host). */
export const ROUTER_IMAGE = 'registry.example/llm-d/llm-d-router-endpoint-picker:v0.10.0';
/** The ConfigMap key the chart mounts for --config-file (templates/epp-config.yaml). */
const CONFIG_KEY = 'epp-config.yaml';

/**
 * The chart's scorers written for llm-d-router (apiVersion llm-d.ai/v1alpha1, no inline
 * saturationDetector), plus session-affinity-scorer — Alpha in llm-d-router v0.10.0.
 */
export const ALPHA_CONFIG = [
  'apiVersion: llm-d.ai/v1alpha1',
  'kind: EndpointPickerConfig',
  'plugins:',
  '- type: prefix-cache-scorer',
  '- type: kv-cache-utilization-scorer',
  '- type: queue-scorer',
  '- type: session-affinity-scorer',
  '- type: max-score-picker',
  '- type: single-profile-handler',
  'schedulingProfiles:',
  '- name: default',
  '  plugins:',
  '  - pluginRef: prefix-cache-scorer',
  '    weight: 60',
  '  - pluginRef: kv-cache-utilization-scorer',
  '    weight: 30',
  '  - pluginRef: queue-scorer',
  '    weight: 10',
  '  - pluginRef: session-affinity-scorer',
  '    weight: 10',
  '  - pluginRef: max-score-picker',
  '',
].join('\n');

/** LiteLLM's config as `kubectl edit` leaves it (the model's litellm_params replaced). */
async function setLitellmModel(inst: Installation, params: {model: string; apiBase: string}): Promise<void> {
  if (!inst.options.litellm) throw new Error('scenarios: this fault needs the LiteLLM config (install with litellm: true)');
  const m = objects.litellmConfigMap(inst.names, params.apiBase);
  const text = (m.data as Record<string, string>)['config.yaml']!.replace(`model: hosted_vllm/${inst.names.servedModel}`, `model: ${params.model}`);
  await inst.kube.apply({...m, data: {'config.yaml': text}}, managers.kubectlEdit);
}

function eppRef(inst: Installation) {
  return {apiVersion: 'apps/v1', kind: 'Deployment', namespace: inst.names.namespace, name: inst.names.eppDeployment};
}

function eppSelector(inst: Installation): Record<string, string> {
  return {'app.kubernetes.io/instance': inst.names.release, 'app.kubernetes.io/component': 'epp'};
}

/** Index of the EPP container in the Deployment (the one named "epp"). */
async function eppContainerIndex(inst: Installation): Promise<number> {
  const d = await inst.kube.get<DeploymentJson & {spec: {template: {spec: {containers: {name: string}[]}}}}>(eppRef(inst));
  const i = d.spec.template.spec.containers.findIndex((c) => c.name === 'epp');
  if (i < 0) throw new Error('scenarios: the EPP Deployment has no container "epp"');
  return i;
}

/**
 * The EPP image switched to llm-d-router v0.10.0 (kubectl patch) and exiting at start-up with
 * `startupError`: the previous container's log holds it, the current one is empty, and the pods are
 * replaced by crash-looping, never-ready ones (KWOK labels) — returns once they are in CrashLoopBackOff.
 */
async function crashOnRouterImage(inst: Installation, startupError: string): Promise<void> {
  const {kube, names} = inst;
  writeLog(inst.logFiles.eppPrevious, eppCrashLog(startupError));
  writeLog(inst.logFiles.epp, []);
  await replaceAllPods(kube, names.namespace, names.eppDeployment, () =>
    kube.patch(
      eppRef(inst),
      {spec: {template: {metadata: {labels: {[LABEL_CRASHLOOP]: 'true', [LABEL_NEVER_READY]: 'true'}}, spec: {containers: [{name: 'epp', image: ROUTER_IMAGE}]}}}},
      'strategic',
      managers.kubectlPatch,
    ),
  );
  await until('EPP pods in CrashLoopBackOff', async () => {
    const pods = await podsOf(kube, names.namespace, eppSelector(inst));
    return pods.length > 0 && pods.every((p) => waitingReason(p) === 'CrashLoopBackOff') ? pods : undefined;
  }, 120_000);
}

export const igw11EppFaults = {
  'epp-replicas-no-leader-election': {
    description: 'The EPP was scaled to 2 replicas without --ha-enable-leader-election: two independent pickers, prefix-cache affinity split between them',
    changes: 'helm upgrade --set epp.replicas=2 (the chart has no leader-election value); a second EPP pod runs and turns Ready',
    scope: 'namespace',
    async inject(inst) {
      await inst.helmUpgrade(['epp.replicas=2']);
      await until('2 EPP pods Ready', async () => {
        const pods = await podsOf(inst.kube, inst.names.namespace, eppSelector(inst));
        return pods.length === 2 && pods.every(podReady);
      });
      await waitRolledOut(inst.kube, inst.names.namespace, inst.names.eppDeployment);
    },
  },
  'epp-debug-verbosity': {
    description: 'Someone left the EPP at --v=4 (DEBUG) after debugging: per-request log lines on the scheduling path',
    changes: 'kubectl patch deployment <epp> --type json: args += --v=4; EPP pods roll and turn Ready',
    scope: 'namespace',
    async inject(inst) {
      const ci = await eppContainerIndex(inst);
      await replaceAllPods(inst.kube, inst.names.namespace, inst.names.eppDeployment, () =>
        inst.kube.patch(eppRef(inst), [{op: 'add', path: `/spec/template/spec/containers/${ci}/args/-`, value: '--v=4'}], 'json', managers.kubectlPatch),
      );
      await waitRolledOut(inst.kube, inst.names.namespace, inst.names.eppDeployment);
    },
  },
  'epp-router-alpha-plugin': {
    description:
      'The EPP was switched to llm-d-router v0.10.0 and its config given an Alpha plugin (session-affinity-scorer) without --allow-experimental-plugins: the EPP exits at start-up',
    changes:
      'ConfigMap <epp>-config epp-config.yaml edited (kubectl edit) to an llm-d.ai/v1alpha1 config with session-affinity-scorer; then the EPP image set to …/llm-d/llm-d-router-endpoint-picker:v0.10.0 (kubectl patch), ' +
      'pods replaced by crash-looping, never-ready ones (KWOK labels); previous log "has Alpha stability level, but command line flag --allow-experimental-plugins is not set"',
    scope: 'namespace',
    async inject(inst) {
      if (!inst.options.schedulingConfig) throw new Error('scenarios: this fault needs schedulingConfig: true');
      const {kube, names} = inst;
      await kube.patch({apiVersion: 'v1', kind: 'ConfigMap', namespace: names.namespace, name: names.eppConfigMap}, {data: {[CONFIG_KEY]: ALPHA_CONFIG}}, 'merge', managers.kubectlEdit);
      await crashOnRouterImage(inst, "failed to load the EndpointPickerConfig: plugin 'session-affinity-scorer' (type: 'session-affinity-scorer') has Alpha stability level, but command line flag --allow-experimental-plugins is not set");
    },
  },
  'epp-router-inline-saturation': {
    description:
      "The EPP image was switched to llm-d-router v0.10.0 but kept the chart's GIE 1.4 config (inline saturationDetector thresholds): strict decoding refuses it, the EPP exits at start-up",
    changes:
      'EPP image set to …/llm-d/llm-d-router-endpoint-picker:v0.10.0 (kubectl patch), pods replaced by crash-looping, never-ready ones (KWOK labels); previous log "strict decoding error: unknown field "saturationDetector.queueDepthThreshold""',
    scope: 'namespace',
    async inject(inst) {
      if (!inst.options.schedulingConfig) throw new Error('scenarios: this fault needs schedulingConfig: true');
      await crashOnRouterImage(
        inst,
        'failed to load the EndpointPickerConfig: failed to decode configuration JSON/YAML: strict decoding error: unknown field "saturationDetector.queueDepthThreshold", unknown field "saturationDetector.kvCacheUtilThreshold", unknown field "saturationDetector.metricsStalenessThreshold"',
      );
    },
  },
  'litellm-api-base-no-v1': {
    description: "LiteLLM's api_base is the gateway proxy URL without /v1: LiteLLM posts /chat/completions, vLLM serves /v1/chat/completions (404)",
    changes: 'litellm-config config.yaml api_base -> http://<proxy service>.<egNamespace>.svc.cluster.local:<port> (no /v1)',
    scope: 'namespace',
    async inject(inst) {
      await setLitellmModel(inst, {model: `hosted_vllm/${inst.names.servedModel}`, apiBase: inst.names.gatewayUrl});
    },
  },
  'litellm-model-not-served': {
    description: "LiteLLM's model is the Hugging Face id (Qwen/<model>) while vLLM serves it as --served-model-name <model>: 404 \"model does not exist\"",
    changes: 'litellm-config config.yaml litellm_params.model -> hosted_vllm/Qwen/<model> (api_base unchanged, …/v1)',
    scope: 'namespace',
    async inject(inst) {
      await setLitellmModel(inst, {model: `hosted_vllm/Qwen/${inst.names.servedModel}`, apiBase: objects.litellmApiBase(inst.names)});
    },
  },
} satisfies Record<string, Fault>;
