// Real upstream files from ../shared/fixtures (read at test time, never copied into the repo).
import {readFileSync} from 'node:fs';
import {dirname, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';
import {parse} from 'yaml';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const sharedDir = resolve(repoRoot, '..', 'shared');

export function sharedFile(...parts: string[]): string {
  return readFileSync(resolve(sharedDir, ...parts), 'utf8');
}

/** The `envoy-gateway.yaml` key of the Envoy Gateway chart's default ConfigMap (EG v1.9.0). */
export function defaultEnvoyGatewayYaml(): string {
  const cm = parse(sharedFile('fixtures', 'envoy-gateway-config.default.yaml')) as {data: Record<string, string>};
  return cm.data['envoy-gateway.yaml']!;
}

/** `config.envoyGateway` of an Envoy Gateway chart values file from ../shared/fixtures. */
export function valuesEnvoyGateway(file: string): Record<string, unknown> {
  return (parse(sharedFile('fixtures', file)) as {config: {envoyGateway: Record<string, unknown>}}).config.envoyGateway;
}

/** The EnvoyGateway document the install notes' `kubectl patch` writes (seed file, verbatim JSON). */
export function notesPatchedYaml(): string {
  const notes = sharedFile('seed', '000_5f2c015f08483f79.txt');
  const m = /-p '(\{"data":\{"envoy-gateway\.yaml":.*\}\})'/.exec(notes);
  if (!m) throw new Error('install notes: kubectl patch line not found');
  return (JSON.parse(m[1]!) as {data: Record<string, string>}).data['envoy-gateway.yaml']!;
}
