package e2e

import (
	"crypto"
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
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	aires "github.com/aires-dev/aires/sdk"
)

// pki holds PEM files made for one test run: a CA, a server certificate for
// 127.0.0.1 and localhost, and a client certificate, all signed by the CA.
type pki struct {
	CA, ServerCert, ServerKey, ClientCert, ClientKey string
}

func newPKI(t *testing.T) *pki {
	t.Helper()
	dir := t.TempDir()
	notBefore, notAfter := time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	caKey := ecKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Aires e2e CA"},
		NotBefore: notBefore, NotAfter: notAfter,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caCert, caFile := signCert(t, dir, "ca", caTmpl, caTmpl, caKey, caKey)
	p := &pki{CA: caFile}

	leaf := func(serial int64, cn string, usage x509.ExtKeyUsage) *x509.Certificate {
		return &x509.Certificate{
			SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: notBefore, NotAfter: notAfter,
			KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{usage},
		}
	}
	server := leaf(2, "aires-collector", x509.ExtKeyUsageServerAuth)
	server.IPAddresses = []net.IP{net.IPv4(127, 0, 0, 1)}
	server.DNSNames = []string{"localhost"}
	serverKey := ecKey(t)
	_, p.ServerCert = signCert(t, dir, "server", server, caCert, serverKey, caKey)
	p.ServerKey = writeKey(t, dir, "server", serverKey)

	clientKey := ecKey(t)
	_, p.ClientCert = signCert(t, dir, "client", leaf(3, "aires-sdk", x509.ExtKeyUsageClientAuth), caCert, clientKey, caKey)
	p.ClientKey = writeKey(t, dir, "client", clientKey)
	return p
}

func ecKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

// signCert issues tmpl for key's public half, signed by parent with
// parentKey, and writes it to dir/name.pem.
func signCert(t *testing.T, dir, name string, tmpl, parent *x509.Certificate, key *ecdsa.PrivateKey, parentKey crypto.Signer) (*x509.Certificate, string) {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	path := filepath.Join(dir, name+".pem")
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	return cert, path
}

func writeKey(t *testing.T, dir, name string, key *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	path := filepath.Join(dir, name+"-key.pem")
	require.NoError(t, os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600))
	return path
}

// sendSDK sends n events as service through a new SDK client and returns
// its final stats and warnings.
func sendSDK(t *testing.T, cfg aires.Config, service string, n int) (aires.Stats, string) {
	t.Helper()
	log, buf := warnLog()
	cfg.Service, cfg.Logger = service, log
	cfg.InitialBackoff = 10 * time.Millisecond
	c, err := aires.New(cfg)
	require.NoError(t, err)
	for i := range n {
		c.Info(fmt.Sprintf("%s %d", service, i), aires.Int("i", i))
	}
	require.NoError(t, c.Shutdown(ctxTimeout(t, 30*time.Second)))
	return c.Stats(), buf.String()
}

// The aires/tls receiver (TLS and a token): an SDK client that trusts the
// test CA is stored; a plaintext client and one that does not trust the CA
// are refused.
func (e *secureEnv) testTLS(t *testing.T) {
	tlsTarget := target(e.settings.TLSPort)
	st, warns := sendSDK(t, aires.Config{Endpoint: tlsTarget, TLSCAFile: e.settings.PKI.CA, APIKey: e.token}, "sdk-tls", 5)
	assert.Equal(t, uint64(5), st.Sent, "stats %+v, warnings:\n%s", st, warns)
	e.waitRows(t, "sdk-tls", 5)

	// "localhost" is in the certificate too.
	st, warns = sendSDK(t, aires.Config{
		Endpoint: fmt.Sprintf("localhost:%d", e.settings.TLSPort), TLSCAFile: e.settings.PKI.CA, APIKey: e.token,
	}, "sdk-tls-localhost", 1)
	assert.Equal(t, uint64(1), st.Sent, "stats %+v, warnings:\n%s", st, warns)

	for _, tc := range []struct {
		service string
		cfg     aires.Config
	}{
		{"sdk-plaintext-to-tls", aires.Config{Endpoint: tlsTarget, APIKey: e.token, MaxRetries: -1}},
		{"sdk-tls-unknown-ca", aires.Config{Endpoint: tlsTarget, TLSCertFile: e.settings.PKI.ClientCert, TLSKeyFile: e.settings.PKI.ClientKey, APIKey: e.token, MaxRetries: -1}},
	} {
		st, warns := sendSDK(t, tc.cfg, tc.service, 3)
		assert.Equal(t, aires.Stats{Enqueued: 3, Failed: 3}, st, "%s: warnings:\n%s", tc.service, warns)
		assert.Contains(t, warns, "dropped a batch", tc.service)
	}
	e.waitRows(t, "sdk-tls-localhost", 1)
	assert.Zero(t, e.rows(t, "sdk-plaintext-to-tls"))
	assert.Zero(t, e.rows(t, "sdk-tls-unknown-ca"))
}

// The aires/mtls receiver requires a client certificate signed by the CA
// of its client_ca_file.
func (e *secureEnv) testMutualTLS(t *testing.T) {
	mtlsTarget := target(e.settings.MTLSPort)
	p := e.settings.PKI
	st, warns := sendSDK(t, aires.Config{Endpoint: mtlsTarget, TLSCAFile: p.CA, TLSCertFile: p.ClientCert, TLSKeyFile: p.ClientKey}, "sdk-mtls", 4)
	assert.Equal(t, uint64(4), st.Sent, "stats %+v, warnings:\n%s", st, warns)

	// Trusts the server, presents no certificate: refused at the handshake.
	st, warns = sendSDK(t, aires.Config{Endpoint: mtlsTarget, TLSCAFile: p.CA, MaxRetries: -1}, "sdk-mtls-no-cert", 3)
	assert.Equal(t, aires.Stats{Enqueued: 3, Failed: 3}, st, "warnings:\n%s", warns)
	assert.Contains(t, warns, "asked for a client certificate", "the warning says what to set")

	// A certificate the CA did not sign (the server's own key pair is
	// signed by it, so use a self-signed client certificate).
	dir := t.TempDir()
	selfKey := ecKey(t)
	self := &x509.Certificate{
		SerialNumber: big.NewInt(9), Subject: pkix.Name{CommonName: "stranger"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	_, selfCert := signCert(t, dir, "stranger", self, self, selfKey, selfKey)
	st, warns = sendSDK(t, aires.Config{Endpoint: mtlsTarget, TLSCAFile: p.CA, TLSCertFile: selfCert, TLSKeyFile: writeKey(t, dir, "stranger", selfKey), MaxRetries: -1}, "sdk-mtls-stranger", 3)
	assert.Equal(t, aires.Stats{Enqueued: 3, Failed: 3}, st, "warnings:\n%s", warns)

	e.waitRows(t, "sdk-mtls", 4)
	assert.Zero(t, e.rows(t, "sdk-mtls-no-cert"))
	assert.Zero(t, e.rows(t, "sdk-mtls-stranger"))
}
