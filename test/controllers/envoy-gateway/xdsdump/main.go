// eg-xds-dump: an xDS client of the real Envoy Gateway controller (test world, issue 14). It
// connects to the controller's xDS server the way an Envoy proxy of one Gateway does and prints
// what it is served as an envoy.admin.v3.ConfigDump (the JSON of Envoy's admin GET /config_dump),
// so that `doctor --envoy-admin` can be tested on the config the real controller, with the
// Envoy AI Gateway extension's hooks applied, translated — there is no Envoy binary in the test
// world to load it and dump it.
//
// Why an xDS client: Envoy Gateway's own admin server (v1.9.1 internal/admin/server.go,
// internal/admin/console/handlers.go and api.go) serves only its *input* (/api/config_dump:
// Gateway API and policy resources the provider read), never the translated xDS. The xDS is only
// in the xDS server's snapshot cache:
//   - internal/xds/runner/runner.go: gRPC ADS (and per-type) server on 0.0.0.0:18000
//     (bootstrap.DefaultXdsServerPort), TLS with client certificates verified against
//     /certs/ca.crt; it translates the xDS IR, calling the extension manager's hooks, and puts
//     the result in the snapshot cache.
//   - internal/xds/cache/snapshotcache.go: snapshots are kept per IR key ("<namespace>/<gateway>",
//     internal/gatewayapi/helpers.go irStringKey); a stream's first request names the node, and
//     the node whose Cluster field is that key gets that snapshot (OnStreamRequest).
//   - internal/crypto/certgen.go: certgen signs the `envoy` Secret's client certificate with the
//     same CA; the server's certificate is for the envoy-gateway Service's DNS names.
//
// The client speaks state-of-the-world ADS: wildcard CDS and LDS, then RDS for the route
// configuration names the listeners' HTTP connection managers ask for (RDS is not wildcard),
// ACKing each response as Envoy does.
package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"sort"
	"time"

	adminv3 "github.com/envoyproxy/go-control-plane/envoy/admin/v3"
	corev3 "github.com/envoyproxy/go-control-plane/envoy/config/core/v3"
	listenerv3 "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	hcmv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/filters/network/http_connection_manager/v3"
	discoveryv3 "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/anypb"
)

const (
	typeCluster  = "type.googleapis.com/envoy.config.cluster.v3.Cluster"
	typeListener = "type.googleapis.com/envoy.config.listener.v3.Listener"
	typeRoute    = "type.googleapis.com/envoy.config.route.v3.RouteConfiguration"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18000", "the xDS server")
	caFile := flag.String("ca", "", "CA certificate (PEM) the server's certificate is signed by")
	certFile := flag.String("cert", "", "client certificate (PEM)")
	keyFile := flag.String("key", "", "client key (PEM)")
	serverName := flag.String("server-name", "", "the name the server's certificate is checked for")
	nodeCluster := flag.String("node-cluster", "", "the node's cluster: the IR key <gateway namespace>/<gateway name>")
	timeout := flag.Duration("timeout", 30*time.Second, "give up after this long")
	flag.Parse()
	if *caFile == "" || *certFile == "" || *keyFile == "" || *serverName == "" || *nodeCluster == "" {
		fail("usage: eg-xds-dump --ca F --cert F --key F --server-name N --node-cluster NS/GATEWAY [--addr HOST:PORT] [--timeout D]")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	dump, err := fetch(ctx, *addr, *caFile, *certFile, *keyFile, *serverName, *nodeCluster)
	if err != nil {
		fail(err.Error())
	}
	out, err := protojson.MarshalOptions{UseProtoNames: true, Indent: "  "}.Marshal(dump)
	if err != nil {
		fail("printing the config dump: " + err.Error())
	}
	_, _ = os.Stdout.Write(append(out, '\n'))
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "eg-xds-dump: "+msg)
	os.Exit(1)
}

func fetch(ctx context.Context, addr, caFile, certFile, keyFile, serverName, nodeCluster string) (*adminv3.ConfigDump, error) {
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, fmt.Errorf("%s holds no PEM certificate", caFile)
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	creds := credentials.NewTLS(&tls.Config{RootCAs: pool, Certificates: []tls.Certificate{cert}, ServerName: serverName, MinVersion: tls.VersionTLS12})
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(creds))
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	stream, err := discoveryv3.NewAggregatedDiscoveryServiceClient(conn).StreamAggregatedResources(ctx)
	if err != nil {
		return nil, fmt.Errorf("opening the ADS stream to %s: %w", addr, err)
	}
	node := &corev3.Node{Id: "infgw-eg-xds-dump", Cluster: nodeCluster}
	send := func(typeURL string, names []string, ack *discoveryv3.DiscoveryResponse) error {
		req := &discoveryv3.DiscoveryRequest{Node: node, TypeUrl: typeURL, ResourceNames: names}
		if ack != nil {
			req.VersionInfo = ack.GetVersionInfo()
			req.ResponseNonce = ack.GetNonce()
		}
		return stream.Send(req)
	}
	// Clusters, then listeners, then the listeners' route configurations.
	got := map[string]*discoveryv3.DiscoveryResponse{}
	if err := send(typeCluster, nil, nil); err != nil {
		return nil, err
	}
	if err := send(typeListener, nil, nil); err != nil {
		return nil, err
	}
	var routeNames []string
	for {
		if _, ok := got[typeCluster]; ok {
			if _, ok := got[typeListener]; ok {
				if routeNames == nil {
					names, err := routeConfigNames(got[typeListener].GetResources())
					if err != nil {
						return nil, err
					}
					if len(names) == 0 {
						break
					}
					routeNames = names
					if err := send(typeRoute, routeNames, nil); err != nil {
						return nil, err
					}
				} else if _, ok := got[typeRoute]; ok {
					break
				}
			}
		}
		resp, err := stream.Recv()
		if err != nil {
			return nil, fmt.Errorf("waiting for the xDS server's responses (node cluster %q): %w", nodeCluster, err)
		}
		got[resp.GetTypeUrl()] = resp
		// ACK, as Envoy does (the server then waits for the next change).
		var names []string
		if resp.GetTypeUrl() == typeRoute {
			names = routeNames
		}
		if err := send(resp.GetTypeUrl(), names, resp); err != nil {
			return nil, err
		}
	}
	return configDump(got)
}

// routeConfigNames: the RDS names of every HTTP connection manager of the listeners.
func routeConfigNames(listeners []*anypb.Any) ([]string, error) {
	seen := map[string]bool{}
	for _, a := range listeners {
		l := &listenerv3.Listener{}
		if err := a.UnmarshalTo(l); err != nil {
			return nil, err
		}
		chains := append([]*listenerv3.FilterChain{}, l.GetFilterChains()...)
		if l.GetDefaultFilterChain() != nil {
			chains = append(chains, l.GetDefaultFilterChain())
		}
		for _, c := range chains {
			for _, f := range c.GetFilters() {
				h := &hcmv3.HttpConnectionManager{}
				if f.GetTypedConfig() == nil || !f.GetTypedConfig().MessageIs(h) {
					continue
				}
				if err := f.GetTypedConfig().UnmarshalTo(h); err != nil {
					return nil, err
				}
				if n := h.GetRds().GetRouteConfigName(); n != "" {
					seen[n] = true
				}
			}
		}
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// configDump: the served resources in the shape of Envoy's admin /config_dump (envoy/admin/v3
// config_dump.proto and config_dump_shared.proto): every resource as a dynamic, active one with
// the version it was served in. No bootstrap: that is Envoy's own file, not served by xDS.
func configDump(got map[string]*discoveryv3.DiscoveryResponse) (*adminv3.ConfigDump, error) {
	clusters := &adminv3.ClustersConfigDump{VersionInfo: got[typeCluster].GetVersionInfo()}
	for _, r := range got[typeCluster].GetResources() {
		clusters.DynamicActiveClusters = append(clusters.DynamicActiveClusters, &adminv3.ClustersConfigDump_DynamicCluster{VersionInfo: got[typeCluster].GetVersionInfo(), Cluster: r})
	}
	listeners := &adminv3.ListenersConfigDump{VersionInfo: got[typeListener].GetVersionInfo()}
	for _, r := range got[typeListener].GetResources() {
		l := &listenerv3.Listener{}
		if err := r.UnmarshalTo(l); err != nil {
			return nil, err
		}
		listeners.DynamicListeners = append(listeners.DynamicListeners, &adminv3.ListenersConfigDump_DynamicListener{
			Name:        l.GetName(),
			ActiveState: &adminv3.ListenersConfigDump_DynamicListenerState{VersionInfo: got[typeListener].GetVersionInfo(), Listener: r},
		})
	}
	routes := &adminv3.RoutesConfigDump{}
	if rr, ok := got[typeRoute]; ok {
		for _, r := range rr.GetResources() {
			routes.DynamicRouteConfigs = append(routes.DynamicRouteConfigs, &adminv3.RoutesConfigDump_DynamicRouteConfig{VersionInfo: rr.GetVersionInfo(), RouteConfig: r})
		}
	}
	dump := &adminv3.ConfigDump{}
	for _, m := range []proto.Message{clusters, listeners, routes} {
		a, err := anypb.New(m)
		if err != nil {
			return nil, err
		}
		dump.Configs = append(dump.Configs, a)
	}
	return dump, nil
}
