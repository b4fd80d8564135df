// Runs inside `unshare --mount --net --propagation private` (started by envoy-gateway.ts): gives
// ONE real Envoy Gateway process what its pod would have, without touching the rest of the machine.
//
// - its own network namespace: Envoy Gateway binds fixed ports (xDS 18000, health probe 8081,
//   metrics 19001, admin 19000, wasm 18002; upstream internal/xds/bootstrap/bootstrap.go,
//   internal/provider/kubernetes/kubernetes.go), so two controller "pods" (a rolling restart) or
//   two test clusters never clash. Loopback is brought up, and the test apiserver's
//   127.0.0.1:<port> is relayed over a Unix socket (filesystem sockets cross network namespaces) to
//   the host side, which envoy-gateway.ts serves; the kubeconfig is used unchanged.
// - its own mount namespace: the xDS/webhook TLS files are read from the fixed directory /certs
//   (upstream internal/xds/runner/runner.go xdsTLSCertFilepath); a pod mounts the `envoy-gateway`
//   Secret there. Here a directory holding that Secret's files is bind-mounted over /certs.
// - the kubelet's readiness probe: polls http://127.0.0.1:8081/readyz (the probe of the
//   gateway-helm chart) inside the namespace and prints one line "infgw-harness: ready" to stderr
//   the first time it answers 200, so the harness can mark the KWOK pod Ready.
//
// Usage: node envoy-gateway-netns.ts <certs dir> <apiserver port> <relay socket> <program> [args...]
// Exits with the program's exit code; SIGTERM/SIGINT are passed on to it; it is killed when the
// process INFGW_PARENT_PID (the test) is gone.
import { spawn, spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';

const [certsDir, apiPortText, socketPath, program, ...args] = process.argv.slice(2);
if (!certsDir || !apiPortText || !socketPath || !program) {
  process.stderr.write('usage: envoy-gateway-netns.ts <certs dir> <apiserver port> <relay socket> <program> [args...]\n');
  process.exit(2);
}

function must(cmd: string, cmdArgs: string[]): void {
  const r = spawnSync(cmd, cmdArgs, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`infgw-harness: ${cmd} ${cmdArgs.join(' ')} failed: ${r.stderr || r.error?.message || `exit ${r.status}`}\n`);
    process.exit(2);
  }
}

must('ip', ['link', 'set', 'lo', 'up']);
must('mount', ['--bind', certsDir, '/certs']);

const relay = createServer((downstream) => {
  const upstream = connect(socketPath);
  downstream.pipe(upstream).pipe(downstream);
  const close = (): void => {
    downstream.destroy();
    upstream.destroy();
  };
  downstream.on('error', close);
  upstream.on('error', close);
});
relay.listen(Number(apiPortText), '127.0.0.1', () => {
  const child = spawn(program, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  for (const sig of ['SIGTERM', 'SIGINT'] as const) process.on(sig, () => child.kill(sig));
  // If the test process dies without stopping us, do not outlive it.
  const parent = Number(process.env.INFGW_PARENT_PID ?? '0');
  const orphanCheck = setInterval(() => {
    if (!parent) return;
    try {
      process.kill(parent, 0);
    } catch {
      child.kill('SIGKILL');
    }
  }, 2000);
  let ready = false;
  const probe = setInterval(() => {
    if (ready) return;
    const req = request({ host: '127.0.0.1', port: 8081, path: '/readyz', timeout: 1000 }, (res) => {
      res.resume();
      if (res.statusCode === 200 && !ready) {
        ready = true;
        process.stderr.write('infgw-harness: ready\n');
      }
    });
    req.on('error', () => {});
    req.on('timeout', () => req.destroy());
    req.end();
  }, 500);
  child.on('exit', (code, signal) => {
    clearInterval(probe);
    clearInterval(orphanCheck);
    relay.close();
    process.exit(code ?? (signal ? 128 + 15 : 1));
  });
});
