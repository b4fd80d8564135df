package main

// Minimal PKI for the throw-away test control plane: one CA, a serving certificate for the
// kube-apiserver, a client certificate the apiserver presents to KWOK's kubelet-like server,
// a serving certificate for KWOK, and the service-account signing key.
// ECDSA P-256 keeps key generation fast on small CI machines.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"
)

type keyPair struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newSerial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	return n
}

func newCA() (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          newSerial(),
		Subject:               pkix.Name{CommonName: "kubectl-infgw-test-ca"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour * 365),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &keyPair{cert: cert, key: key}, nil
}

// issue signs a leaf certificate. dns/ips make it a serving cert; orgs become client groups.
func (ca *keyPair) issue(cn string, orgs []string, dns []string, ips []net.IP, server, client bool) (*keyPair, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	var usages []x509.ExtKeyUsage
	if server {
		usages = append(usages, x509.ExtKeyUsageServerAuth)
	}
	if client {
		usages = append(usages, x509.ExtKeyUsageClientAuth)
	}
	tmpl := &x509.Certificate{
		SerialNumber: newSerial(),
		Subject:      pkix.Name{CommonName: cn, Organization: orgs},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour * 365),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  usages,
		DNSNames:     dns,
		IPAddresses:  ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &keyPair{cert: cert, key: key}, nil
}

func certPEM(c *x509.Certificate) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
}

func keyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

func publicKeyPEM(k *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(&k.PublicKey)
	if err != nil {
		return nil, err
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// write stores <name>.crt and <name>.key in dir.
func (kp *keyPair) write(dir, name string) error {
	k, err := keyPEM(kp.key)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, name+".crt"), certPEM(kp.cert), 0o600); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, name+".key"), k, 0o600)
}

type pkiFiles struct {
	dir                             string
	caCert, caKey                   string
	apiserverCert, apiserverKey     string
	kubeletClientCert, kubeletClKey string
	kwokCert, kwokKey               string
	saKey, saPub                    string
	caPEM                           []byte
}

func makePKI(dir string) (*pkiFiles, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ca, err := newCA()
	if err != nil {
		return nil, err
	}
	if err := ca.write(dir, "ca"); err != nil {
		return nil, err
	}
	loop := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1"), net.ParseIP("10.96.0.1")}
	apiserver, err := ca.issue("kube-apiserver", nil, []string{
		"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
		"kubernetes.default.svc.cluster", "kubernetes.default.svc.cluster.local",
	}, loop, true, false)
	if err != nil {
		return nil, err
	}
	if err := apiserver.write(dir, "apiserver"); err != nil {
		return nil, err
	}
	kubeletClient, err := ca.issue("kube-apiserver-kubelet-client", []string{"system:masters"}, nil, nil, false, true)
	if err != nil {
		return nil, err
	}
	if err := kubeletClient.write(dir, "apiserver-kubelet-client"); err != nil {
		return nil, err
	}
	kwok, err := ca.issue("kwok-controller", []string{"system:masters"}, []string{"localhost"}, loop, true, true)
	if err != nil {
		return nil, err
	}
	if err := kwok.write(dir, "kwok"); err != nil {
		return nil, err
	}
	sa, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	saKey, err := keyPEM(sa)
	if err != nil {
		return nil, err
	}
	saPub, err := publicKeyPEM(sa)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "sa.key"), saKey, 0o600); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "sa.pub"), saPub, 0o600); err != nil {
		return nil, err
	}
	p := func(n string) string { return filepath.Join(dir, n) }
	return &pkiFiles{
		dir: dir, caCert: p("ca.crt"), caKey: p("ca.key"),
		apiserverCert: p("apiserver.crt"), apiserverKey: p("apiserver.key"),
		kubeletClientCert: p("apiserver-kubelet-client.crt"), kubeletClKey: p("apiserver-kubelet-client.key"),
		kwokCert: p("kwok.crt"), kwokKey: p("kwok.key"),
		saKey: p("sa.key"), saPub: p("sa.pub"),
		caPEM: certPEM(ca.cert),
	}, nil
}

func randomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}
