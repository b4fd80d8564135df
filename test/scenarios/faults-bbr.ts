// Body-based routing faults (issue 16), each on top of the two-model install with BBR
// (install-bbr.ts addBbr, applied first by inject). What each looks like on the cluster follows
// Envoy Gateway v1.9.1 and GIE v1.5.0 as read for /work/notes/issue16-bbr-research.md §6.2–6.4:
// - internal/gatewayapi/validate.go validateGatewayListenerSectionName: a targetRef sectionName the
//   Gateway lacks → Accepted=False TargetNotFound "No section name <s> found for Gateway <ns>/<gw>",
//   ancestorRef with that sectionName (internal/gatewayapi/helpers.go getAncestorRefForPolicy);
// - Envoy Gateway does not judge processing modes: a response body mode keeps Accepted=True;
// - an unavailable BBR leaves the policy Accepted (Envoy Gateway does not look at endpoints).
import type {Fault} from './faults.ts';
import {addBbr, bbrPolicyRef, writeBbrPolicyStatus} from './install-bbr.ts';
import {podsOf, replaceAllPods, until, waitingReason, type DeploymentJson} from './kube.ts';

const LABEL_CRASHLOOP = 'infgw.test/crashloop';
const LABEL_NEVER_READY = 'infgw.test/never-ready';

export const bbrFaults = {
  'bbr-policy-not-accepted': {
    description: "Body-based routing's EnvoyExtensionPolicy targets a listener the Gateway does not have: not Accepted, BBR never runs, no request matches the model-header routes",
    changes:
      'two-model install with BBR; EnvoyExtensionPolicy body-based-router targetRefs[0].sectionName = https (the Gateway has listener http only); status Accepted=False TargetNotFound "No section name https found for Gateway <ns>/<gateway>"',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      const b = await addBbr(inst);
      await kube.patch(bbrPolicyRef(names, b), [{op: 'add', path: '/spec/targetRefs/0/sectionName', value: 'https'}], 'json', 'kubectl-patch');
      await writeBbrPolicyStatus(inst, {reason: 'TargetNotFound', message: `No section name https found for Gateway ${names.namespace}/${names.gateway}`, sectionName: 'https'});
    },
  },
  'bbr-buffered-response': {
    description: "Body-based routing's EnvoyExtensionPolicy also sends responses to BBR with body mode Buffered (BBR runs --streaming)",
    changes: 'two-model install with BBR; EnvoyExtensionPolicy body-based-router extProc[0].processingMode.response = {body: Buffered}; still Accepted (Envoy Gateway does not judge modes)',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      const b = await addBbr(inst);
      await kube.patch(bbrPolicyRef(names, b), [{op: 'add', path: '/spec/extProc/0/processingMode/response', value: {body: 'Buffered'}}], 'json', 'kubectl-patch');
      await writeBbrPolicyStatus(inst);
    },
  },
  'bbr-unavailable': {
    description: 'The body-based router crash-loops: its Deployment has no available replica',
    changes:
      'two-model install with BBR; BBR pods replaced by ones that crash-loop and are never Ready (pod template labels infgw.test/crashloop + never-ready): CrashLoopBackOff, Deployment unavailable, its Service without ready endpoints; policy still Accepted',
    scope: 'namespace',
    async inject(inst) {
      const {kube, names} = inst;
      const b = await addBbr(inst);
      const ref = {apiVersion: 'apps/v1', kind: 'Deployment', namespace: names.namespace, name: b.bbr};
      await replaceAllPods(kube, names.namespace, b.bbr, () => kube.patch(ref, {spec: {template: {metadata: {labels: {[LABEL_CRASHLOOP]: 'true', [LABEL_NEVER_READY]: 'true'}}}}}, 'strategic'));
      await until('BBR pods in CrashLoopBackOff', async () => {
        const pods = await podsOf(kube, names.namespace, {app: b.bbr});
        return pods.length > 0 && pods.every((p) => waitingReason(p) === 'CrashLoopBackOff');
      }, 120_000);
      await until('BBR Deployment without an available replica', async () => ((await kube.get<DeploymentJson>(ref)).status?.availableReplicas ?? 0) === 0);
    },
  },
} satisfies Record<string, Fault>;
