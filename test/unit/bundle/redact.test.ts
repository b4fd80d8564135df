import {describe, expect, it} from 'vitest';
import {credentialKey, redactConfigText, redactLog, redactObject, redactString, Redactions, REDACTED} from '../../../src/bundle/redact.ts';
import type {KubeObject} from '../../../src/kube/client.ts';

const JWT = 'eyJhbGciOiJSUzI1NiIsImtpZCI6IkFCQyJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6bGxtOmVwcCJ9.c2lnbmF0dXJlLXBsYW50ZWQ';

describe('redaction', () => {
  it('credential keys: values of password/token/api_key/master_key, not names of or references to them', () => {
    for (const k of ['password', 'api_key', 'apiKey', 'master_key', 'MASTER_KEY', 'OPENAI_API_KEY', 'secretKey', 'aws_secret_access_key', 'token', 'client-key-data', 'clientSecret', 'Authorization', 'HF_TOKEN'])
      expect(credentialKey(k), k).toBe(true);
    for (const k of ['secretName', 'tokenFile', 'existingSecret' + 'Ref', 'poolName', 'api_base', 'model', 'metrics-endpoint-auth', 'automountServiceAccountToken', 'keyName', 'name'])
      expect(credentialKey(k), k).toBe(false);
  });

  it('strings: bearer and basic credentials, JWTs, user:password@ in URLs, sk- keys', () => {
    const r = new Redactions();
    const s = redactString(`Authorization: Bearer abcdEFGH12345678 token=${JWT} url=https://admin:hunter2pass@db:5432/x key sk-PLANTEDabcd1234efgh5678`, r);
    for (const planted of ['abcdEFGH12345678', JWT, 'hunter2pass', 'sk-PLANTEDabcd1234efgh5678']) expect(s).not.toContain(planted);
    expect(s).toContain('https://admin:[redacted]@db:5432/x');
    expect(r.list().length).toBeGreaterThan(0);
    // ordinary words stay
    for (const plain of ['the bearer token lacks get on /metrics; Authorization denied for user x', 'uses Basic authentication', 'pod sk-learn-server-abcdef-0 is Ready'])
      expect(redactString(plain)).toBe(plain);
  });

  it('Secrets lose data and stringData, keep metadata and type; last-applied annotations go', () => {
    const r = new Redactions();
    const s = redactObject(
      {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {name: 'hf', namespace: 'llm', labels: {a: 'b'}, annotations: {'kubectl.kubernetes.io/last-applied-configuration': '{"data":{"token":"UExBTlRFRA=="}}'}},
        type: 'Opaque',
        data: {token: 'UExBTlRFRA=='},
        stringData: {other: 'PLANTED'},
      } as KubeObject,
      r,
    );
    expect(JSON.stringify(s)).not.toMatch(/UExBTlRFRA|PLANTED/);
    expect(s).toMatchObject({type: 'Opaque', metadata: {name: 'hf', namespace: 'llm', labels: {a: 'b'}}});
    expect(r.list().map((x) => x.what)).toEqual(expect.arrayContaining(['Secret data (values of every key)', 'kubectl.kubernetes.io/last-applied-configuration annotations']));
  });

  it('LiteLLM config: api_key and master_key values go, api_base and os.environ references stay (the config still parses)', () => {
    const text = [
      'model_list:',
      '  - model_name: qwen',
      '    litellm_params:',
      '      model: hosted_vllm/qwen',
      '      api_base: http://envoy-llm-gw-1234.envoy-gateway-system.svc:80/v1',
      '      api_key: sk-PLANTED-litellm-0001',
      '  - model_name: gpt',
      '    litellm_params: {"model": "openai/gpt", "api_key": "PLANTED-json-key"}',
      '  - model_name: env',
      '    litellm_params:',
      '      api_key: os.environ/OPENAI_API_KEY',
      'general_settings:',
      '  master_key: "PLANTED-master-0002"',
    ].join('\n');
    const out = redactConfigText(text, new Redactions());
    expect(out).not.toMatch(/PLANTED/);
    expect(out).toContain('api_base: http://envoy-llm-gw-1234.envoy-gateway-system.svc:80/v1');
    expect(out).toContain('api_key: os.environ/OPENAI_API_KEY');
    expect(out).toContain(`master_key: "${REDACTED}"`);
  });

  it('containers: credential env values and flags go; the EPP flags doctor reads stay', () => {
    const d = redactObject(
      {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: {name: 'epp', namespace: 'llm'},
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'epp',
                  args: ['--pool-name', 'qwen', '--metrics-endpoint-auth=false', '--hf-token=PLANTED-flag-1', '--api-key', 'PLANTED-flag-2', '--secure-serving', 'false'],
                  env: [
                    {name: 'HF_TOKEN', value: 'PLANTED-env-1'},
                    {name: 'LOG_LEVEL', value: 'debug'},
                    {name: 'OPENAI_API_KEY', valueFrom: {secretKeyRef: {name: 'openai', key: 'key'}}},
                  ],
                },
              ],
            },
          },
        },
      } as KubeObject,
      new Redactions(),
    ) as unknown as {spec: {template: {spec: {containers: {args: string[]; env: {name: string; value?: string; valueFrom?: unknown}[]}[]}}}};
    const c = d.spec.template.spec.containers[0]!;
    expect(JSON.stringify(d)).not.toMatch(/PLANTED/);
    expect(c.args).toEqual(['--pool-name', 'qwen', '--metrics-endpoint-auth=false', `--hf-token=${REDACTED}`, '--api-key', REDACTED, '--secure-serving', 'false']);
    expect(c.env[1]).toEqual({name: 'LOG_LEVEL', value: 'debug'});
    expect(c.env[2]).toEqual({name: 'OPENAI_API_KEY', valueFrom: {secretKeyRef: {name: 'openai', key: 'key'}}});
  });

  it('logs: EPP trace headers (Authorization), request bodies with prompts, console lines; error lines doctor quotes stay', () => {
    // GIE v1.5.0 pkg/epp/handlers/server.go: loggerTrace.Info("header", "key", …, "value", …) and
    // logger.Error(err, "Failed to process request", "request", req) — zap JSON encoding
    const log = [
      JSON.stringify({level: 'trace', ts: 1, logger: 'ext-proc', msg: 'header', key: 'authorization', value: 'Bearer PLANTED-header-token'}),
      JSON.stringify({level: 'trace', ts: 1, msg: 'header', key: 'x-request-id', value: 'abc-123'}),
      JSON.stringify({level: 'error', ts: 2, msg: 'Failed to process request', request: {body: {model: 'qwen', messages: [{role: 'user', content: 'PLANTED prompt: my bank password is 1234'}]}}, error: 'no endpoints'}),
      JSON.stringify({level: 'debug', ts: 3, msg: 'body', raw: '{"model":"qwen","prompt":"PLANTED prompt two"}'}),
      '2026-12-05T10:00:00Z\tDEBUG\tproxy\tprompt="PLANTED prompt three" model=qwen',
      JSON.stringify({level: 'error', ts: 4, logger: 'reflector', msg: 'Failed to watch: pods is forbidden: User "system:serviceaccount:llm:epp" cannot list resource "pods"'}),
      'E1205 10:00:00 metrics.go:88] metric family vllm:gpu_cache_usage_perc not found',
    ].join('\n');
    const r = new Redactions();
    const out = redactLog(log, r);
    expect(out).not.toMatch(/PLANTED/);
    expect(out).toContain('"key":"x-request-id","value":"abc-123"');
    expect(out).toContain('cannot list resource \\"pods\\"');
    expect(out).toContain('metric family vllm:gpu_cache_usage_perc not found');
    // the whole request body goes; what is not the prompt in a logged JSON string stays
    expect(out).toContain('"request":{"body":"[redacted]"}');
    expect(out).toContain('\\"model\\":\\"qwen\\"');
    expect(out.split('\n')).toHaveLength(7);
    expect(r.list().map((x) => x.what)).toEqual(expect.arrayContaining(['log values that may hold prompts', 'Authorization and other credential headers in logs']));
  });

  it('Helm values: credential keys, and credential lines of a config file held in a value', async () => {
    const {redactRelease} = await import('../../../src/bundle/redact.ts');
    const rel = redactRelease(
      {
        name: 'igw',
        namespace: 'llm',
        revision: 1,
        status: 'deployed',
        chart: {name: 'inference-gateway', version: '0.3.0'},
        config: {epp: {poolName: 'qwen'}, litellm: {masterKey: 'PLANTED-a', config: 'model_list:\n  - model_name: q\n    litellm_params:\n      api_key: PLANTED-b\n'}},
        values: {gateway: {port: 80}, auth: {password: 'PLANTED-c', existingSecret: 'keep-this-name'}},
        manifest: [{apiVersion: 'v1', kind: 'Secret', metadata: {name: 's', namespace: 'llm'}, data: {k: 'UExBTlRFRC1k'}} as KubeObject],
        secret: {namespace: 'llm', name: 'sh.helm.release.v1.igw.v1'},
      },
      new Redactions(),
    );
    expect(JSON.stringify(rel)).not.toMatch(/PLANTED|UExBTlRFRC1k/);
    expect(rel.config).toMatchObject({epp: {poolName: 'qwen'}});
    expect(rel.values).toMatchObject({gateway: {port: 80}, auth: {existingSecret: 'keep-this-name'}});
  });

  it('is deterministic (a release manifest and the live object still compare equal)', () => {
    const cm = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c', namespace: 'n'}, data: {'config.yaml': 'api_key: PLANTED\n'}} as KubeObject;
    expect(redactObject(cm, new Redactions())).toEqual(redactObject(cm, new Redactions()));
    expect(cm).toEqual({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c', namespace: 'n'}, data: {'config.yaml': 'api_key: PLANTED\n'}});
  });
});
