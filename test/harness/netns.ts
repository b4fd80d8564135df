// Runs inside `unshare --mount --net --propagation private` (started by envoy-gateway.ts): gives
// ONE real controller process (Envoy Gateway, Envoy AI Gateway) what its pod would have, without
// touching the rest of the machine.
//
// - its own network namespace: the controllers bind fixed ports (Envoy Gateway: xDS 18000, health
//   probe 8081, metrics 19001, admin 19000, wasm 18002 — upstream internal/xds/bootstrap/bootstrap.go,
//   internal/provider/kubernetes/kubernetes.go; AI Gateway: 1063, 9443, pprof 6060), so two
//   controller "pods" (a rolling restart) or two test clusters never clash. Loopback is brought up.
//   --out PORT=SOCKET: 127.0.0.1:PORT in here is relayed to a Unix socket outside (filesystem
//   sockets cross network namespaces): the test apiserver (the kubeconfig is used unchanged), or
//   another controller's port. --in SOCKET=PORT: the other way round, a Unix socket served from in
//   here to 127.0.0.1:PORT (how Envoy Gateway reaches the AI Gateway extension server).
// - its own mount namespace: --bind SRC:DST bind-mounts a file or directory. Envoy Gateway reads
//   its xDS/webhook TLS files from the fixed directory /certs (upstream internal/xds/runner/runner.go
//   xdsTLSCertFilepath), where a pod mounts the `envoy-gateway` Secret; an /etc/hosts with the
//   Service names it dials (the AI Gateway extension's FQDN) stands in for cluster DNS.
// - the kubelet's readiness probe: --probe http:PORT/PATH (an HTTP 200) or tcp:PORT (a connection
//   is accepted); the first time it passes, one line "infgw-harness: ready" goes to stderr, so the
//   harness can mark the KWOK pod Ready.
//
// Usage: node netns.ts [--bind SRC:DST]... [--out PORT=SOCKET]... [--in SOCKET=PORT]... [--probe P] -- program [args...]
// Exits with the program's exit code; SIGTERM/SIGINT are passed on to it; it is killed when the
// process INFGW_PARENT_PID (the test) is gone.
import { spawn, spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect, createServer, type Socket } from 'node:net';

const argv = process.argv.slice(2);
const sep = argv.indexOf('--');
if (sep < 0 || sep === argv.length - 1) {
  process.stderr.write('usage: netns.ts [--bind SRC:DST]... [--out PORT=SOCKET]... [--in SOCKET=PORT]... [--probe P] -- program [args...]\n');
  process.exit(2);
}
const [program, ...args] = argv.slice(sep + 1) as [string, ...string[]];
const binds: [string, string][] = [];
const outs: [number, string][] = [];
const ins: [string, number][] = [];
let probe: string | undefined;
for (let i = 0; i < sep; i += 2) {
  const v = argv[i + 1] ?? '';
  if (argv[i] === '--bind') binds.push(v.split(':') as [string, string]);
  else if (argv[i] === '--out') outs.push([Number(v.split('=')[0]), v.slice(v.indexOf('=') + 1)]);
  else if (argv[i] === '--in') ins.push([v.slice(0, v.lastIndexOf('=')), Number(v.slice(v.lastIndexOf('=') + 1))]);
  else if (argv[i] === '--probe') probe = v;
  else {
    process.stderr.write(`netns.ts: unknown option ${argv[i]}\n`);
    process.exit(2);
  }
}

function must(cmd: string, cmdArgs: string[]): void {
  const r = spawnSync(cmd, cmdArgs, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`infgw-harness: ${cmd} ${cmdArgs.join(' ')} failed: ${r.stderr || r.error?.message || `exit ${r.status}`}\n`);
    process.exit(2);
  }
}

must('ip', ['link', 'set', 'lo', 'up']);
for (const [src, dst] of binds) must('mount', ['--bind', src, dst]);

function pipeBoth(a: Socket, b: Socket): void {
  a.pipe(b).pipe(a);
  const close = (): void => {
    a.destroy();
    b.destroy();
  };
  a.on('error', close);
  b.on('error', close);
}

const listening: Promise<void>[] = [];
for (const [port, socket] of outs) {
  const srv = createServer((down) => pipeBoth(down, connect(socket)));
  listening.push(new Promise((res) => srv.listen(port, '127.0.0.1', () => res())));
}
for (const [socket, port] of ins) {
  rmSync(socket, { force: true });
  const srv = createServer((down) => pipeBoth(down, connect(port, '127.0.0.1')));
  listening.push(new Promise((res) => srv.listen(socket, () => res())));
}

function probeOnce(cb: (ok: boolean) => void): void {
  if (!probe) return cb(false);
  const m = /^(http|tcp):(\d+)(\/.*)?$/.exec(probe);
  if (!m) return cb(false);
  const port = Number(m[2]);
  if (m[1] === 'tcp') {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      cb(true);
    });
    s.on('error', () => cb(false));
    return;
  }
  const req = request({ host: '127.0.0.1', port, path: m[3] ?? '/', timeout: 1000 }, (res) => {
    res.resume();
    cb(res.statusCode === 200);
  });
  req.on('error', () => cb(false));
  req.on('timeout', () => req.destroy());
  req.end();
}

void Promise.all(listening).then(() => {
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
  const prober = setInterval(() => {
    if (ready) return;
    probeOnce((ok) => {
      if (ok && !ready) {
        ready = true;
        process.stderr.write('infgw-harness: ready\n');
      }
    });
  }, 500);
  child.on('exit', (code, signal) => {
    clearInterval(prober);
    clearInterval(orphanCheck);
    process.exit(code ?? (signal ? 128 + 15 : 1));
  });
});
