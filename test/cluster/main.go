// Command testcluster is a multi-call binary for the kubectl-infgw end-to-end test control plane.
//
//	testcluster up [flags]                 start a whole control plane (re-execs itself per component)
//	testcluster etcd [flags]               embedded etcd
//	testcluster kube-apiserver [flags]     real kube-apiserver (k8s.io/kubernetes/cmd/kube-apiserver/app)
//	testcluster kube-controller-manager    real kube-controller-manager
//	testcluster kube-scheduler             real kube-scheduler
//
// Each component runs in its own process because their global flags, feature gates and metric
// registries clash in one process. The component entry points mirror
// k8s.io/kubernetes/cmd/<component>/<component>.go.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	_ "time/tzdata"

	"k8s.io/component-base/cli"
	_ "k8s.io/component-base/logs/json/register"
	_ "k8s.io/component-base/metrics/prometheus/clientgo"
	_ "k8s.io/component-base/metrics/prometheus/version"
	apiserver "k8s.io/kubernetes/cmd/kube-apiserver/app"
	controllermanager "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	scheduler "k8s.io/kubernetes/cmd/kube-scheduler/app"
)

func usage() {
	fmt.Fprintf(os.Stderr, "usage: %s up|etcd|kube-apiserver|kube-controller-manager|kube-scheduler [flags]\n", filepath.Base(os.Args[0]))
}

func main() {
	if len(os.Args) < 2 {
		usage()
		os.Exit(2)
	}
	sub := os.Args[1]
	// Components parse os.Args[1:] through cobra; drop the sub-command name.
	os.Args = append([]string{os.Args[0] + " " + sub}, os.Args[2:]...)
	switch sub {
	case "kube-apiserver":
		os.Exit(cli.Run(apiserver.NewAPIServerCommand()))
	case "kube-controller-manager":
		os.Exit(cli.Run(controllermanager.NewControllerManagerCommand()))
	case "kube-scheduler":
		os.Exit(cli.Run(scheduler.NewSchedulerCommand()))
	case "etcd":
		os.Exit(runEtcd(os.Args[1:]))
	case "up":
		os.Exit(runUp(os.Args[1:]))
	case "-h", "--help", "help":
		usage()
	default:
		usage()
		os.Exit(2)
	}
}
