// Issue 13 end to end: doctor on an install whose Gateway is Istio's, kgateway's, or an unknown
// implementation's — the BUILT binary against the real test control plane. The healthy install is
// moved to the implementation (test/scenarios/install-istio.ts, install-kgateway.ts), faults come
// from test/scenarios/faults-implementations.ts. Each case: exit code, the finding's code, severity,
// object and fix; the checks below the broken link "blocked" by it; and on the healthy installs
// 0 errors, 0 warnings and no Envoy Gateway check at all. patch-envoy refuses the Istio Gateway.
//
// Scheduling: one install at a time. doctor -n finds istiod / the kgateway controller by label
// cluster-wide (as in a real cluster, where there is one): two of these installs side by side would
// each see the other's controller.
import {afterAll, describe, expect, inject, it} from 'vitest';
import {faults} from '../scenarios/index.ts';
import {ENVOY_GATEWAY_ONLY, fault, implementationHarness, only, problems} from './support/implementations.ts';
import {moveToImplementation, unknownWorld} from '../scenarios/install-implementation.ts';
import {installIstio, istioShadowServiceName} from '../scenarios/install-istio.ts';
import {installKgateway} from '../scenarios/install-kgateway.ts';

const {cli, doctorJson, withInstall, idle} = implementationHarness(inject('kubeconfig'), 'impl');

afterAll(async () => {
  await idle();
});

describe('doctor on other Gateway implementations (issue 13)', () => {
  it('Envoy Gateway, healthy (the reference): 0 errors, 0 warnings; IGW-230 says Envoy Gateway; target.pools[].gateway', {timeout: 600_000}, async () => {
    await withInstall('eg', async () => undefined, async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(problems(json)).toEqual([]);
      expect(r.code).toBe(0);
      expect(only(json, 'IGW-230', 'ok').message).toContain('Envoy Gateway');
      expect(json.findings.some((f) => f.code === 'IGW-201' && f.severity === 'ok')).toBe(true);
      expect(json.findings.filter((f) => /^IGW-22\d$/.test(f.code))).toEqual([]);
      expect(json.target.pools[0]).toMatchObject({
        wiring: 'ai-gateway',
        gateway: {name: n.gateway, namespace: n.namespace, className: n.gatewayClass, controllerName: 'gateway.envoyproxy.io/gatewayclass-controller', implementation: 'envoy-gateway'},
      });
      const pe = await cli(['patch-envoy', '--gateway', `${n.namespace}/${n.gateway}`, '--dry-run', '-o', 'json']);
      expect(JSON.parse(pe.stdout).outcome).not.toBe('refused');
    });
  });

  it('Istio, healthy: 0 errors, 0 warnings, Istio checks ok, no Envoy Gateway check; target.pools[].gateway; patch-envoy refuses the Gateway', {timeout: 600_000}, async () => {
    await withInstall('istio', installIstio, async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(problems(json)).toEqual([]);
      expect(r.code).toBe(0);
      expect(json.summary).toMatchObject({errors: 0, warnings: 0});
      expect(json.findings.filter((f) => ENVOY_GATEWAY_ONLY.test(f.code))).toEqual([]);
      expect(only(json, 'IGW-230', 'ok').message).toContain('Istio');
      expect(only(json, 'IGW-220', 'ok').message).toContain('ENABLE_GATEWAY_API_INFERENCE_EXTENSION="true"');
      expect(only(json, 'IGW-221', 'ok').message).toContain('Accepted=True');
      expect(only(json, 'IGW-222', 'ok').object).toMatchObject({kind: 'Service', namespace: n.namespace, name: istioShadowServiceName(n.pool)});
      expect(json.target.pools).toHaveLength(1);
      expect(json.target.pools[0]).toMatchObject({
        name: n.pool,
        wiring: 'native',
        gateway: {name: n.gateway, namespace: n.namespace, className: `${n.namespace}-istio`, controllerName: 'istio.io/gateway-controller', implementation: 'istio'},
      });
      const text = await cli(['doctor', '-n', n.namespace]);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain(`via Gateway ${n.namespace}/${n.gateway} (istio)`);

      const pe = await cli(['patch-envoy', '--gateway', `${n.namespace}/${n.gateway}`, '--dry-run']);
      expect(pe.code).toBe(4);
      expect(pe.stderr).toContain(`Gateway ${n.namespace}/${n.gateway} (GatewayClass ${n.namespace}-istio) belongs to Istio`);
      expect(pe.stderr).toContain('ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true');
      const pj = await cli(['patch-envoy', '--gateway-class', `${n.namespace}-istio`, '-o', 'json']);
      expect(pj.code).toBe(4);
      expect(JSON.parse(pj.stdout)).toMatchObject({kind: 'PatchEnvoyResult', outcome: 'refused', exitCode: 4, gateway: {implementation: 'istio'}});
    });
  });

  it('Istio fault istio-inference-flag-off: IGW-220 error on istiod with the install fix; the route status is blocked by it', {timeout: 600_000}, async () => {
    await withInstall('istio-flag', fault('istio-inference-flag-off'), async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(r.code).toBe(1);
      const e = only(json, 'IGW-220', 'error');
      expect(e.object).toMatchObject({kind: 'Deployment', namespace: `${n.namespace}-istio`, name: 'istiod'});
      expect(e.message).toContain('ENABLE_GATEWAY_API_INFERENCE_EXTENSION unset (default false)');
      expect(e.message).toContain('InferencePool is not enabled');
      expect(e.fix).toContain('istioctl install --set values.pilot.env.ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true');
      expect(e.fix).toContain(`kubectl set env deployment/istiod -n ${n.namespace}-istio -c discovery ENABLE_GATEWAY_API_INFERENCE_EXTENSION=true`);
      expect(only(json, 'IGW-409', 'blocked').blockedBy).toEqual(['IGW-220']);
      expect(only(json, 'IGW-221', 'blocked').blockedBy).toEqual(['IGW-220']);
      expect(json.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(['IGW-220']);
    });
  });

  it('Istio fault istio-shadow-service-missing: IGW-222 error naming the Service; IGW-409 blocked by it', {timeout: 600_000}, async () => {
    await withInstall('istio-shadow', fault('istio-shadow-service-missing'), async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(r.code).toBe(1);
      const e = only(json, 'IGW-222', 'error');
      expect(e.object).toMatchObject({kind: 'Service', namespace: n.namespace, name: istioShadowServiceName(n.pool)});
      expect(e.message).toContain('does not exist');
      expect(e.fix).toContain(`kubectl annotate inferencepool ${n.pool} -n ${n.namespace}`);
      expect(only(json, 'IGW-409', 'blocked').blockedBy).toEqual(['IGW-222']);
      expect(json.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(['IGW-222']);
    });
  });

  it('Istio fault istio-pool-status-missing: IGW-221 warning on the pool, exit 0', {timeout: 600_000}, async () => {
    await withInstall('istio-nostatus', fault('istio-pool-status-missing'), async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(r.code).toBe(0);
      const w = only(json, 'IGW-221', 'warning');
      expect(w.object).toMatchObject({kind: 'InferencePool', namespace: n.namespace, name: n.pool});
      expect(w.message).toContain(`no status from Istio for Gateway ${n.namespace}/${n.gateway}`);
      expect(json.summary.errors).toBe(0);
    });
  });

  it('kgateway, healthy: 0 errors, 0 warnings, kgateway checks ok, no Envoy Gateway check', {timeout: 600_000}, async () => {
    await withInstall('kgw', installKgateway, async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(problems(json)).toEqual([]);
      expect(r.code).toBe(0);
      expect(json.findings.filter((f) => ENVOY_GATEWAY_ONLY.test(f.code))).toEqual([]);
      expect(only(json, 'IGW-225', 'ok').message).toContain('KGW_ENABLE_INFER_EXT="true"');
      expect(only(json, 'IGW-226', 'ok').message).toContain('accepted by controller kgateway.dev/kgateway');
      expect(only(json, 'IGW-227', 'ok').message).toBe('one targetPort (8000)');
      expect(json.target.pools[0]?.gateway).toMatchObject({controllerName: 'kgateway.dev/kgateway', implementation: 'kgateway'});
    });
  });

  it('kgateway fault kgateway-inference-flag-off: IGW-225 error with the Helm value; IGW-226 blocked', {timeout: 600_000}, async () => {
    await withInstall('kgw-flag', fault('kgateway-inference-flag-off'), async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(r.code).toBe(1);
      const e = only(json, 'IGW-225', 'error');
      expect(e.object).toMatchObject({kind: 'Deployment', namespace: `${n.namespace}-kgateway`, name: 'kgateway'});
      expect(e.fix).toContain(`-n ${n.namespace}-kgateway --reuse-values --set inferenceExtension.enabled=true`);
      expect(only(json, 'IGW-226', 'blocked').blockedBy).toEqual(['IGW-225']);
      expect(json.findings.filter((f) => f.severity === 'error').map((f) => f.code)).toEqual(['IGW-225']);
    });
  });

  it('kgateway fault kgateway-two-target-ports: IGW-227 error with a one-port patch; IGW-307 blocked by it', {timeout: 600_000}, async () => {
    await withInstall('kgw-ports', fault('kgateway-two-target-ports'), async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(r.code).toBe(1);
      const e = only(json, 'IGW-227', 'error');
      expect(e.object).toMatchObject({kind: 'InferencePool', namespace: n.namespace, name: n.pool});
      expect(e.message).toContain('2 targetPorts (8000, 8001)');
      expect(e.fix).toBe(`kubectl patch inferencepool ${n.pool} -n ${n.namespace} --type merge -p '{"spec":{"targetPorts":[{"number":8000}]}}'`);
      expect(only(json, 'IGW-307', 'blocked').blockedBy).toEqual(['IGW-227']);
      // port 8001 is no container port of the model pods: the shared check says so too
      expect(json.findings.filter((f) => f.severity === 'error').map((f) => f.code).sort()).toEqual(['IGW-227', 'IGW-305']);
    });
  });

  it('kgateway fault kgateway-pool-status-missing: IGW-226 warning, exit 0', {timeout: 600_000}, async () => {
    await withInstall('kgw-nostatus', fault('kgateway-pool-status-missing'), async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(r.code).toBe(0);
      expect(only(json, 'IGW-226', 'warning').message).toContain(`no status from kgateway for Gateway ${n.namespace}/${n.gateway}`);
      expect(json.summary.errors).toBe(0);
    });
  });

  it('an unknown GatewayClass: IGW-230 info "implementation not checked", 0 errors, 0 warnings, no Envoy Gateway check', {timeout: 600_000}, async () => {
    await withInstall('unknown', (inst) => moveToImplementation(inst, unknownWorld), async (_inst, n) => {
      const {r, json} = await doctorJson(n.namespace);
      expect(problems(json)).toEqual([]);
      expect(r.code).toBe(0);
      const i = only(json, 'IGW-230', 'info');
      expect(i.message).toContain('controllerName example.com/gateway-controller');
      expect(i.message).toContain('implementation not checked');
      expect(json.findings.filter((f) => ENVOY_GATEWAY_ONLY.test(f.code))).toEqual([]);
      expect(json.target.pools[0]?.gateway).toMatchObject({implementation: 'unknown', controllerName: 'example.com/gateway-controller'});
    });
  });

  it('the faults used here are registered with the scenarios', () => {
    for (const f of ['istio-inference-flag-off', 'istio-shadow-service-missing', 'istio-pool-status-missing', 'kgateway-inference-flag-off', 'kgateway-two-target-ports', 'kgateway-pool-status-missing'] as const) {
      expect(faults[f].scope).toBe('namespace');
    }
  });
});
