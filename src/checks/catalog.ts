/*
 * The check catalog, in the order a person verifies an install (linkerd's categories,
 * style.md): read it top to bottom like the install notes it replaces. Adding a check = adding
 * one entry here and its unit test. Every dependency must come before its dependents (tested).
 * Another phase's checks (5xx EPP runtime, 6xx scheduling config, 7xx LiteLLM) are added with
 * `extraChecks` by their modules without touching this file's order.
 */
import type {Check} from './types.ts';
import {phase1} from './phase1-cluster.ts';
import {phase2} from './phase2-envoy-gateway.ts';
import {phase3} from './phase3-model-serving.ts';
import {phase4} from './phase4-chart.ts';
import {phase5} from './phase5-epp-runtime.ts';
import {phase5Live} from './phase5-epp-runtime-live.ts';
import {phase6} from './phase6-scheduling.ts';
import {phase7} from './phase7-litellm.ts';

export const CORE_CHECKS: readonly Check[] = [...phase1, ...phase2, ...phase3, ...phase4, ...phase5, ...phase5Live, ...phase6, ...phase7];

/** Phase modules register here (src/checks/phase5-*.ts …) — sorted into the catalog by code. */
const extra: Check[] = [];
export function registerChecks(checks: readonly Check[]): void {
  extra.push(...checks);
}

export function catalog(): Check[] {
  const all = [...CORE_CHECKS, ...extra];
  // by phase, keeping each phase's own order (dependencies inside a phase come first)
  return all.map((c, i) => ({c, i})).sort((a, b) => a.c.phase - b.c.phase || a.i - b.i).map((x) => x.c);
}

export function checkByCode(code: string): Check | undefined {
  return catalog().find((c) => c.code === code.toUpperCase());
}
