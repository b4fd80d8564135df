package main

// Small client-go helpers `up` needs: apply YAML files, wait for CRDs, create fake nodes.

import (
	"bytes"
	"context"
	"crypto/tls"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"
)

//go:embed stages/infgw-stages.yaml
var infgwStages []byte

type api struct {
	kube   *kubernetes.Clientset
	dyn    *dynamic.DynamicClient
	mapper *restmapper.DeferredDiscoveryRESTMapper
}

var crdGVR = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

func newAPI(kubeconfig string) (*api, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.QPS, cfg.Burst = 200, 400
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, err
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(kube.Discovery()))
	return &api{kube: kube, dyn: dyn, mapper: mapper}, nil
}

func insecureClient() *http.Client {
	return &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	}
}

// applyDir creates every object of every *.yaml/*.yml/*.json file in dir (sorted), skipping
// objects that already exist.
func (a *api) applyDir(ctx context.Context, dir string) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	var files []string
	for _, e := range entries {
		n := e.Name()
		if !e.IsDir() && (strings.HasSuffix(n, ".yaml") || strings.HasSuffix(n, ".yml") || strings.HasSuffix(n, ".json")) {
			files = append(files, filepath.Join(dir, n))
		}
	}
	sort.Strings(files)
	// A few files at a time: the apiserver spends most of a CRD create building its OpenAPI
	// and storage, and overlapping those waits shortens start-up.
	errs := make([]error, len(files))
	par := 4
	if v, err := strconv.Atoi(os.Getenv("TESTCLUSTER_APPLY_CONCURRENCY")); err == nil && v > 0 {
		par = v
	}
	sem := make(chan struct{}, par)
	var wg sync.WaitGroup
	for i, f := range files {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			if err := a.applyFile(ctx, f); err != nil {
				errs[i] = fmt.Errorf("%s: %w", f, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func (a *api) applyFile(ctx context.Context, file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
	for {
		var obj map[string]any
		if err := dec.Decode(&obj); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return err
		}
		if len(obj) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: obj}
		if err := a.create(ctx, u); err != nil {
			return fmt.Errorf("%s %s: %w", u.GetKind(), u.GetName(), err)
		}
	}
}

func (a *api) create(ctx context.Context, u *unstructured.Unstructured) error {
	gvk := u.GroupVersionKind()
	var m *meta.RESTMapping
	var err error
	for i := 0; i < 20; i++ {
		m, err = a.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
		if err == nil {
			break
		}
		a.mapper.Reset()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
	if err != nil {
		return err
	}
	var ri dynamic.ResourceInterface = a.dyn.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		ns := u.GetNamespace()
		if ns == "" {
			ns = "default"
		}
		ri = a.dyn.Resource(m.Resource).Namespace(ns)
	}
	_, err = ri.Create(ctx, u, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

// waitCRDsEstablished waits until every CRD in the cluster (or, with groups, of those API
// groups) has condition Established=True.
func (a *api) waitCRDsEstablished(ctx context.Context, groups ...string) error {
	for {
		list, err := a.dyn.Resource(crdGVR).List(ctx, metav1.ListOptions{})
		pending := []string{}
		if err == nil {
			for _, it := range list.Items {
				if len(groups) > 0 {
					g, _, _ := unstructured.NestedString(it.Object, "spec", "group")
					if !slices.Contains(groups, g) {
						continue
					}
				}
				conds, _, _ := unstructured.NestedSlice(it.Object, "status", "conditions")
				ok := false
				for _, c := range conds {
					cm, _ := c.(map[string]any)
					if cm["type"] == "Established" && cm["status"] == "True" {
						ok = true
					}
				}
				if !ok {
					pending = append(pending, it.GetName())
				}
			}
			if len(pending) == 0 {
				a.mapper.Reset()
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("CRDs not established: %v (%v)", pending, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (a *api) createNode(ctx context.Context, name string) error {
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name: name,
			Labels: map[string]string{
				"kubernetes.io/hostname": name,
				"kubernetes.io/os":       "linux",
				"kubernetes.io/arch":     "amd64",
				"type":                   "kwok",
			},
			Annotations: map[string]string{"kwok.x-k8s.io/node": "fake"},
		},
		Status: corev1.NodeStatus{
			Allocatable: corev1.ResourceList{},
			Capacity:    corev1.ResourceList{},
		},
	}
	_, err := a.kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return nil
	}
	return err
}

func (a *api) waitNodesReady(ctx context.Context, n int) error {
	for {
		list, err := a.kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
		ready := 0
		if err == nil {
			for _, node := range list.Items {
				for _, c := range node.Status.Conditions {
					if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
						ready++
					}
				}
			}
			if ready >= n {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("nodes not ready (%d/%d): %v", ready, n, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (a *api) waitDefaultServiceAccount(ctx context.Context) error {
	for {
		_, err := a.kube.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{})
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("default service account not created: %v", err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// kwokStageFiles returns the stage files for KWOK's --config: the stock stages copied from the
// kwok module at build time (<kwok-share>/stages/*.yaml; pod-ready gets one more selector term
// so pods labelled infgw.test/never-ready or infgw.test/image-pull-error are left to our own
// stages) plus our embedded stages.
func (c *cluster) kwokStageFiles() ([]string, error) {
	outDir := filepath.Join(c.stateDir, "kwok")
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return nil, err
	}
	srcDir := filepath.Join(c.opt.kwokShare, "stages")
	entries, err := os.ReadDir(srcDir)
	if err != nil {
		return nil, fmt.Errorf("kwok stages: %w (run scripts/build-cluster.sh)", err)
	}
	var files []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".yaml") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(srcDir, e.Name()))
		if err != nil {
			return nil, err
		}
		if e.Name() == "pod-ready.yaml" {
			for _, label := range []string{"infgw.test/never-ready", "infgw.test/image-pull-error"} {
				if b, err = excludeLabel(b, label); err != nil {
					return nil, fmt.Errorf("pod-ready stage: %w", err)
				}
			}
		}
		out := filepath.Join(outDir, e.Name())
		if err := os.WriteFile(out, b, 0o644); err != nil {
			return nil, err
		}
		files = append(files, out)
	}
	own := filepath.Join(outDir, "infgw-stages.yaml")
	if err := os.WriteFile(own, infgwStages, 0o644); err != nil {
		return nil, err
	}
	return append(files, own), nil
}

// excludeLabel adds `.metadata.labels["<label>"] DoesNotExist` to a Stage's selector.
func excludeLabel(stage []byte, label string) ([]byte, error) {
	var obj map[string]any
	if err := yaml.Unmarshal(stage, &obj); err != nil {
		return nil, err
	}
	spec, _ := obj["spec"].(map[string]any)
	if spec == nil {
		return nil, errors.New("no spec")
	}
	sel, _ := spec["selector"].(map[string]any)
	if sel == nil {
		sel = map[string]any{}
		spec["selector"] = sel
	}
	exprs, _ := sel["matchExpressions"].([]any)
	exprs = append(exprs, map[string]any{
		"key":      fmt.Sprintf(`.metadata.labels[%q]`, label),
		"operator": "DoesNotExist",
	})
	sel["matchExpressions"] = exprs
	return yaml.Marshal(obj)
}
