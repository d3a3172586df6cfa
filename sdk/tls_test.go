package aires

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
)

// testPKI is a CA with a server certificate for 127.0.0.1 and a client
// certificate, as PEM files in a temporary directory.
type testPKI struct {
	dir                                                  string
	caFile, serverCert, serverKey, clientCert, clientKey string
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	p := &testPKI{dir: t.TempDir()}
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "aires test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	p.caFile = p.writePEM(t, "ca.pem", "CERTIFICATE", caDER)
	issue := func(name string, serial int64, usage x509.ExtKeyUsage, ips []net.IP) (string, string) {
		key := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: name},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage}, IPAddresses: ips,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return p.writePEM(t, name+".pem", "CERTIFICATE", der), p.writePEM(t, name+"-key.pem", "PRIVATE KEY", keyDER)
	}
	p.serverCert, p.serverKey = issue("server", 2, x509.ExtKeyUsageServerAuth, []net.IP{net.IPv4(127, 0, 0, 1)})
	p.clientCert, p.clientKey = issue("client", 3, x509.ExtKeyUsageClientAuth, nil)
	return p
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func (p *testPKI) writePEM(t *testing.T, name, typ string, der []byte) string {
	t.Helper()
	path := filepath.Join(p.dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// serverCreds is the server side: TLS, and mutual TLS when mutual is set.
func (p *testPKI) serverCreds(t *testing.T, mutual bool) grpc.ServerOption {
	t.Helper()
	cert, err := tls.LoadX509KeyPair(p.serverCert, p.serverKey)
	if err != nil {
		t.Fatal(err)
	}
	tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if mutual {
		pool := x509.NewCertPool()
		b, err := os.ReadFile(p.caFile)
		if err != nil {
			t.Fatal(err)
		}
		pool.AppendCertsFromPEM(b)
		tc.ClientCAs, tc.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return grpc.Creds(credentials.NewTLS(tc))
}

// The TLS files of Config against a real TLS server on loopback.
func TestTLSFiles(t *testing.T) {
	p := newTestPKI(t)
	for _, tc := range []struct {
		name      string
		mutual    bool // server requires a client certificate
		cfg       Config
		delivered bool
		hint      string // in the warning of a refused client
	}{
		{"CA file", false, Config{TLSCAFile: p.caFile}, true, ""},
		{"CA file and client certificate under mTLS", true, Config{TLSCAFile: p.caFile, TLSCertFile: p.clientCert, TLSKeyFile: p.clientKey}, true, ""},
		{"files added to Config.TLS", true, Config{TLS: &tls.Config{ServerName: "127.0.0.1"}, TLSCAFile: p.caFile, TLSCertFile: p.clientCert, TLSKeyFile: p.clientKey}, true, ""},
		{"no client certificate under mTLS", true, Config{TLSCAFile: p.caFile}, false, "set Config.TLSCertFile and Config.TLSKeyFile"},
		{"server CA unknown (system roots)", false, Config{TLSCertFile: p.clientCert, TLSKeyFile: p.clientKey}, false, "certificate signed by unknown authority"},
		{"plaintext client, TLS server", false, Config{}, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, nil, p.serverCreds(t, tc.mutual))
			log, buf := testLogger()
			cfg := tc.cfg
			cfg.Endpoint, cfg.Logger, cfg.MaxRetries = srv.addr, log, -1
			c := newTestClient(t, cfg)
			c.Info("over tls")
			flush(t, c)
			st := c.Stats()
			if tc.delivered {
				if len(srv.events()) != 1 || st.Sent != 1 {
					t.Fatalf("stored %d events, stats %+v, want 1 sent; log:\n%s", len(srv.events()), st, buf.String())
				}
				return
			}
			if len(srv.events()) != 0 || st.Failed != 1 {
				t.Fatalf("stored %d events, stats %+v, want the event refused and counted failed", len(srv.events()), st)
			}
			if tc.hint != "" && !strings.Contains(buf.String(), tc.hint) {
				t.Fatalf("warning does not say %q:\n%s", tc.hint, buf.String())
			}
		})
	}
}

// Unusable TLS files are a configuration error of New, said plainly.
func TestTLSFilesErrors(t *testing.T) {
	p := newTestPKI(t)
	notPEM := filepath.Join(t.TempDir(), "ca.txt")
	if err := os.WriteFile(notPEM, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"missing CA file", Config{TLSCAFile: filepath.Join(p.dir, "nope.pem")}, "cannot read Config.TLSCAFile"},
		{"CA file not PEM", Config{TLSCAFile: notPEM}, "holds no PEM certificate"},
		{"certificate without key", Config{TLSCertFile: p.clientCert}, "go together"},
		{"key without certificate", Config{TLSKeyFile: p.clientKey}, "go together"},
		{"key of another certificate", Config{TLSCertFile: p.clientCert, TLSKeyFile: p.serverKey}, "cannot load the client certificate"},
	} {
		t.Run(tc.name, func(t *testing.T) { newRefuses(t, tc.cfg, tc.want) })
	}
}
