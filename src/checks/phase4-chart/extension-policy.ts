/*
 * Phase 4 — the EnvoyExtensionPolicy (wiring a): attached to the Gateway, reaching the EPP and
 * Accepted, with ext-proc modes that stream; the chain wired once; other policies on the Gateway.
 * (TROUBLESHOOTING 3.)
 */
import {durationMs} from '../../k8s/duration.ts';
import {condition, describeCondition, type ObjectRef, type Service} from '../../k8s/objects.ts';
import {selectorMatches} from '../../k8s/selectors.ts';
import type {KubeObject} from '../../kube/client.ts';
import {policyTargets, poolRef, type EnvoyExtensionPolicy, type EppInfo, type PoolChain} from '../../model/target.ts';
import {bbrView, isBbrPolicy} from '../../model/bbr.ts';
import {aiGatewayFor, egForChain, wiringOf} from '../../model/wiring.ts';
import type {Snapshot} from '../../snapshot/types.ts';
import {GROUP} from '../../snapshot/kinds.ts';
import {access, isLive, items, lookup} from '../../snapshot/query.ts';
import {jsonPatch, yamlBlock} from '../fix.ts';
import {deployRef, envoyGatewayVersion, helmSet, isEnvoyGatewayChain, notEnvoyGateway, versionBelow} from '../helpers.ts';
import {error, info, ok, warning, notApplicable, orNotApplicable, type Check, type Draft} from '../types.ts';

const policyRef = (p: KubeObject): ObjectRef => ({apiVersion: `${GROUP.envoy}/v1alpha1`, kind: 'EnvoyExtensionPolicy', namespace: p.metadata.namespace, name: p.metadata.name});

/** The args index of --secure-serving=false (or of the flag when its value is the next arg). */
function plaintextArgOps(e: EppInfo): {op: string; path: string}[] {
  const d = e.deployment;
  const ci = d.spec.template.spec.containers.indexOf(e.container!);
  const args = e.container?.args ?? [];
  const ops: {op: string; path: string}[] = [];
  args.forEach((a, i) => {
    if (/^--?secure-serving=false$/.test(a)) ops.push({op: 'remove', path: `/spec/template/spec/containers/${ci}/args/${i}`});
    else if (/^--?secure-serving$/.test(a) && args[i + 1] === 'false') ops.push({op: 'remove', path: `/spec/template/spec/containers/${ci}/args/${i + 1}`}, {op: 'remove', path: `/spec/template/spec/containers/${ci}/args/${i}`});
  });
  // remove from the end first, so the indexes stay right
  return ops.sort((x, y) => Number(y.path.split('/').pop()) - Number(x.path.split('/').pop()));
}

const behindService = (chain: PoolChain, snap: Snapshot, ns: string | undefined, name: string | undefined): EppInfo[] => {
  const svc = name ? lookup<Service>(snap, 'Service', ns ?? chain.namespace, name) : undefined;
  return svc && 'found' in svc ? chain.epps.filter((e) => e.deployment.metadata.namespace === svc.found.metadata.namespace && selectorMatches(svc.found.spec?.selector ?? {}, e.deployment.spec.template.metadata?.labels)) : [];
};

/**
 * The EPP's TLS against the wiring that calls it (issue 11 item 2). The EPP serves TLS on 9002 unless
 * --secure-serving=false (GIE v1.5.0 pkg/epp/server/options.go SecureServing default true; same in
 * llm-d-router):
 * - Envoy AI Gateway ALWAYS dials the EPP with TLS (no verification, no way to turn it off): ai-gateway
 *   v1.1.0 internal/extensionserver/inferencepool.go buildExtProcClusterForInferencePoolEndpointPicker()
 *   puts an envoy.transport_sockets.tls UpstreamTlsContext on the cluster. A plaintext EPP ⇒ the
 *   handshake fails, ext_proc fails closed, every request 500.
 * - An EnvoyExtensionPolicy speaks plaintext h2c unless a BackendTLSPolicy (or an Envoy Gateway Backend
 *   with tls, EG v1.9.1 api/v1alpha1/backend_types.go) says otherwise: a TLS EPP ⇒ gRPC status 14.
 * - Both wirings on one EPP: no TLS setting satisfies both — keep one (the AI Gateway one, with TLS).
 */
function eppTlsDrafts(chain: PoolChain, snap: Snapshot): Draft[] {
  const out: Draft[] = [];
  const aigw = chain.pool?.epp ? aiGatewayFor(snap, chain) : undefined;
  // the mix with Envoy AI Gateway conflicts only through a plaintext policy: one whose ext-proc goes through an
  // Envoy Gateway Backend with tls dials TLS as Envoy AI Gateway does, so the EPP's TLS serves both
  const policy = chain.eppPolicies.find((l) => !l.backend?.spec?.tls)?.policy;
  const policyName = policy ? `EnvoyExtensionPolicy ${policy.metadata.namespace}/${policy.metadata.name}` : undefined;
  const removePolicy = policy
    ? chain.release && chain.release.policies.length
      ? 'extensionPolicy.enabled=false'
      : undefined
    : undefined;
  if (aigw) {
    const epps = behindService(chain, snap, chain.namespace, chain.pool!.epp!.name);
    for (const e of epps.filter((x) => !x.secureServing)) {
      const d = e.deployment;
      const mix = policyName ? `; ${policyName} sends plaintext gRPC to the same EPP, so no TLS setting satisfies both wirings — keep the AI Gateway one` : '';
      const fix = chain.release
        ? helmSet(chain.release, `epp.secureServing=true${policyName && removePolicy ? `,${removePolicy}` : ''}`)
        : [jsonPatch('deployment', d.metadata.namespace, d.metadata.name, plaintextArgOps(e)), ...(policy ? [`kubectl delete envoyextensionpolicy ${policy.metadata.name} -n ${policy.metadata.namespace}`] : [])].join('\n');
      out.push(
        error(
          `EPP ${d.metadata.namespace}/${d.metadata.name} serves plaintext gRPC (--secure-serving=false), but Envoy AI Gateway always dials the EPP with TLS (ai-gateway v1.1.0 extension server): the TLS handshake fails and every request to InferencePool ${chain.key} fails${mix}`,
          deployRef(d),
          fix,
        ),
      );
    }
  }
  const seen = new Set<EnvoyExtensionPolicy>();
  for (const l of chain.eppPolicies) {
    const p = l.policy;
    if (seen.has(p)) continue;
    seen.add(p);
    const name = `EnvoyExtensionPolicy ${p.metadata.namespace}/${p.metadata.name}`;
    const svcName = l.backendRef.name;
    if (l.backend?.spec?.tls) {
      // through an Envoy Gateway Backend with tls (EG v1.9.1 api/v1alpha1/backend_types.go BackendTLSSettings):
      // Envoy dials TLS — right for the EPP's default TLS, a failed handshake against a plaintext EPP.
      const bname = `Backend ${l.backend.metadata.namespace}/${l.backend.metadata.name}`;
      for (const e of behindService(chain, snap, l.backendRef.namespace ?? p.metadata.namespace, svcName).filter((x) => !x.secureServing)) {
        const d = e.deployment;
        out.push(
          error(
            `${name} sends ext-proc through ${bname}, which dials TLS (spec.tls), but EPP ${d.metadata.namespace}/${d.metadata.name} serves plaintext gRPC (--secure-serving=false): the handshake fails and ext-proc fails (gRPC status 14 / "upstream connect error")`,
            deployRef(d),
            chain.release ? helmSet(chain.release, 'epp.secureServing=true') : jsonPatch('deployment', d.metadata.namespace, d.metadata.name, plaintextArgOps(e)),
          ),
        );
      }
      continue;
    }
    const tlsEpps = behindService(chain, snap, l.backendRef.namespace ?? p.metadata.namespace, svcName).filter((e) => e.secureServing);
    if (!tlsEpps.length) continue;
    const tlsPolicy = items<KubeObject & {spec?: {targetRefs?: {kind?: string; name: string}[]}}>(snap, 'BackendTLSPolicy').some(
      (b) => b.metadata.namespace === chain.namespace && (b.spec?.targetRefs ?? []).some((t) => (t.kind ?? 'Service') === 'Service' && t.name === svcName),
    );
    if (tlsPolicy || access(snap, 'BackendTLSPolicy', chain.namespace)?.reason === 'forbidden') continue;
    const e = tlsEpps[0]!;
    const d = e.deployment;
    if (aigw) {
      out.push(
        error(
          `EPP ${d.metadata.namespace}/${d.metadata.name} serves TLS on 9002, which the Envoy AI Gateway wiring needs, but ${name} talks plain gRPC to it: its ext-proc fails (gRPC status 14 / "upstream connect error"); no TLS setting satisfies both wirings — remove the EnvoyExtensionPolicy`,
          deployRef(d),
          removePolicy && chain.release ? helmSet(chain.release, removePolicy) : `kubectl delete envoyextensionpolicy ${p.metadata.name} -n ${p.metadata.namespace}`,
        ),
      );
      continue;
    }
    const ci = d.spec.template.spec.containers.indexOf(e.container!);
    const backend = yamlBlock({
      apiVersion: `${GROUP.envoy}/v1alpha1`,
      kind: 'Backend',
      metadata: {name: svcName, namespace: p.metadata.namespace},
      spec: {endpoints: [{fqdn: {hostname: `${svcName}.${p.metadata.namespace}.svc.cluster.local`, port: l.backendRef.port ?? 9002}}], tls: {insecureSkipVerify: true}},
    });
    out.push(
      error(
        `EPP ${d.metadata.namespace}/${d.metadata.name} serves TLS on 9002 (--secure-serving defaults to true), but ${name} talks plain gRPC to it: ext-proc fails (gRPC status 14 / "upstream connect error")`,
        deployRef(d),
        [
          chain.release ? helmSet(chain.release, 'epp.secureServing=false') : jsonPatch('deployment', d.metadata.namespace, d.metadata.name, [{op: 'add', path: `/spec/template/spec/containers/${ci}/args/-`, value: '--secure-serving=false'}]),
          `# or keep TLS: send the ext-proc through an Envoy Gateway Backend that skips verification (the EPP's certificate is self-signed, so a BackendTLSPolicy has no CA to check it with), then point ${name} extProc[${l.extProcIndex}].backendRefs at {group: ${GROUP.envoy}, kind: Backend, name: ${svcName}}:`,
          ...backend.split('\n').map((x) => `#   ${x}`),
        ].join('\n'),
      ),
    );
  }
  return out;
}

export const extensionPolicyAttached: Check = {
  code: 'IGW-411',
  phase: 4,
  scope: 'chain',
  title: "EnvoyExtensionPolicy targets the Gateway, reaches the EPP and is Accepted; the EPP's TLS suits its wiring",
  readme: {checks: 'EnvoyExtensionPolicy targets the Gateway, reaches the EPP on 9002, Accepted; EPP TLS per wiring (AI Gateway always dials TLS)', failure: 'gRPC status 14'},
  dependsOn: ['IGW-403'],
  symptoms: {'500': 9, 'ext-proc-not-routing': 7},
  reads: ['EnvoyExtensionPolicy', 'Service', 'BackendTLSPolicy', 'GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  judgesUnreadable: ['Service', 'BackendTLSPolicy', 'GatewayClass', 'Deployment', 'Pod', 'ConfigMap'],
  run({chain, snap}) {
    if (!isEnvoyGatewayChain({snap, chain})) return [notEnvoyGateway({snap, chain})]; // issue 13: Envoy Gateway wiring only
    const out: Draft[] = [];
    const policies = [...new Set(chain.eppPolicies.map((l) => l.policy))];
    if (policies.length === 0) {
      // no policy sends to the EPP: only the Envoy AI Gateway wiring's TLS can be judged here. (When the
      // release rendered a policy that is missing, IGW-402 says so.)
      return orNotApplicable(eppTlsDrafts(chain, snap), 'no EnvoyExtensionPolicy sends to this EPP and no other wiring to judge');
    }
    for (const p of policies) {
      const pref = policyRef(p);
      const name = `EnvoyExtensionPolicy ${p.metadata.namespace}/${p.metadata.name}`;
      // everything wrong with the policy object itself is one finding (message and fixes joined)
      const issues: {msg: string; fix?: string | undefined; hint?: boolean}[] = [];
      const targets = policyTargets(p);
      const gwTargets = targets.filter((t) => (t.kind ?? 'Gateway') === 'Gateway');
      const known = gwTargets.map((t) => chain.gateways.find((g) => g.name === t.name && g.namespace === p.metadata.namespace));
      const missing = gwTargets.filter((_, i) => !known[i] || 'absent' in known[i]!.lookup);
      if (gwTargets.length === 0 && (p.spec?.targetSelectors ?? []).length === 0) {
        issues.push({msg: `targets no Gateway (${targets.map((t) => `${t.kind} ${t.name}`).join(', ') || 'no targetRefs'}): the EPP is called only for those routes, or never`});
      }
      for (const t of missing) {
        const relGw = chain.release?.gatewayName;
        issues.push({
          // Envoy Gateway v1.9.1 writes no status for a policy whose Gateway is missing (internal/gatewayapi/
          // envoyextensionpolicy.go processEnvoyExtensionPolicyForGateway returns early), and keeps an old one
          // (internal/provider/kubernetes/status.go skips delete updates): TargetNotFound is only for a missing sectionName.
          msg: `targets Gateway ${t.name}, which does not exist in ${p.metadata.namespace} (Envoy Gateway writes no status for it; an old Accepted=True may remain): no request goes through the EPP`,
          fix: relGw && relGw !== t.name ? jsonPatch('envoyextensionpolicy', p.metadata.namespace, p.metadata.name, [{op: 'replace', path: '/spec/targetRefs', value: [{group: GROUP.gatewayApi, kind: 'Gateway', name: relGw}]}]) : undefined,
        });
      }
      for (const l of chain.eppPolicies.filter((x) => x.policy === p)) {
        if (l.backendRef.port !== undefined && l.backendRef.port !== 9002) {
          issues.push({
            msg: `sends ext-proc to ${l.backendRef.name}:${l.backendRef.port}; the EPP serves gRPC on 9002`,
            fix: jsonPatch('envoyextensionpolicy', p.metadata.namespace, p.metadata.name, [{op: 'replace', path: `/spec/extProc/${l.extProcIndex}/backendRefs/0/port`, value: 9002}]),
          });
        }
      }
      if (isLive(snap, p)) {
        const ancestors = p.status?.ancestors ?? [];
        for (const a of ancestors) {
          const c = condition(a.conditions, 'Accepted');
          if (c && c.status !== 'True') issues.push({msg: `on ${a.ancestorRef.kind ?? 'Gateway'} ${a.ancestorRef.name}: ${describeCondition(c)}`, fix: `kubectl describe envoyextensionpolicy ${p.metadata.name} -n ${p.metadata.namespace}`, hint: true});
        }
        if (ancestors.length === 0 && missing.length === 0 && issues.length === 0) {
          out.push(warning(`${name} has no status: Envoy Gateway has not processed it (controller down, or the Gateway is not Envoy Gateway's)`, pref));
        }
      }
      if (issues.length) {
        const fixes = issues.filter((i) => i.fix && !i.hint).map((i) => i.fix!);
        const fix = fixes.length ? fixes.join('\n') : issues.find((i) => i.fix)?.fix;
        out.push(error(`${name} ${issues.map((i) => i.msg).join('; ')}`, pref, fix));
      }
    }
    out.push(...eppTlsDrafts(chain, snap));
    if (out.length === 0 && policies.length) {
      const accepted = isLive(snap, policies[0]!) ? 'Accepted' : 'status unknown (not applied)';
      out.push(ok(`${policies.map((p) => `EnvoyExtensionPolicy ${p.metadata.name}`).join(', ')} → EPP Service ${chain.eppPolicies[0]!.backendRef.name}:${chain.eppPolicies[0]!.backendRef.port ?? 9002}, ${accepted}`, policyRef(policies[0]!)));
    }
    return orNotApplicable(out, 'no EnvoyExtensionPolicy for this chain');
  },
};

export const extProcModes: Check = {
  code: 'IGW-412',
  phase: 4,
  scope: 'chain',
  title: 'ext-proc body modes and timeout suit LLM traffic',
  readme: {checks: 'body modes (request body sent, response Streamed), messageTimeout (200 ms default too short), FullDuplexStreamed ⇒ failOpen false', failure: 'no streaming, 500/504'},
  symptoms: {'500': 8, 'no-streaming': 1, 'high-latency': 4},
  reads: ['Deployment', 'Pod', 'Service', 'GatewayClass', 'ConfigMap'],
  judgesUnreadable: ['Deployment', 'Pod', 'Service', 'GatewayClass', 'ConfigMap'],
  run({chain, snap}) {
    if (!isEnvoyGatewayChain({snap, chain})) return [notEnvoyGateway({snap, chain})]; // issue 13: Envoy Gateway wiring only
    const out: Draft[] = [];
    const v = envoyGatewayVersion(snap, egForChain(snap, chain));
    for (const l of chain.eppPolicies) {
      const p = l.policy as EnvoyExtensionPolicy;
      const e = p.spec?.extProc?.[l.extProcIndex];
      if (!e) continue;
      const pref = policyRef(p);
      const path = `/spec/extProc/${l.extProcIndex}`;
      const name = `EnvoyExtensionPolicy ${p.metadata.namespace}/${p.metadata.name}`;
      const req = e.processingMode?.request?.body;
      const resp = e.processingMode?.response?.body;
      if (!e.processingMode?.request || !req) {
        out.push(
          warning(
            `${name} does not send the request body to the EPP: it cannot read the model name or the prompt (model routing and prefix-cache scoring do not work)`,
            pref,
            jsonPatch('envoyextensionpolicy', p.metadata.namespace, p.metadata.name, [{op: 'add', path: `${path}/processingMode`, value: {request: {body: 'Buffered'}, response: {body: resp ?? 'Streamed'}}}]),
          ),
        );
      }
      if (resp === 'Buffered' || resp === 'BufferedPartial') {
        out.push(
          warning(
            `${name} buffers the response body (${resp}): streamed completions (stream: true) reach the client in one piece at the end`,
            pref,
            chain.release ? helmSet(chain.release, 'extensionPolicy.responseBodyMode=Streamed') : jsonPatch('envoyextensionpolicy', p.metadata.namespace, p.metadata.name, [{op: 'replace', path: `${path}/processingMode/response/body`, value: 'Streamed'}]),
          ),
        );
      }
      if ((req === 'FullDuplexStreamed' || resp === 'FullDuplexStreamed') && e.failOpen === true) {
        out.push(
          error(
            `${name} uses FullDuplexStreamed with failOpen: true; full-duplex streaming requires failOpen false (Envoy Gateway rejects the policy)`,
            pref,
            jsonPatch('envoyextensionpolicy', p.metadata.namespace, p.metadata.name, [{op: 'replace', path: `${path}/failOpen`, value: false}]),
          ),
        );
      }
      const t = durationMs(e.messageTimeout);
      if (t === undefined || t < 1000) {
        out.push(
          warning(
            `${name} ${e.messageTimeout ? `has messageTimeout ${e.messageTimeout}` : 'sets no messageTimeout (Envoy Gateway default 200ms)'}: the EPP must answer each message within it, and a buffered LLM request body or a busy scheduler takes longer — ext-proc then fails requests with 500/504`,
            pref,
            chain.release ? helmSet(chain.release, 'extensionPolicy.messageTimeout=10s') : jsonPatch('envoyextensionpolicy', p.metadata.namespace, p.metadata.name, [{op: 'add', path: `${path}/messageTimeout`, value: '10s'}]),
          ),
        );
      }
      if ((resp === 'Streamed' || resp === 'FullDuplexStreamed') && versionBelow(v, 1, 6)) {
        out.push(warning(`${name} streams responses (${resp}), which needs Envoy Gateway v1.6+; this one is ${v}`, pref));
      }
      if (!out.some((f) => f.object === pref)) out.push(ok(`${name}: request ${req}, response ${resp ?? 'not sent'}, messageTimeout ${e.messageTimeout}, failOpen ${e.failOpen ?? false}`, pref));
    }
    return orNotApplicable(out, 'no ext-proc policy for this chain');
  },
};

export const wiringCheck: Check = {
  code: 'IGW-413',
  phase: 4,
  scope: 'chain',
  title: 'The EPP is wired into the Gateway exactly once',
  readme: {checks: 'wired exactly once (policy vs AI Gateway extension)', failure: 'double picking'},
  symptoms: {'ext-proc-not-routing': 6, 'high-latency': 2},
  reads: ['Deployment', 'Pod', 'Service', 'ConfigMap', 'GatewayClass'],
  judgesUnreadable: ['Deployment', 'Pod', 'Service', 'ConfigMap', 'GatewayClass'],
  run({chain, snap}) {
    if (!isEnvoyGatewayChain({snap, chain})) return [notEnvoyGateway({snap, chain})]; // issue 13: Envoy Gateway wiring only
    if (!chain.pool) return [notApplicable('this chain has no InferencePool')];
    const w = wiringOf(snap, chain);
    const pref = poolRef(chain);
    if (w.kind === 'mix') {
      const p = chain.eppPolicies[0]!.policy;
      return [
        warning(
          `the EPP is wired twice: HTTPRoute ${chain.routes[0]!.route.metadata.namespace}/${chain.routes[0]!.route.metadata.name} → InferencePool ${chain.name} is handled by the Envoy AI Gateway extension, which inserts its own ext-proc to the pool's EPP (${chain.pool.epp?.name ?? '?'}), AND EnvoyExtensionPolicy ${p.metadata.namespace}/${p.metadata.name} sends every request to EPP Service ${chain.eppPolicies[0]!.backendRef.name} as well — each request is picked twice (double latency, double-counted metrics and prefix-cache state)`,
          policyRef(p),
          chain.release && chain.release.policies.length
            ? helmSet(chain.release, 'extensionPolicy.enabled=false')
            : `kubectl delete envoyextensionpolicy ${p.metadata.name} -n ${p.metadata.namespace}`,
        ),
      ];
    }
    // neither wiring: IGW-408 (no route to the pool) or IGW-206 (route, but no extension) says why
    if (w.kind === 'none') return [notApplicable('neither wiring: IGW-408 or IGW-206 says why')];
    const how = w.kind === 'ai-gateway' ? 'Envoy AI Gateway extension (HTTPRoute → InferencePool)' : 'EnvoyExtensionPolicy ext-proc (the chart\'s way)';
    return [ok(`wired once: ${how}`, pref)];
  },
};

export const otherExtensionPolicies: Check = {
  code: 'IGW-414',
  phase: 4,
  scope: 'chain',
  title: 'Other EnvoyExtensionPolicies on the Gateway',
  readme: {checks: 'other EnvoyExtensionPolicies on the Gateway (body-based routing ones are judged by IGW-435…442)', failure: '(info, legitimate)'},
  reads: ['GatewayClass', 'Deployment', 'Pod', 'Service', 'ConfigMap', 'EnvoyExtensionPolicy', 'HTTPRoute'],
  judgesUnreadable: ['GatewayClass', 'Deployment', 'Pod', 'Service', 'ConfigMap', 'HTTPRoute'],
  run({chain, snap}) {
    if (!isEnvoyGatewayChain({snap, chain})) return [notEnvoyGateway({snap, chain})]; // issue 13: Envoy Gateway policies only
    // A policy whose ext-proc goes to a body-based router is on the request path: IGW-435…IGW-442 judge it.
    const view = bbrView(snap);
    const drafts = chain.otherPolicies.filter((p) => !isBbrPolicy(view, p)).map((p) => {
      const bad = (p.status?.ancestors ?? []).map((a) => condition(a.conditions, 'Accepted')).find((c) => c && c.status !== 'True');
      return bad
        ? warning(`EnvoyExtensionPolicy ${p.metadata.namespace}/${p.metadata.name} also applies to this Gateway (not to the EPP) and is not accepted: ${describeCondition(bad)}`, policyRef(p), `kubectl describe envoyextensionpolicy ${p.metadata.name} -n ${p.metadata.namespace}`)
        : info(`EnvoyExtensionPolicy ${p.metadata.namespace}/${p.metadata.name} also applies to this Gateway (not the EPP: e.g. body-based routing) — fine`, policyRef(p));
    });
    return orNotApplicable(drafts, 'no other EnvoyExtensionPolicy on the Gateway');
  },
};
