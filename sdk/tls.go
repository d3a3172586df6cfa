package aires

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"sync/atomic"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// transportTLS returns the TLS configuration of the gRPC connection: nil
// (plaintext) when neither Config.TLS nor a TLS file is set. The files are
// added to a copy of Config.TLS, so both can be combined (for example a
// ServerName from Config.TLS and the CA from TLSCAFile).
func transportTLS(cfg *Config) (*tls.Config, error) {
	if cfg.TLSCAFile == "" && cfg.TLSCertFile == "" && cfg.TLSKeyFile == "" {
		return cfg.TLS, nil
	}
	var tc *tls.Config
	if cfg.TLS != nil {
		tc = cfg.TLS.Clone()
	} else {
		tc = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	if cfg.TLSCAFile != "" {
		pem, err := os.ReadFile(cfg.TLSCAFile)
		if err != nil {
			return nil, fmt.Errorf("aires: cannot read Config.TLSCAFile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("aires: Config.TLSCAFile %q holds no PEM certificate (expected one or more \"BEGIN CERTIFICATE\" blocks)", cfg.TLSCAFile)
		}
		tc.RootCAs = pool
	}
	if (cfg.TLSCertFile == "") != (cfg.TLSKeyFile == "") {
		return nil, fmt.Errorf("aires: Config.TLSCertFile (%q) and Config.TLSKeyFile (%q) go together: set both for a client certificate, or neither", cfg.TLSCertFile, cfg.TLSKeyFile)
	}
	if cfg.TLSCertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCertFile, cfg.TLSKeyFile)
		if err != nil {
			return nil, fmt.Errorf("aires: cannot load the client certificate from Config.TLSCertFile %q and Config.TLSKeyFile %q: %w", cfg.TLSCertFile, cfg.TLSKeyFile, err)
		}
		tc.Certificates = []tls.Certificate{cert}
	}
	return tc, nil
}

// certWatch notes that the collector asked for a client certificate while
// none is configured. A collector that requires one (mutual TLS) then drops
// the connection, and with TLS 1.3 the client sees only "broken pipe" or
// "connection reset": the warning would not say what to fix.
type certWatch struct{ asked atomic.Bool }

// watch returns tc set to record the collector's request for a client
// certificate, when tc has none of its own (tc itself is not changed).
func (w *certWatch) watch(tc *tls.Config) *tls.Config {
	if tc == nil || len(tc.Certificates) > 0 || tc.GetClientCertificate != nil {
		return tc
	}
	tc = tc.Clone()
	tc.GetClientCertificate = func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
		w.asked.Store(true)
		return &tls.Certificate{}, nil // send none, as crypto/tls does without this hook
	}
	return tc
}

// explain adds the likely cause to a transport failure after the collector
// asked for a client certificate.
func (w *certWatch) explain(err error) error {
	if err == nil || status.Code(err) != codes.Unavailable || !w.asked.Load() {
		return err
	}
	return status.Error(codes.Unavailable, status.Convert(err).Message()+
		"; the collector asked for a client certificate (mutual TLS) and none is configured: set Config.TLSCertFile and Config.TLSKeyFile")
}
