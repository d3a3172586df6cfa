package aires

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
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
