/* Text rendering of a patch-envoy result (stdout); the one-line verdict goes last. */
import chalk from 'chalk';
import type {PatchEnvoyResult} from './patch.ts';

function colorDiff(diff: string): string {
  return diff
    .split('\n')
    .map((l) => (l.startsWith('+++') || l.startsWith('---') ? chalk.bold(l) : l.startsWith('+') ? chalk.green(l) : l.startsWith('-') ? chalk.red(l) : l.startsWith('@@') ? chalk.cyan(l) : l))
    .join('\n');
}

function indent(text: string, by = '  '): string {
  return text
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

export function renderPatchEnvoy(r: PatchEnvoyResult): string {
  const out: string[] = [];
  const cm = `${r.configMap.namespace}/${r.configMap.name}`;
  if (r.mode === 'patch') {
    out.push(`ConfigMap ${cm}, key ${r.configMap.key} — preset ${r.preset ?? ''}${r.target ? ` → ${r.target}` : ''}${r.controller.version ? ` (Envoy Gateway ${r.controller.version})` : ''}`);
    if (r.changes.length) out.push('Changes:', ...r.changes.map((c) => `  + ${c}`));
    for (const c of r.conflicts) out.push(`  ${chalk.red('✗')} ${c.field} ${c.message}`);
  } else {
    out.push(`ConfigMap ${cm}, key ${r.configMap.key} — restore from ${r.backup?.name ?? 'backup'}`);
  }
  // The diff is the preview: always for --dry-run and refusals, and after a write so the log shows it.
  if (r.diff) out.push('', colorDiff(r.diff.replace(/\n$/, '')), '');
  if (r.validation.after.length) {
    out.push(`Envoy Gateway would reject the ${r.mode === 'patch' ? 'result' : 'backup'}:`);
    for (const e of r.validation.after) out.push(`  ${chalk.red('✗')} ${e.field ? `${e.field}: ` : ''}${e.message}`);
  } else if (r.after) {
    out.push(`${chalk.green('✓')} the ${r.mode === 'patch' ? 'result' : 'backup'} passes Envoy Gateway's own validation`);
  }
  if (r.extensionService && !r.extensionService.warning && r.extensionService.readyEndpoints !== undefined) {
    out.push(`${chalk.green('✓')} extension service ${r.extensionService.service?.namespace}/${r.extensionService.service?.name}: ${r.extensionService.readyEndpoints} ready endpoint(s)`);
  }
  if (r.serverDryRun) out.push(`${chalk.green('✓')} the API server accepted the write as a server-side dry run`);
  if (r.backup) {
    const verb = {created: 'saved to new', updated: 'saved to', 'would-create': 'would be saved to new', 'would-update': 'would be saved to', kept: 'kept in'}[r.backup.action];
    out.push(`Previous content ${verb} ConfigMap ${r.backup.namespace}/${r.backup.name}`);
  }
  if (r.write) out.push(`Written (resourceVersion ${r.write.resourceVersion ?? '?'}, ${r.write.attempts} attempt(s)); read back: ${r.write.verified ? 'verified' : chalk.yellow('NOT as written')}`);
  if (r.restart) out.push(`Restarted deployment ${r.controller.namespace}/${r.controller.deployment} (restartedAt ${r.restart.restartedAt})`);
  if (r.rollout) out.push(`Rollout: ${r.rollout.done ? chalk.green(r.rollout.message) : chalk.red(`${r.rollout.reason ?? 'failed'}: ${r.rollout.message}`)}${r.rollout.pod ? ` (pod ${r.rollout.pod})` : ''}`);
  if (r.controllerError) out.push(`Controller says: ${chalk.red(r.controllerError)}`);
  if (r.rollback) {
    out.push(`Rollback: ${r.rollback.restored ? 'previous config restored' : chalk.red(`not done — ${r.rollback.reason ?? ''}`)}`);
    if (r.rollback.rollout) out.push(`Rollback rollout: ${r.rollback.rollout.done ? chalk.green(r.rollback.rollout.message) : chalk.red(r.rollback.rollout.message)}`);
  }
  if (r.warnings.length) out.push('', ...r.warnings.map((w) => `${chalk.yellow('warning:')} ${w}`));
  if (r.helm) {
    out.push('', `Equivalent Envoy Gateway chart values (add them to ${r.helm.release ? `release ${r.helm.release}` : 'the release'} so "helm upgrade" keeps this):`, indent(r.helm.valuesSnippet));
  }
  if (r.notes.length) out.push('', ...r.notes.map((n) => `note: ${n}`));
  out.push('', r.exitCode === 0 ? r.message : chalk.red(r.message));
  return out.join('\n');
}
