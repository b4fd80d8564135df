/*
 * Symptom playbooks (`doctor --symptom <name>`): the install notes' TROUBLESHOOTING section as
 * data — for each symptom, what the user sees, what usually causes it and the next step when no
 * check finds anything. Which checks a playbook runs, and in which order, is declared once, on the
 * checks (Check.symptoms: symptom → rank, 1 = most likely root cause first).
 */
import {CATALOG} from '../checks/catalog.ts';
import type {Check, Finding} from '../checks/types.ts';
import type {Target} from '../model/target.ts';
import {selectorString} from '../k8s/selectors.ts';

export interface Symptom {
  name: string;
  /** what the user sees */
  summary: string;
  /** the same, short, for the README's playbook table */
  seen: string;
  /** what usually causes it (domain-facts §7, install notes TROUBLESHOOTING) */
  causes: string;
  /** the checks, most likely root cause first (derived from Check.symptoms) */
  readonly codes: string[];
  /** the next step when no check finds anything */
  otherwise: string;
}

const PLAYBOOKS: readonly Omit<Symptom, 'codes'>[] = [
  {
    name: 'epp-not-starting',
    seen: 'EPP pods crash, Pending, never Ready',
    summary: 'EPP pods crash, stay Pending or never become Ready',
    causes: 'epp.poolName unset or wrong, InferencePool CRD/group missing, image pull, scheduling, RBAC (pods, inferencepools, inferenceobjectives)',
    otherwise: 'kubectl logs deployment/<epp> -n <namespace> --previous   # the EPP says why it exits',
  },
  {
    name: 'gateway-not-programmed',
    seen: 'Gateway without address / Programmed≠True',
    summary: 'Gateway has no address / Programmed is not True',
    causes: 'GatewayClass missing or owned by another controller, Envoy Gateway controller down or crash-looping on its config, LoadBalancer Service pending',
    otherwise: 'kubectl describe gateway <name> -n <namespace>; kubectl logs deployment/envoy-gateway -n envoy-gateway-system',
  },
  {
    name: 'ext-proc-not-routing',
    seen: 'requests pass but the EPP does not pick',
    summary: 'requests pass the Gateway but the EPP does not pick the endpoint',
    causes: 'EnvoyExtensionPolicy not attached/accepted or pointing at the wrong Service/port, EPP serving TLS, Envoy AI Gateway extension missing for HTTPRoute → InferencePool, EPP watching the other pool group',
    otherwise: 'kubectl logs deployment/<epp> -n <namespace> | grep -i -e error -e endpoint',
  },
  {
    name: '503',
    seen: '"no healthy upstream"',
    summary: 'requests fail with 503 "no healthy upstream"',
    causes: 'no Ready model server pods, wrong targetPorts, selector matching nothing, InferenceService not Ready, EPP serving another pool (fan-in)',
    otherwise: 'kubectl get pods -n <namespace> -l <pool selector> -o wide; curl the model server on its target port',
  },
  {
    name: '500',
    seen: '"fault filter abort" / ext-proc errors',
    summary: 'requests fail with 500 "fault filter abort" (or ext-proc errors)',
    causes: 'HTTPRoute backendRef InferencePool missing or cross-namespace without ReferenceGrant, InvalidKind (no AI Gateway extension), ext-proc messageTimeout too short',
    otherwise: 'kubectl logs -n envoy-gateway-system -l gateway.envoyproxy.io/owning-gateway-name=<gateway> | grep -i ext_proc',
  },
  {
    name: '429',
    seen: '"429 Too Many Requests" / x-llm-d-request-dropped-reason',
    summary: 'requests fail with 429 (shed by the EPP; response header x-llm-d-request-dropped-reason)',
    causes: 'pool saturated (queue or KV-cache above the saturation detector thresholds, or metrics older than its staleness threshold), sheddable InferenceObjectives (negative priority) dropped first, flow control queue capacity or TTL, saturation detector config in the wrong place or form',
    otherwise: 'kubectl logs deployment/<epp> -n <namespace> | grep -i -e saturat -e reject -e evict   # and curl -i the gateway: the x-llm-d-request-dropped-reason header names the cause',
  },
  {
    name: 'no-streaming',
    seen: '`stream: true` arrives in one piece or cut off',
    summary: 'stream: true responses arrive in one piece or are cut off',
    causes: 'response body mode Buffered, Envoy Gateway older than v1.6, old EPP (transfer-encoding on HTTP/2)',
    otherwise: 'curl -N the gateway with "stream": true and watch for data: lines as they come',
  },
  {
    name: 'high-latency',
    seen: 'slow, poor cache affinity',
    summary: 'slow responses or poor cache affinity',
    causes: 'unready pods, double ext-proc wiring, fan-in, scorer weights, KV-cache saturation',
    otherwise: 'kubectl infgw probe   # measure per-pod latency and cache hits',
  },
  {
    name: 'config-not-applied',
    seen: 'a changed config has no effect',
    summary: 'a changed Envoy Gateway or EPP config has no effect',
    causes: 'Envoy Gateway rejected the reload (invalid config), kubelet sync delay, ConfigMap changed after the EPP pods started (restart needed), helm upgrade failed',
    otherwise: 'kubectl infgw restart epp -r <release> -n <namespace>',
  },
  {
    name: 'metrics-unauthorized',
    seen: 'scraping EPP /metrics gets 401/403/500',
    summary: 'scraping the EPP /metrics gets 401/403/500',
    causes: "the EPP's ServiceAccount may not create tokenreviews/subjectaccessreviews; the scraper's token lacks get on nonResourceURL /metrics; metrics port not on the Service",
    otherwise: 'kubectl auth can-i create tokenreviews --as=system:serviceaccount:<namespace>:<epp-sa>',
  },
];

/** The checks that declare the symptom, by their rank in it. */
function declared(name: string, catalog: readonly Check[]): string[] {
  return catalog
    .filter((c) => c.symptoms?.[name] !== undefined)
    .map((c, i) => ({code: c.code, rank: c.symptoms![name]!, i}))
    .sort((a, b) => a.rank - b.rank || a.i - b.i)
    .map((x) => x.code);
}

export const SYMPTOMS: readonly Symptom[] = PLAYBOOKS.map((p) => ({...p, codes: declared(p.name, CATALOG)}));

export function symptomByName(name: string): Symptom | undefined {
  return SYMPTOMS.find((s) => s.name === name);
}

/** The playbook's checks in order, from what the checks of this catalog declare. */
export function playbookCodes(s: Symptom, catalog: readonly Check[]): string[] {
  return declared(s.name, catalog);
}

/** The codes to run: the playbook's and, transitively, what they depend on (root cause first). */
export function withDependencies(codes: string[], catalog: readonly Check[]): string[] {
  const byCode = new Map(catalog.map((c) => [c.code, c]));
  const out = new Set<string>();
  const visit = (code: string): void => {
    if (out.has(code)) return;
    out.add(code);
    for (const d of byCode.get(code)?.dependsOn ?? []) visit(d);
  };
  codes.forEach(visit);
  return [...out];
}

/** Findings in playbook order (dependencies pulled in are shown where the runner put them, first). */
export function orderForPlaybook(findings: Finding[], codes: string[]): Finding[] {
  const rank = (code: string) => {
    const i = codes.indexOf(code);
    return i < 0 ? -1 : i;
  };
  return findings.map((f, i) => ({f, i})).sort((a, b) => rank(a.f.code) - rank(b.f.code) || a.i - b.i).map((x) => x.f);
}

/** The playbook's last word: the first root cause and its fix, or what to look at next. */
/** Fill the placeholders of a playbook's next step with the names of the (first) pool found. */
export function fillNames(text: string, target?: Target): string {
  const c = target?.chains[0];
  if (!c) return text;
  const epp = c.epps[0]?.deployment;
  const gw = c.gateways[0];
  const names: Record<string, string | undefined> = {
    '<namespace>': c.namespace,
    '<epp>': epp?.metadata.name,
    '<epp-sa>': epp ? (epp.spec.template.spec.serviceAccountName ?? 'default') : undefined,
    '<release>': c.release?.release.name,
    '<gateway>': gw?.name,
    '<pool selector>': c.pool ? selectorString(c.pool.selector) : undefined,
  };
  let out = text;
  for (const [k, v] of Object.entries(names)) if (v) out = out.replaceAll(k, v);
  return out;
}

export function conclude(s: Symptom, findings: readonly Finding[], target?: Target): string {
  const where = (f: Finding) => (f.object ? ` (${f.object.kind} ${f.object.namespace ? `${f.object.namespace}/` : ''}${f.object.name})` : '');
  const errors = findings.filter((f) => f.severity === 'error' && !f.suppressed);
  if (errors.length) {
    const first = errors[0]!;
    const more = errors.length > 1 ? `\n${errors.length - 1} more problem${errors.length > 2 ? 's' : ''}: ${[...new Set(errors.slice(1).map((e) => e.code))].join(', ')} — fix the first, then run again.` : '';
    return `${s.summary}: most likely ${first.code}${where(first)} — ${first.message}${first.fix ? `\nFix:\n${first.fix}` : ''}${more}\nThen: kubectl infgw doctor --symptom ${s.name}`;
  }
  const warnings = findings.filter((f) => f.severity === 'warning' && !f.suppressed);
  const unknown = findings.filter((f) => f.severity === 'skipped');
  if (warnings.length) {
    return `No error explains "${s.summary}"; these may contribute: ${warnings.map((w) => `${w.code}${where(w)}`).join(', ')}.${unknown.length ? ` ${unknown.length} check(s) could not run (see "skipped").` : ''}\nNext: ${fillNames(s.otherwise, target)}`;
  }
  return `None of the ${new Set(findings.map((f) => f.code)).size} checks for "${s.summary}" found a cause${unknown.length ? ` (${unknown.length} could not run: see "skipped")` : ''}.\nNext: ${fillNames(s.otherwise, target)}`;
}

export function renderSymptomList(): string {
  const lines = ['Symptoms (kubectl infgw doctor --symptom <name>):', ''];
  for (const s of SYMPTOMS) {
    lines.push(`  ${s.name}`, `      ${s.summary}`, `      usual causes: ${s.causes}`, `      checks: ${s.codes.join(' ')}`, '');
  }
  return lines.join('\n');
}
