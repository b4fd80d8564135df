/*
 * Phase 8 — one real request through the Gateway (doctor --request; sent by
 * src/probe/gateway-request.ts, judged here): the status, the start of the body, the time to the
 * first token and the pod that served it, and — when it failed — a root-cause map by what Envoy,
 * the EPP or the model server answered (domain-facts §7): 404 route or model, 500 "fault filter
 * abort", ext_proc (EPP) errors, 503 "no healthy upstream", 504 route timeout, 429 shed. Each
 * failure is its own code; where a check of the snapshot already explains it (explainedBy), the
 * finding is "blocked" by that root cause. Without --request these checks show nothing.
 */
import type {PoolChain} from '../../model/target.ts';
import {gatewayRef} from '../../model/target.ts';
import type {ObjectRef} from '../../k8s/objects.ts';
import {extProcErrors} from '../../envoy/admin.ts';
import type {GatewayRequestRead, Snapshot} from '../../snapshot/types.ts';
import {jsonPatch} from '../fix.ts';
import {error, info, notApplicable, ok, skipped, warning, type Check, type Draft} from '../types.ts';

/** llm-d-router flow control names why it dropped a request (429/503) in this header. */
export const DROPPED_REASON_HEADER = 'x-llm-d-request-dropped-reason';
/** Envoy's route timeout when RouteAction.timeout is unset (envoy config/route/v3 route_components.proto). */
export const ENVOY_DEFAULT_ROUTE_TIMEOUT = '15s';

export type RequestOutcome = 'ok' | 'not-found' | 'fault-abort' | 'ext-proc' | 'no-upstream' | 'timeout-504' | 'shed' | 'no-answer' | 'other';

type Sent = Extract<GatewayRequestRead, {sent: true}>;

/**
 * What the answer says failed. Envoy answers local replies with a short text body ("no healthy
 * upstream", "upstream request timeout", "fault filter abort"); an ext_proc failure answers 500
 * (or 504 on a message timeout) whose details name ext_proc, often with an empty body — then the
 * proxy's ext_proc error counters (IGW-825's read) tell it apart.
 */
export function requestOutcome(r: Sent, extProcCounted = false): RequestOutcome {
  const body = r.body.toLowerCase();
  const dropped = r.headers[DROPPED_REASON_HEADER] !== undefined;
  if (r.status === null) return 'no-answer';
  if (r.status >= 200 && r.status < 300) return r.errorKind ? 'other' : 'ok';
  if (r.status === 429 || dropped) return 'shed';
  if (r.status === 404) return 'not-found';
  if (body.includes('fault filter abort')) return 'fault-abort';
  const extProcText = /ext[_-]?proc|grpc|external processing/.test(body) || r.headers['grpc-status'] !== undefined;
  if ((r.status === 500 || r.status === 502 || r.status === 503 || r.status === 504) && extProcText) return 'ext-proc';
  if (r.status === 503) return 'no-upstream';
  if (r.status === 504) return 'timeout-504';
  if (r.status === 500 && body.trim() === '' && extProcCounted) return 'ext-proc';
  return 'other';
}

function requestOf(snap: Snapshot, chain: PoolChain): GatewayRequestRead | undefined {
  return snap.request && snap.request.pool === chain.key ? snap.request : undefined;
}

function extProcCounted(snap: Snapshot, chain: PoolChain): boolean {
  const r = snap.envoyAdmin?.find((x) => chain.gateways.some((g) => g.namespace === x.gateway.namespace && g.name === x.gateway.name));
  return Boolean(r?.ok && r.stats && Object.values(extProcErrors(r.stats)).some((v) => v > 0));
}

const NOT_ASKED = 'no request was sent (doctor --request sends one)';

function refOf(r: Sent): ObjectRef {
  return gatewayRef(r.gateway);
}

/** "HTTP 503 from http://… (via port-forward to …): no healthy upstream" */
function answered(r: Sent): string {
  const via = r.via === 'port-forward' && r.envoyProxy ? ` (port-forward to Envoy proxy ${r.envoyProxy.namespace}/${r.envoyProxy.pod})` : '';
  const body = r.body.trim().replace(/\s+/g, ' ');
  const server = r.headers.server ? `, server: ${r.headers.server}` : '';
  return `POST ${r.url}${r.path}${via}, model ${r.model}: HTTP ${r.status ?? '—'} after ${r.totalMs} ms${server}${body ? `, body: ${JSON.stringify(body.slice(0, 160))}` : ''}`;
}

/** A check for one failure class: applies only when the request ended that way. */
function failureCheck(c: Omit<Check, 'scope' | 'reads' | 'run' | 'phase'> & {outcome: RequestOutcome; judge: (r: Sent, chain: PoolChain, snap: Snapshot) => Draft[]}): Check {
  const {outcome, judge, ...rest} = c;
  return {
    ...rest,
    phase: 8,
    scope: 'chain',
    reads: [],
    run({snap, chain}) {
      const r = requestOf(snap, chain);
      if (!r) return [notApplicable(NOT_ASKED)];
      if (!r.sent || requestOutcome(r, extProcCounted(snap, chain)) !== outcome) return [notApplicable(`the request did not end with ${outcome}`)];
      return judge(r, chain, snap);
    },
  };
}

export const requestAnswered: Check = {
  code: 'IGW-801',
  phase: 8,
  scope: 'chain',
  title: 'One request through the Gateway is answered (status, time to first token)',
  readme: {
    checks: 'one streamed OpenAI-style request (`--request`) through the Gateway — its status address, or a port-forward to the Envoy proxy pod — with the model the pool serves, within `--request-max-time` (30 s)',
    failure: 'the request failed in a way none of IGW-802…808 names (4xx, 500 without a known cause, a broken stream, no answer in time)',
  },
  symptoms: {'503': 95, '500': 95, 'no-streaming': 95, 'high-latency': 95, 'ext-proc-not-routing': 95},
  reads: [],
  run({snap, chain}) {
    const r = requestOf(snap, chain);
    if (!r) return [notApplicable(NOT_ASKED)];
    if (!r.sent) {
      if (r.stage === 'model') return [skipped(`no request sent: ${r.reason}`, undefined, 'kubectl infgw doctor --request --request-model MODEL   # the name the model servers serve')];
      return [notApplicable('the request could not be sent (IGW-808)')];
    }
    const outcome = requestOutcome(r, extProcCounted(snap, chain));
    if (outcome === 'ok') {
      const ttft = r.ttftMs !== null ? `first token after ${r.ttftMs} ms` : 'no token seen in the stream';
      return [ok(`HTTP ${r.status} in ${r.totalMs} ms, ${ttft}; model ${r.model} (${r.modelSource}), ${r.via === 'port-forward' ? `through a port-forward to Envoy proxy ${r.envoyProxy?.namespace}/${r.envoyProxy?.pod}` : `at ${r.url}`}`, refOf(r))];
    }
    if (outcome === 'no-answer') {
      const limit = r.errorKind === 'timeout';
      return [error(`${answered(r)}: ${limit ? `no answer within --request-max-time (${Math.round(r.timeLimitMs / 1000)} s)` : (r.error ?? 'no answer')}`, refOf(r))];
    }
    if (outcome === 'other') return [error(`${answered(r)}${r.error ? ` — ${r.error}` : ''}`, refOf(r))];
    return [notApplicable(`the failure is named by its own check (${outcome})`)];
  },
};

export const requestNotFound = failureCheck({
  code: 'IGW-802',
  title: 'The request finds a route and a model (no 404)',
  readme: {checks: 'the request is not answered 404', failure: 'Envoy has no route for the Host/path/header match, or the model server does not serve that model name'},
  outcome: 'not-found',
  explainedBy: ['IGW-403', 'IGW-404', 'IGW-408', 'IGW-409', 'IGW-415', 'IGW-419', 'IGW-822'],
  symptoms: {'503': 96, '500': 96},
  judge(r) {
    const envoy = (r.headers.server ?? '').toLowerCase().includes('envoy') && !/model/i.test(r.body);
    if (envoy || r.body.trim() === '') {
      return [error(`${answered(r)}: Envoy found no route for ${r.host ? `Host ${r.host} ` : ''}${r.path} — the HTTPRoute's hostnames, path or header matches do not match this request`, refOf(r), `kubectl get httproute -n ${r.gateway.namespace} -o yaml   # hostnames, matches`)];
    }
    return [error(`${answered(r)}: the model server does not serve model "${r.model}" (the route reached the pool)`, refOf(r), 'kubectl infgw doctor --request --request-model NAME   # a name from the model server\'s /v1/models')];
  },
});

export const requestFaultAbort = failureCheck({
  code: 'IGW-803',
  title: 'The request is not aborted by the fault filter (500 "fault filter abort")',
  readme: {checks: 'the request is not answered 500 "fault filter abort"', failure: 'Envoy Gateway could not resolve the route\'s backendRef (InferencePool missing, cross-namespace without ReferenceGrant, InvalidKind without the AI Gateway extension)'},
  outcome: 'fault-abort',
  explainedBy: ['IGW-206', 'IGW-301', 'IGW-408', 'IGW-409', 'IGW-415'],
  symptoms: {'500': 96},
  judge: (r) => [error(`${answered(r)}: Envoy Gateway programmed a direct 500 for the route — its backendRef to the InferencePool did not resolve`, refOf(r), `kubectl get httproute -n ${r.gateway.namespace} -o jsonpath='{range .items[*].status.parents[*].conditions[*]}{.type}={.status} {.reason}: {.message}{"\\n"}{end}'`)],
});

export const requestExtProc = failureCheck({
  code: 'IGW-804',
  title: 'The request passes the EPP (no ext_proc / gRPC error)',
  readme: {checks: 'the request is not failed by the ext_proc filter (body or grpc-status naming ext_proc/gRPC, or a 500 with the proxy counting ext_proc errors)', failure: 'Envoy cannot call the EPP: EPP down, TLS vs plaintext, wrong port, messageTimeout too short'},
  outcome: 'ext-proc',
  explainedBy: ['IGW-405', 'IGW-406', 'IGW-407', 'IGW-411', 'IGW-306', 'IGW-823'],
  symptoms: {'500': 97, 'ext-proc-not-routing': 96},
  judge: (r) => [error(`${answered(r)}: the ext_proc call to the EPP failed${r.headers['grpc-status'] ? ` (grpc-status ${r.headers['grpc-status']}${r.headers['grpc-message'] ? ` ${r.headers['grpc-message']}` : ''})` : ''}`, refOf(r), `kubectl logs -n ${r.envoyProxy?.namespace ?? 'envoy-gateway-system'} ${r.envoyProxy ? r.envoyProxy.pod : `-l gateway.envoyproxy.io/owning-gateway-name=${r.gateway.name}`} | grep -i ext_proc`)],
});

export const requestNoUpstream = failureCheck({
  code: 'IGW-805',
  title: 'The request finds a healthy upstream (no 503)',
  readme: {checks: 'the request is not answered 503 ("no healthy upstream", "upstream connect error")', failure: 'no Ready model server pod, wrong targetPorts, the EPP picks nothing, or Envoy cannot connect to the picked pod'},
  outcome: 'no-upstream',
  explainedBy: ['IGW-303', 'IGW-304', 'IGW-305', 'IGW-302', 'IGW-405', 'IGW-505', 'IGW-824'],
  symptoms: {'503': 96},
  judge(r) {
    // say what the answer says: Envoy's own local replies, else a 503 from upstream (the model server)
    const body = r.body.toLowerCase();
    const what = body.includes('no healthy upstream')
      ? 'Envoy had no healthy upstream for the pool'
      : body.includes('upstream connect error')
        ? 'Envoy could not connect to the picked pod'
        : 'the 503 came from upstream (not one of Envoy\'s own replies)';
    return [error(`${answered(r)}: ${what}`, refOf(r), 'kubectl infgw doctor --symptom 503')];
  },
});

export const requestTimeout = failureCheck({
  code: 'IGW-806',
  title: 'The request is not cut by a route timeout (no 504)',
  readme: {checks: 'the request is not answered 504 "upstream request timeout"', failure: `the route's timeout (Envoy's ${ENVOY_DEFAULT_ROUTE_TIMEOUT} default when the HTTPRoute rule sets no timeouts.request) is shorter than the generation`},
  outcome: 'timeout-504',
  symptoms: {'high-latency': 96, 'no-streaming': 96},
  judge(r, chain) {
    const rules = chain.routes.map((l) => {
      const timeouts = (l.route.spec?.rules?.[l.ruleIndex] as {timeouts?: {request?: string}} | undefined)?.timeouts;
      return {route: l.route, i: l.ruleIndex, hasTimeouts: timeouts !== undefined, t: timeouts?.request};
    });
    const unset = rules.filter((x) => x.t === undefined);
    const set = rules.filter((x) => x.t !== undefined);
    const first = unset[0];
    if (first) {
      const ns = first.route.metadata.namespace ?? '';
      return [
        error(
          `${answered(r)}: the route timed out — HTTPRoute ${ns}/${first.route.metadata.name} rule ${first.i} sets no timeouts.request, so Envoy's ${ENVOY_DEFAULT_ROUTE_TIMEOUT} route default applies`,
          refOf(r),
          // add only `request` when the rule has a timeouts object (its backendRequest stays)
          `${jsonPatch('httproute', ns, first.route.metadata.name, [first.hasTimeouts ? {op: 'add', path: `/spec/rules/${first.i}/timeouts/request`, value: '300s'} : {op: 'add', path: `/spec/rules/${first.i}/timeouts`, value: {request: '300s'}}])}   # or "0s" for no limit`,
        ),
      ];
    }
    return [error(`${answered(r)}: the route timed out (timeouts.request ${set.map((x) => `${x.t} on ${x.route.metadata.name} rule ${x.i}`).join(', ') || 'unknown'})`, refOf(r))];
  },
});

export const requestShed = failureCheck({
  code: 'IGW-807',
  title: `The request is not shed (429, ${DROPPED_REASON_HEADER})`,
  readme: {checks: `the request is not dropped by the EPP's flow control (429, or 503 with \`${DROPPED_REASON_HEADER}\`)`, failure: 'the pool is saturated (or the request is sheddable): the EPP rejects it'},
  outcome: 'shed',
  explainedBy: ['IGW-508', 'IGW-506'],
  symptoms: {'429': 97, '503': 97, 'high-latency': 97},
  judge: (r) => [warning(`${answered(r)}: the EPP dropped the request${r.headers[DROPPED_REASON_HEADER] ? ` (${DROPPED_REASON_HEADER}: ${r.headers[DROPPED_REASON_HEADER]})` : ''}${r.headers['retry-after'] ? `, retry-after ${r.headers['retry-after']}` : ''} — the pool is saturated or the request's objective is sheddable`, refOf(r))],
});

export const requestNotSent: Check = {
  code: 'IGW-808',
  phase: 8,
  scope: 'chain',
  title: 'The Gateway can be reached from here (status address or Envoy proxy pod)',
  readme: {checks: "a way in: an address in the Gateway's status that accepts a connection, else the Envoy proxy pod behind its listener (port-forward)", failure: 'no request could be sent: the Gateway has no address and no proxy pod'},
  explainedBy: ['IGW-403', 'IGW-404', 'IGW-201'],
  symptoms: {'503': 98, 'gateway-not-programmed': 98},
  reads: [],
  run({snap, chain}) {
    const r = requestOf(snap, chain);
    if (!r) return [notApplicable(NOT_ASKED)];
    if (r.sent) {
      const refused = r.addressesRefused?.length ? ` (the Gateway's status address${r.addressesRefused.length > 1 ? 'es' : ''} ${r.addressesRefused.join(', ')} did not accept a connection from here)` : '';
      return [ok(`${r.via === 'port-forward' ? `port-forward to Envoy proxy ${r.envoyProxy?.namespace}/${r.envoyProxy?.pod}${refused}` : `Gateway address ${r.url}`}`, refOf(r))];
    }
    if (r.stage !== 'way-in') return [notApplicable('the request stopped before the way in was looked for')];
    return [error(`no request sent: ${r.reason}`, r.gateway ? gatewayRef(r.gateway) : undefined)];
  },
};

export const requestServedBy: Check = {
  code: 'IGW-809',
  phase: 8,
  scope: 'chain',
  title: "A model server pod of the pool served the request (its request counter rose)",
  readme: {checks: "which pod served the request: the vLLM request counter (`vllm:request_success`) of each Ready pod of the pool, read through port-forwards before and after", failure: 'no pod of the pool counted it: served by something outside the pool (a stale endpoint, another route)'},
  dependsOn: ['IGW-801'],
  symptoms: {'ext-proc-not-routing': 97, 'high-latency': 98},
  reads: [],
  run({snap, chain}) {
    const r = requestOf(snap, chain);
    if (!r) return [notApplicable(NOT_ASKED)];
    if (!r.sent || requestOutcome(r) !== 'ok') return [notApplicable('the request did not succeed')];
    if (r.servedBy === null) return [info(`which pod served it is unknown: ${r.countersError ?? 'counters unreadable'}`, refOf(r))];
    if (r.servedBy.length === 0) return [warning(`no model server pod of ${chain.key} counted the request: something outside the pool answered it`, refOf(r))];
    const pod = r.servedBy.join(', ');
    return [ok(`served by pod ${pod} (its request counter rose)`, {apiVersion: 'v1', kind: 'Pod', namespace: chain.namespace, name: r.servedBy[0]!})];
  },
};

export const requestStreamed: Check = {
  code: 'IGW-810',
  phase: 8,
  scope: 'chain',
  title: 'The answer to stream: true arrives as a stream (text/event-stream)',
  readme: {checks: 'the answer to `stream: true` is `text/event-stream` with a first token before the end', failure: 'the stream is buffered on the way (body mode Buffered, an old EPP): no tokens until the end'},
  dependsOn: ['IGW-801'],
  symptoms: {'no-streaming': 97},
  reads: [],
  run({snap, chain}) {
    const r = requestOf(snap, chain);
    if (!r) return [notApplicable(NOT_ASKED)];
    if (!r.sent || requestOutcome(r) !== 'ok') return [notApplicable('the request did not succeed')];
    if (!r.streamed) return [warning(`asked for stream: true, got ${r.contentType ?? 'no content type'}: the answer came in one piece`, refOf(r))];
    return [ok(`streamed (text/event-stream), first token after ${r.ttftMs ?? '?'} ms of ${r.totalMs} ms`, refOf(r))];
  },
};
