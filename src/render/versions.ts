import type {ClusterVersions} from '../snapshot/versions.ts';

export function renderVersions(client: {version: string}, c: ClusterVersions): string {
  const lines = [`Client Version: v${client.version}`, `Server Version: ${c.server}${c.context ? ` (context ${c.context})` : ''}`];
  lines.push(
    `Gateway API CRDs: ${c.gatewayApi ? `${c.gatewayApi.bundleVersion ?? 'installed (no bundle-version annotation)'}${c.gatewayApi.channel ? ` (${c.gatewayApi.channel})` : ''}` : 'not installed'}`,
  );
  lines.push(
    `InferencePool APIs: ${c.inferencePool.length ? c.inferencePool.map((p) => `${p.group}/${p.versions.join(',') || '(none served)'}`).join('; ') : 'not installed'}`,
  );
  lines.push(`Envoy Gateway: ${c.envoyGateway ? (c.envoyGateway.version ?? c.envoyGateway.image) : 'not found in envoy-gateway-system'}`);
  if (c.epps.length === 0) lines.push('Endpoint Pickers: none found');
  for (const e of c.epps) lines.push(`Endpoint Picker ${e.namespace}/${e.name}: ${e.version ?? e.image}`);
  for (const u of c.unknown) lines.push(`(could not read ${u})`);
  return lines.join('\n');
}
