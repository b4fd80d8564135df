/*
 * Progress while doctor gathers and analyses, on stderr (stdout stays for the report): a listr2
 * live tree on a TTY — "Read the cluster" with a running request count, then one line per phase
 * with its result — and plain lines otherwise.
 */
import {Listr, ListrLogger, ProcessOutput, type ListrTaskWrapper} from 'listr2';
import {PHASES, type Phase} from '../checks/types.ts';
import type {DoctorProgress} from '../doctor/session.ts';
import type {DoctorReport} from '../doctor/report.ts';
export {lineProgress} from './doctor-lines.ts';
import type {RequestRecord, Snapshot} from '../snapshot/types.ts';

function phaseLine(report: DoctorReport, phase: Phase): {title: string; failed: boolean} {
  const fs = report.findings.filter((f) => f.phase === phase);
  const n = (s: string) => fs.filter((f) => f.severity === s).length;
  const parts = [n('error') ? `${n('error')} error${n('error') > 1 ? 's' : ''}` : '', n('warning') ? `${n('warning')} warning${n('warning') > 1 ? 's' : ''}` : '', n('blocked') ? `${n('blocked')} blocked` : '', `${n('ok')} ok`].filter(Boolean);
  return {title: `${PHASES[phase]}: ${parts.join(', ')}`, failed: n('error') > 0};
}

interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: Error): void;
}
function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: Error) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return {promise, resolve, reject};
}

/**
 * The live tree. Returns the progress hooks and `done()`, which waits for the tree to finish
 * drawing (call it before printing the report).
 */
export function treeProgress(stream: NodeJS.WriteStream = process.stderr): DoctorProgress & {done(): Promise<void>; fail(error: Error): Promise<void>} {
  const gathered = deferred<Snapshot>();
  const analysed = deferred<DoctorReport>();
  let readTask: ListrTaskWrapper<unknown, never, never> | undefined;
  let count = 0;
  let target = 'the cluster';
  const listr = new Listr(
    [
      {
        title: 'Read the cluster',
        task: async (_ctx, task) => {
          readTask = task as unknown as ListrTaskWrapper<unknown, never, never>;
          task.title = `Read ${target}`;
          const snap = await gathered.promise;
          task.title = snap.source === 'files' ? `Read ${target}` : `Read ${target}: ${snap.apiRequests} API requests, ${snap.durationMs} ms`;
        },
      },
      {
        title: 'Check',
        task: async (_ctx, task) => {
          const report = await analysed.promise;
          const phases = [...new Set(report.findings.map((f) => f.phase))].sort((a, b) => a - b);
          task.title = `Checked ${report.findings.length} results`;
          return task.newListr(
            phases.map((p) => {
              const l = phaseLine(report, p);
              return {
                title: l.title,
                task: () => {
                  if (l.failed) throw new Error(l.title);
                },
              };
            }),
            {concurrent: false, exitOnError: false},
          );
        },
      },
    ],
    {
      concurrent: false,
      exitOnError: false,
      registerSignalListeners: false,
      rendererOptions: {logger: new ListrLogger({processOutput: new ProcessOutput(stream, stream)}), collapseSubtasks: false, collapseErrors: true, showErrorMessage: false},
    },
  );
  const running = listr.run().catch(() => undefined);
  return {
    gathering(what) {
      target = what;
      if (readTask) readTask.title = `Read ${what}`;
    },
    request(r: RequestRecord) {
      count++;
      if (readTask) readTask.title = `Read ${target}: ${count} requests (${r.what})`;
    },
    gathered(snap) {
      gathered.resolve(snap);
    },
    analysed(report) {
      analysed.resolve(report);
    },
    async done() {
      await running;
    },
    /** the run failed (cluster unreachable, interrupted): end the tree so nothing keeps spinning */
    async fail(error: Error) {
      gathered.reject(error);
      analysed.reject(error);
      await running;
    },
  };
}
