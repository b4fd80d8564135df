package main

// `testcluster up`: starts etcd, kube-apiserver, kube-controller-manager, kube-scheduler and the
// KWOK controller as separate child processes (this binary re-executed per component, KWOK from
// its own binary), installs CRDs, creates fake nodes, writes kubeconfigs and prints one JSON
// "ready" line on stdout. SIGTERM/SIGINT stops every child and removes the temporary state.
//
// The process layout follows kwokctl's binary runtime (sigs.k8s.io/kwok
// pkg/kwokctl/runtime/binary and pkg/kwokctl/components/*.go) and envtest: real components on
// loopback, with their flags chosen for a small, fast, single-node test control plane.

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

type upOptions struct {
	stateDir             string
	bare                 bool
	crdsDir              string
	noCRDs               bool
	kubeconfig           string
	restrictedKubeconfig string
	logDir               string
	kwokBin              string
	kwokShare            string
	nodes                int
	timeout              time.Duration
	apiserverPort        int
	verbose              bool
	parentPid            int
}

type child struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

type cluster struct {
	opt        upOptions
	stateDir   string
	removeDir  bool
	logDir     string
	pki        *pkiFiles
	adminToken string
	restrToken string
	server     string
	mu         sync.Mutex
	children   []*child
	exited     chan *child
	started    time.Time
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "testcluster: "+format+"\n", args...)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func runUp(args []string) int {
	exe, _ := os.Executable()
	binDir := filepath.Dir(exe)
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	var o upOptions
	fs.StringVar(&o.stateDir, "state-dir", "", "directory for certificates, etcd data, configs and logs (default: a new temp dir, removed on exit)")
	fs.BoolVar(&o.bare, "bare", false, "start only etcd and kube-apiserver (no controllers, scheduler or KWOK)")
	fs.StringVar(&o.crdsDir, "crds", "", "directory of CRD YAML files to install (default: ../shared/crds relative to the repo root)")
	fs.BoolVar(&o.noCRDs, "no-crds", false, "do not install the CRDs from --crds")
	fs.StringVar(&o.kubeconfig, "kubeconfig", "", "where to write the admin kubeconfig (default: <state-dir>/admin.kubeconfig)")
	fs.StringVar(&o.restrictedKubeconfig, "restricted-kubeconfig", "", "where to write the restricted-user kubeconfig (default: <state-dir>/restricted.kubeconfig)")
	fs.StringVar(&o.logDir, "log-dir", "", "directory for component logs (default: <state-dir>/logs)")
	fs.StringVar(&o.kwokBin, "kwok", filepath.Join(binDir, "kwok"), "path of the kwok binary")
	fs.StringVar(&o.kwokShare, "kwok-share", filepath.Join(binDir, "..", "share", "kwok"), "directory with KWOK CRDs and stages copied from the kwok module at build time")
	fs.IntVar(&o.nodes, "nodes", 1, "number of fake KWOK nodes (kwok-node-0, ...)")
	fs.DurationVar(&o.timeout, "timeout", 120*time.Second, "give up if the cluster is not ready within this time")
	fs.IntVar(&o.apiserverPort, "port", 0, "kube-apiserver secure port (default: a free port)")
	fs.BoolVar(&o.verbose, "v", false, "log progress to stderr")
	fs.IntVar(&o.parentPid, "parent-pid", 0, "stop the cluster when this process (our parent) exits")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	// If our parent (a test runner) dies, writes to our stdout/stderr pipes fail; without this,
	// Go would exit on SIGPIPE before stopping the children and removing the state dir.
	signal.Ignore(syscall.SIGPIPE)
	c := &cluster{opt: o, exited: make(chan *child, 16), started: time.Now()}
	err := c.run()
	if err != nil {
		logf("error: %v", err)
		c.stopAll()
		c.cleanup()
		return 1
	}
	return 0
}

func (c *cluster) run() error {
	o := c.opt
	crdsDir := ""
	if !o.noCRDs {
		crdsDir = o.crdsDir
		if crdsDir == "" {
			crdsDir = defaultCRDsDir()
		}
		if crdsDir == "" {
			return errors.New("cannot find the CRDs directory (../shared/crds from the repo root): pass --crds <dir> or --no-crds")
		}
		if fi, err := os.Stat(crdsDir); err != nil || !fi.IsDir() {
			return fmt.Errorf("--crds %s: not a directory", crdsDir)
		}
	}
	if !o.bare {
		if _, err := os.Stat(o.kwokBin); err != nil {
			return fmt.Errorf("kwok binary: %w (run scripts/build-cluster.sh)", err)
		}
	}
	if o.stateDir == "" {
		d, err := os.MkdirTemp("", "infgw-cluster-")
		if err != nil {
			return err
		}
		c.stateDir, c.removeDir = d, true
	} else {
		if err := os.MkdirAll(o.stateDir, 0o700); err != nil {
			return err
		}
		c.stateDir, _ = filepath.Abs(o.stateDir)
		// A reused state dir: start from a fresh etcd and PKI each time.
		_ = os.RemoveAll(filepath.Join(c.stateDir, "etcd"))
	}
	c.logDir = o.logDir
	if c.logDir == "" {
		c.logDir = filepath.Join(c.stateDir, "logs")
	}
	if err := os.MkdirAll(c.logDir, 0o755); err != nil {
		return err
	}

	// Signals: from here on, SIGTERM/SIGINT stop everything.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, syscall.SIGINT, syscall.SIGHUP)
	if o.parentPid > 0 {
		// Our parent (a test runner) may die without stopping us: when we are re-parented,
		// behave as if we got SIGTERM.
		go func() {
			for {
				time.Sleep(500 * time.Millisecond)
				if os.Getppid() != o.parentPid {
					logf("parent %d is gone", o.parentPid)
					sig <- syscall.SIGTERM
					return
				}
			}
		}()
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.timeout)
	defer cancel()
	startupDone := make(chan struct{})
	go func() {
		select {
		case s := <-sig:
			logf("%v during start-up, stopping", s)
			cancel()
		case <-ctx.Done():
		case <-startupDone:
		}
	}()

	t0 := time.Now()
	pki, err := makePKI(filepath.Join(c.stateDir, "pki"))
	if err != nil {
		return fmt.Errorf("pki: %w", err)
	}
	c.pki = pki
	c.adminToken, c.restrToken = randomToken(), randomToken()
	tokenFile := filepath.Join(c.stateDir, "tokens.csv")
	tokens := fmt.Sprintf("%s,admin,admin,\"system:masters\"\n%s,restricted,restricted\n", c.adminToken, c.restrToken)
	if err := os.WriteFile(tokenFile, []byte(tokens), 0o600); err != nil {
		return err
	}
	c.step("pki", t0)

	// etcd
	t0 = time.Now()
	etcdClient, err := freePort()
	if err != nil {
		return err
	}
	etcdPeer, err := freePort()
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	if err := c.spawn("etcd", self, "etcd", "--data-dir="+filepath.Join(c.stateDir, "etcd"),
		"--client-port="+strconv.Itoa(etcdClient), "--peer-port="+strconv.Itoa(etcdPeer)); err != nil {
		return err
	}
	etcdURL := fmt.Sprintf("http://127.0.0.1:%d", etcdClient)
	if err := c.waitHTTP(ctx, "etcd", etcdURL+"/health", nil, func(code int, body []byte) bool {
		return code == 200 && strings.Contains(string(body), `"true"`)
	}); err != nil {
		return err
	}
	c.step("etcd", t0)

	// kube-apiserver
	t0 = time.Now()
	port := o.apiserverPort
	if port == 0 {
		if port, err = freePort(); err != nil {
			return err
		}
	}
	c.server = fmt.Sprintf("https://127.0.0.1:%d", port)
	apiArgs := []string{"kube-apiserver",
		"--etcd-servers=" + etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--tls-cert-file=" + pki.apiserverCert,
		"--tls-private-key-file=" + pki.apiserverKey,
		"--client-ca-file=" + pki.caCert,
		"--token-auth-file=" + tokenFile,
		"--authorization-mode=Node,RBAC",
		"--service-cluster-ip-range=10.96.0.0/16",
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + pki.saPub,
		"--service-account-signing-key-file=" + pki.saKey,
		"--enable-priority-and-fairness=false",
		"--endpoint-reconciler-type=none",
		"--kubelet-client-certificate=" + pki.kubeletClientCert,
		"--kubelet-client-key=" + pki.kubeletClKey,
		"--kubelet-preferred-address-types=InternalIP,Hostname",
		"--allow-privileged=true",
		// Real clusters add node.kubernetes.io/not-ready:NoSchedule at node creation and rely on
		// the node-lifecycle controller to lift it. We run no node-lifecycle controller (it could
		// evict pods when KWOK's heartbeats lag on a busy CI machine), so skip that admission step.
		"--disable-admission-plugins=TaintNodesByCondition",
		"--storage-backend=etcd3",
		"--watch-cache=true",
		"--profiling=false",
		"--event-ttl=1h",
	}
	if err := c.spawn("kube-apiserver", self, apiArgs...); err != nil {
		return err
	}
	hdr := http.Header{"Authorization": {"Bearer " + c.adminToken}}
	if err := c.waitHTTP(ctx, "kube-apiserver", c.server+"/readyz", hdr, func(code int, _ []byte) bool { return code == 200 }); err != nil {
		return err
	}
	c.step("kube-apiserver", t0)

	// kubeconfigs
	adminKC := o.kubeconfig
	if adminKC == "" {
		adminKC = filepath.Join(c.stateDir, "admin.kubeconfig")
	}
	restrKC := o.restrictedKubeconfig
	if restrKC == "" {
		restrKC = filepath.Join(c.stateDir, "restricted.kubeconfig")
	}
	if err := writeKubeconfig(adminKC, c.server, pki.caPEM, "admin", c.adminToken); err != nil {
		return err
	}
	if err := writeKubeconfig(restrKC, c.server, pki.caPEM, "restricted", c.restrToken); err != nil {
		return err
	}
	// Components use their own copy, so the caller may move/delete the admin kubeconfig.
	compKC := filepath.Join(c.stateDir, "components.kubeconfig")
	if err := writeKubeconfig(compKC, c.server, pki.caPEM, "admin", c.adminToken); err != nil {
		return err
	}
	api, err := newAPI(compKC)
	if err != nil {
		return err
	}

	if !o.bare {
		// KWOK's own CRDs (PortForward, Logs, ...), taken from the kwok module at build time.
		if err := api.applyDir(ctx, filepath.Join(o.kwokShare, "crds")); err != nil {
			return fmt.Errorf("kwok CRDs: %w", err)
		}
	}
	// The CRDs from --crds are created while the other components start.
	var crdsDone chan error
	if !o.noCRDs {
		dir := crdsDir
		crdsDone = make(chan error, 1)
		go func() {
			t0 := time.Now()
			if err := api.applyDir(ctx, dir); err != nil {
				crdsDone <- fmt.Errorf("CRDs from %s: %w", dir, err)
				return
			}
			c.step("CRDs created", t0)
			crdsDone <- nil
		}()
	}

	if !o.bare {
		t0 = time.Now()
		kcmArgs := []string{"kube-controller-manager",
			"--kubeconfig=" + compKC,
			"--authentication-kubeconfig=" + compKC,
			"--authorization-kubeconfig=" + compKC,
			"--leader-elect=false",
			"--secure-port=0",
			"--use-service-account-credentials=false",
			"--service-account-private-key-file=" + pki.saKey,
			"--root-ca-file=" + pki.caCert,
			"--cluster-signing-cert-file=" + pki.caCert,
			"--cluster-signing-key-file=" + pki.caKey,
			"--service-cluster-ip-range=10.96.0.0/16",
			"--concurrent-deployment-syncs=5",
			"--concurrent-replicaset-syncs=5",
			"--controllers=" + strings.Join([]string{
				"deployment-controller", "replicaset-controller", "endpoints-controller",
				"endpointslice-controller", "garbage-collector-controller", "namespace-controller",
				"serviceaccount-controller", "serviceaccount-token-controller",
				"root-ca-certificate-publisher-controller", "pod-garbage-collector-controller",
				"job-controller", "statefulset-controller", "daemonset-controller",
				"clusterrole-aggregation-controller",
			}, ","),
		}
		if err := c.spawn("kube-controller-manager", self, kcmArgs...); err != nil {
			return err
		}
		schedArgs := []string{"kube-scheduler",
			"--kubeconfig=" + compKC,
			"--authentication-kubeconfig=" + compKC,
			"--authorization-kubeconfig=" + compKC,
			"--leader-elect=false",
			"--secure-port=0",
		}
		if err := c.spawn("kube-scheduler", self, schedArgs...); err != nil {
			return err
		}
		if err := api.waitCRDsEstablished(ctx, "kwok.x-k8s.io"); err != nil {
			return err
		}
		if err := c.startKwok(ctx, compKC); err != nil {
			return err
		}
		for i := 0; i < o.nodes; i++ {
			if err := api.createNode(ctx, fmt.Sprintf("kwok-node-%d", i)); err != nil {
				return fmt.Errorf("create node: %w", err)
			}
		}
		c.step("controllers+kwok started", t0)
	}

	if crdsDone != nil {
		t0 = time.Now()
		if err := <-crdsDone; err != nil {
			return err
		}
		if err := api.waitCRDsEstablished(ctx); err != nil {
			return err
		}
		c.step("CRDs established", t0)
	}

	if !o.bare {
		t0 = time.Now()
		if err := api.waitNodesReady(ctx, o.nodes); err != nil {
			return err
		}
		if err := api.waitDefaultServiceAccount(ctx); err != nil {
			return err
		}
		c.step("nodes ready + default service account", t0)
	}

	ready := map[string]any{
		"ready":                true,
		"kubeconfig":           adminKC,
		"restrictedKubeconfig": restrKC,
		"server":               c.server,
		"stateDir":             c.stateDir,
		"logDir":               c.logDir,
		"bare":                 o.bare,
		"pid":                  os.Getpid(),
		"startupMs":            time.Since(c.started).Milliseconds(),
	}
	close(startupDone)
	line, _ := json.Marshal(ready)
	fmt.Println(string(line))
	logf("ready in %v; export KUBECONFIG=%s", time.Since(c.started).Round(time.Millisecond), adminKC)

	// Run until a signal or until a component dies.
	var exitErr error
	select {
	case s := <-sig:
		logf("%v, stopping", s)
	case ch := <-c.exited:
		exitErr = fmt.Errorf("%s exited unexpectedly (%v); see %s", ch.name, ch.err, filepath.Join(c.logDir, ch.name+".log"))
	}
	c.stopAll()
	c.cleanup()
	return exitErr
}

func (c *cluster) step(name string, t0 time.Time) {
	if c.opt.verbose {
		logf("%-40s %6dms (total %dms)", name, time.Since(t0).Milliseconds(), time.Since(c.started).Milliseconds())
	}
}

// spawn starts a child process with its output in <log-dir>/<name>.log. Children die with us
// (Pdeathsig) even if `up` itself is SIGKILLed, and stay in our process group so that a caller
// killing the group reaches them too.
func (c *cluster) spawn(name, bin string, args ...string) error {
	logFile, err := os.OpenFile(filepath.Join(c.logDir, name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout = logFile
	cmd.Stderr = logFile
	cmd.Stdin = nil
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return fmt.Errorf("start %s: %w", name, err)
	}
	ch := &child{name: name, cmd: cmd, done: make(chan struct{})}
	c.mu.Lock()
	c.children = append(c.children, ch)
	c.mu.Unlock()
	go func() {
		ch.err = cmd.Wait()
		logFile.Close()
		close(ch.done)
		select {
		case c.exited <- ch:
		default:
		}
	}()
	return nil
}

// stopAll sends SIGTERM to the children in reverse start order and waits; SIGKILL after a grace period.
func (c *cluster) stopAll() {
	c.mu.Lock()
	children := append([]*child(nil), c.children...)
	c.mu.Unlock()
	for i := len(children) - 1; i >= 0; i-- {
		ch := children[i]
		select {
		case <-ch.done:
			continue
		default:
		}
		_ = ch.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-ch.done:
		case <-time.After(5 * time.Second):
			logf("%s did not stop in 5s, killing", ch.name)
			_ = ch.cmd.Process.Kill()
			<-ch.done
		}
	}
}

func (c *cluster) cleanup() {
	if c.removeDir && c.stateDir != "" {
		if os.Getenv("TESTCLUSTER_KEEP_STATE") == "" {
			_ = os.RemoveAll(c.stateDir)
		}
	}
}

func (c *cluster) childDied() error {
	select {
	case ch := <-c.exited:
		// Put it back for the main loop and report.
		go func() { c.exited <- ch }()
		tail := tailFile(filepath.Join(c.logDir, ch.name+".log"), 25)
		return fmt.Errorf("%s exited during start-up (%v); last log lines:\n%s", ch.name, ch.err, tail)
	default:
		return nil
	}
}

func tailFile(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func (c *cluster) waitHTTP(ctx context.Context, name, url string, hdr http.Header, ok func(int, []byte) bool) error {
	client := insecureClient()
	for {
		if err := c.childDied(); err != nil {
			return err
		}
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		for k, v := range hdr {
			req.Header[k] = v
		}
		resp, err := client.Do(req)
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if ok(resp.StatusCode, body) {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%s not ready: %w (last: %v); see %s", name, ctx.Err(), err, filepath.Join(c.logDir, name+".log"))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (c *cluster) startKwok(ctx context.Context, kubeconfig string) error {
	port, err := freePort()
	if err != nil {
		return err
	}
	stages, err := c.kwokStageFiles()
	if err != nil {
		return err
	}
	args := []string{
		"--kubeconfig=" + kubeconfig,
		"--manage-all-nodes=true",
		"--tls-cert-file=" + c.pki.kwokCert,
		"--tls-private-key-file=" + c.pki.kwokKey,
		"--node-ip=127.0.0.1",
		"--node-name=localhost",
		"--node-port=" + strconv.Itoa(port),
		"--server-address=127.0.0.1:" + strconv.Itoa(port),
		"--cidr=10.244.0.0/16",
		"--node-lease-duration-seconds=40",
		"--enable-crds=PortForward,ClusterPortForward,Logs,ClusterLogs,Exec,ClusterExec,Attach,ClusterAttach",
	}
	for _, s := range stages {
		args = append(args, "--config="+s)
	}
	if _, err := os.Stat(c.opt.kwokBin); err != nil {
		return fmt.Errorf("kwok binary: %w (run scripts/build-cluster.sh)", err)
	}
	return c.spawn("kwok", c.opt.kwokBin, args...)
}

func writeKubeconfig(path, server string, caPEM []byte, user, token string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	kc := fmt.Sprintf(`apiVersion: v1
kind: Config
clusters:
- name: infgw-test
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: %s
  user:
    token: %s
contexts:
- name: infgw-test-%s
  context:
    cluster: infgw-test
    user: %s
    namespace: default
current-context: infgw-test-%s
`, server, base64.StdEncoding.EncodeToString(caPEM), user, token, user, user, user)
	return os.WriteFile(path, []byte(kc), 0o600)
}

// defaultCRDsDir finds ../shared/crds relative to the repository root (the directory holding
// test/cluster), starting from the working directory and from the binary's location.
func defaultCRDsDir() string {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if exe, err := os.Executable(); err == nil {
		starts = append(starts, filepath.Dir(exe))
	}
	for _, s := range starts {
		for d := s; ; d = filepath.Dir(d) {
			if fi, err := os.Stat(filepath.Join(d, "test", "cluster")); err == nil && fi.IsDir() {
				cand := filepath.Join(d, "..", "shared", "crds")
				if fi, err := os.Stat(cand); err == nil && fi.IsDir() {
					return filepath.Clean(cand)
				}
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return ""
}
