// Issue 13 end to end, second part: doctor on an install whose Gateway is agentgateway's, NGINX
// Gateway Fabric's or GKE's — the BUILT binary against the real test control plane. The healthy
// install is moved to the implementation (test/scenarios/install-agentgateway.ts, install-ngf.ts,
// install-gke.ts), faults come from test/scenarios/faults-implementations2.ts. Each case: exit code,
// the finding's code, severity, object and fix; the checks below the broken link "blocked" by it; on
// the healthy installs 0 errors, 0 warnings and no Envoy Gateway check at all.
//
// Scheduling: one install at a time. doctor -n finds the controllers by label cluster-wide (as in a
// real cluster, where there is one): two of these installs side by side would each see the other's.
import {afterAll, describe, expect, inject, it} from 'vitest';
import {faults} from '../scenarios/index.ts';
import {ENVOY_GATEWAY_ONLY, fault, implementationHarness, only, problems} from './support/implementations.ts';
import {installAgentgateway} from '../scenarios/install-agentgateway.ts';
import {GKE_CLASS, installGke} from '../scenarios/install-gke.ts';
import {installNgf} from '../scenarios/install-ngf.ts';

const {doctorJson, withInstall, idle} = implementationHarness(inject('kubeconfig'), 'impl2');

afterAll(async () => {
  await idle();
});

describe('doctor on agentgateway, NGINX Gateway Fabric and GKE (issue 13)', () => {
  it('agentgateway, healthy: 0 errors, 0 warnings, IGW-231…233 ok, no Envoy Gateway check; target.pools[].gateway', {timeout: 600_000}, async () => {
    await withInstall('agw', installAgentgateway, async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(problems(json)).toEqual([]);
      expect(r.code).toBe(0);
      expect(json.findings.filter((f) => ENVOY_GATEWAY_ONLY.test(f.code))).toEqual([]);
      expect(only(json, 'IGW-230', 'ok').message).toContain('agentgateway checks IGW-231…233');
      const enabled = json.findings.filter((f) => f.code === 'IGW-231');
      expect(enabled.map((f) => f.severity)).toEqual(['ok', 'ok']);
      expect(enabled[0]!.message).toContain('AGW_ENABLE_INFER_EXT="true"');
      expect(enabled[1]!.message).toContain(`ServiceAccount ${n.namespace}-agentgateway/agentgateway`);
      expect(only(json, 'IGW-232', 'ok').message).toContain('accepted by controller agentgateway.dev/agentgateway');
      expect(only(json, 'IGW-233', 'ok').message).toContain('serves TLS');
      expect(json.target.pools[0]).toMatchObject({wiring: 'native', gateway: {name: n.gateway, controllerName: 'agentgateway.dev/agentgateway', implementation: 'agentgateway'}});
    });
  });

  it('agentgateway fault agentgateway-inference-flag-off: IGW-231 error with the Helm value; IGW-232 and IGW-409 blocked', {timeout: 600_000}, async () => {
    await withInstall('agw-flag', fault('agentgateway-inference-flag-off'), async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(r.code).toBe(1);
      const e = only(json, 'IGW-231', 'error');
      expect(e.object).toMatchObject({kind: 'Deployment', namespace: `${n.namespace}-agentgateway`, name: 'agentgateway'});
      expect(e.message).toContain('AGW_ENABLE_INFER_EXT unset (default false)');
      expect(e.message).toContain(`backendRef ${n.namespace}/${n.pool} not found`);
      expect(e.fix).toContain(`-n ${n.namespace}-agentgateway --reuse-values --set inferenceExtension.enabled=true`);
      expect(only(json, 'IGW-232', 'blocked').blockedBy).toEqual(['IGW-231']);
      expect(only(json, 'IGW-409', 'blocked').blockedBy).toEqual(['IGW-231']);
      expect(json.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(['IGW-231']);
    });
  });

  it('agentgateway fault agentgateway-rbac-missing: IGW-231 error naming the ServiceAccount and the missing rights', {timeout: 600_000}, async () => {
    await withInstall('agw-rbac', fault('agentgateway-rbac-missing'), async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(r.code).toBe(1);
      const e = only(json, 'IGW-231', 'error');
      expect(e.message).toContain(`ServiceAccount ${n.namespace}-agentgateway/agentgateway`);
      expect(e.message).toContain(`may not list inferencepools, watch inferencepools, patch inferencepools/status in namespace ${n.namespace}`);
      expect(e.fix).toContain(`--serviceaccount=${n.namespace}-agentgateway:agentgateway`);
      expect(only(json, 'IGW-409', 'blocked').blockedBy).toEqual(['IGW-231']);
      expect(json.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(['IGW-231']);
    });
  });

  it('agentgateway fault agentgateway-epp-plaintext: IGW-233 error on the EPP', {timeout: 600_000}, async () => {
    await withInstall('agw-tls', fault('agentgateway-epp-plaintext'), async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(r.code).toBe(1);
      const e = only(json, 'IGW-233', 'error');
      expect(e.object).toMatchObject({kind: 'Deployment', namespace: n.namespace, name: n.eppDeployment});
      expect(e.fix).toContain(`kubectl edit deployment ${n.eppDeployment} -n ${n.namespace}`);
      expect(json.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(['IGW-233']);
    });
  });

  it('NGINX Gateway Fabric, healthy: 0 errors, 0 warnings, IGW-234…236 ok, no Envoy Gateway check', {timeout: 600_000}, async () => {
    await withInstall('ngf', installNgf, async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(problems(json)).toEqual([]);
      expect(r.code).toBe(0);
      expect(json.findings.filter((f) => ENVOY_GATEWAY_ONLY.test(f.code))).toEqual([]);
      expect(only(json, 'IGW-230', 'ok').message).toContain('NGINX Gateway Fabric checks IGW-234…236');
      expect(json.findings.filter((f) => f.code === 'IGW-234').map((f) => f.severity)).toEqual(['ok', 'ok']);
      expect(json.findings.filter((f) => f.code === 'IGW-235').map((f) => f.severity)).toEqual(['ok', 'ok']);
      expect(only(json, 'IGW-236', 'ok').message).toContain('TLS, certificate not verified');
      expect(json.target.pools[0]?.gateway).toMatchObject({controllerName: 'gateway.nginx.org/nginx-gateway-controller', implementation: 'nginx-gateway-fabric'});
    });
  });

  it('NGINX Gateway Fabric fault ngf-inference-flag-off: IGW-234 error with the Helm value; IGW-235 and IGW-409 blocked', {timeout: 600_000}, async () => {
    await withInstall('ngf-flag', fault('ngf-inference-flag-off'), async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(r.code).toBe(1);
      const e = only(json, 'IGW-234', 'error');
      expect(e.object).toMatchObject({kind: 'Deployment', namespace: `${n.namespace}-nginx-gateway-fabric`, name: 'ngf-nginx-gateway-fabric'});
      expect(e.message).toContain(`Not found: "${n.pool}"`);
      expect(e.fix).toContain(`-n ${n.namespace}-nginx-gateway-fabric --reuse-values --set nginxGateway.gwAPIInferenceExtension.enable=true`);
      expect(only(json, 'IGW-235', 'blocked').blockedBy).toEqual(['IGW-234']);
      expect(only(json, 'IGW-409', 'blocked').blockedBy).toEqual(['IGW-234']);
      expect(json.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(['IGW-234']);
    });
  });

  it('NGINX Gateway Fabric fault ngf-pool-service-missing: IGW-235 error naming <pool>-pool-svc; IGW-409 blocked by it', {timeout: 600_000}, async () => {
    await withInstall('ngf-svc', fault('ngf-pool-service-missing'), async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(r.code).toBe(1);
      const e = only(json, 'IGW-235', 'error');
      expect(e.object).toMatchObject({kind: 'Service', namespace: n.namespace, name: `${n.pool}-pool-svc`});
      expect(e.fix).toContain(`kubectl annotate inferencepool ${n.pool} -n ${n.namespace}`);
      expect(only(json, 'IGW-409', 'blocked').blockedBy).toEqual(['IGW-235']);
      expect(json.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(['IGW-235']);
    });
  });

  it('NGINX Gateway Fabric fault ngf-epp-tls-disabled: IGW-236 error on the controller with the Helm value', {timeout: 600_000}, async () => {
    await withInstall('ngf-tls', fault('ngf-epp-tls-disabled'), async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(r.code).toBe(1);
      const e = only(json, 'IGW-236', 'error');
      expect(e.object).toMatchObject({kind: 'Deployment', namespace: `${n.namespace}-nginx-gateway-fabric`, name: 'ngf-nginx-gateway-fabric'});
      expect(e.fix).toContain('--set nginxGateway.gwAPIInferenceExtension.endpointPicker.disableTLS=false');
      expect(json.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(['IGW-236']);
    });
  });

  it('GKE, healthy without GKE\'s CRDs: 0 errors, 0 warnings; IGW-237 ok; IGW-238/239 info "not served"; IGW-230 info says what is not checked', {timeout: 600_000}, async () => {
    await withInstall('gke', (inst) => installGke(inst), async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(problems(json)).toEqual([]);
      expect(r.code).toBe(0);
      expect(json.findings.filter((f) => ENVOY_GATEWAY_ONLY.test(f.code))).toEqual([]);
      expect(only(json, 'IGW-230', 'info').message).toContain('not checked: the Google Cloud load balancer');
      expect(only(json, 'IGW-237', 'ok').message).toContain(GKE_CLASS);
      expect(only(json, 'IGW-238', 'info').message).toContain('not served in this cluster');
      expect(only(json, 'IGW-239', 'info').message).toContain('not served in this cluster');
      expect(json.target.pools[0]?.gateway).toMatchObject({className: GKE_CLASS, controllerName: 'networking.gke.io/gateway', implementation: 'gke'});
    });
  });

  it('the faults used here are registered with the scenarios', () => {
    for (const f of ['agentgateway-inference-flag-off', 'agentgateway-rbac-missing', 'agentgateway-epp-plaintext', 'ngf-inference-flag-off', 'ngf-pool-service-missing', 'ngf-epp-tls-disabled'] as const) {
      expect(faults[f].scope).toBe('namespace');
    }
  });
});
