/*
 * doctor's progress as plain lines on stderr (logs, pipes, -o json/short): kept apart from the
 * listr2 live tree (src/render/doctor-progress.ts) so a run without a terminal does not load
 * listr2 at all.
 */
import type {DoctorProgress} from '../doctor/session.ts';

/** Plain lines for logs and pipes. */
export function lineProgress(write: (line: string) => void): DoctorProgress {
  let requests = 0;
  return {
    gathering(what) {
      requests = 0;
      write(`doctor: reading ${what} …`);
    },
    request() {
      requests++;
    },
    gathered(snap) {
      if (snap.source !== 'files') write(`doctor: read ${Object.keys(snap.lists).length} kinds with ${snap.apiRequests || requests} API requests in ${snap.durationMs} ms`);
    },
    analysed(report) {
      const s = report.summary;
      write(`doctor: ${report.findings.length} results — ${s.errors} errors, ${s.warnings} warnings, ${s.ok} ok, ${s.blocked} blocked, ${s.skipped} skipped`);
    },
    retrying(attempt, report, delayMs) {
      const codes = [...new Set(report.findings.filter((f) => f.severity === 'error').map((f) => f.code))].join(', ');
      write(`doctor: attempt ${attempt} not healthy (${codes}); again in ${Math.round(delayMs / 1000)}s`);
    },
  };
}

