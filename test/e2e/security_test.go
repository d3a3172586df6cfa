package e2e

import (
	"bytes"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/aires-dev/aires/internal/collectortest"
)

// The security tests share one ClickHouse server (with a user that has a
// password, secrets_test.go) and one collector configured as the README's
// "Security" section recommends: every receiver behind the bearertokenauth
// extension or TLS, the ClickHouse password and the token from the
// environment. Each subtest sends as its own service and counts its rows.

// secureSettings fill secureTemplate.
type secureSettings struct {
	AiresPort, TLSPort, MTLSPort, OTLPPort, HealthPort int
	ClickHouse                                         string
	PKI                                                *pki
}

const secureDatabase = "aires_sec"

const secureTemplate = `
extensions:
  health_check:
    endpoint: 127.0.0.1:{{.HealthPort}}
  bearertokenauth:
    token: ${env:AIRES_TOKEN}
receivers:
  aires:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{{.AiresPort}}
        auth:
          authenticator: bearertokenauth
  aires/tls:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{{.TLSPort}}
        tls:
          cert_file: {{.PKI.ServerCert}}
          key_file: {{.PKI.ServerKey}}
        auth:
          authenticator: bearertokenauth
  aires/mtls:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{{.MTLSPort}}
        tls:
          cert_file: {{.PKI.ServerCert}}
          key_file: {{.PKI.ServerKey}}
          client_ca_file: {{.PKI.CA}}
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{{.OTLPPort}}
        auth:
          authenticator: bearertokenauth
processors:
  aires_transform:
exporters:
  aires_clickhouse:
    endpoint: {{.ClickHouse}}
    database: ` + secureDatabase + `
    username: ` + passwordUser + `
    password: ${env:AIRES_CLICKHOUSE_PASSWORD}
    create_schema: true
    timeout: 5s
    insert_batch: {max_delay: 200ms}
service:
  extensions: [health_check, bearertokenauth]
` + debugTelemetry + `
  pipelines:
    logs:
      receivers: [aires, aires/tls, aires/mtls, otlp]
      processors: [aires_transform]
      exporters: [aires_clickhouse]
`

// debugTelemetry is the collector's own output at its most talkative, the
// level where a secret would most likely slip out; no metrics server.
const debugTelemetry = `  telemetry:
    logs:
      level: debug
    metrics:
      level: none
`

// secret is a random string that cannot appear in any output by chance.
func secret(t *testing.T, prefix string) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return prefix + hex.EncodeToString(b)
}

func TestSecurity(t *testing.T) {
	bin := collectorBinary(t)
	ch, chPassword := startClickHouseWithPasswordUser(t)
	db := ch.DB(t)
	token := secret(t, "token-")
	s := secureSettings{
		AiresPort: freePort(t), TLSPort: freePort(t), MTLSPort: freePort(t), OTLPPort: freePort(t),
		HealthPort: freePort(t), ClickHouse: ch.Endpoint(), PKI: newPKI(t),
	}
	var cfg bytes.Buffer
	if err := template.Must(template.New("cfg").Parse(secureTemplate)).Execute(&cfg, s); err != nil {
		t.Fatal(err)
	}
	col := &collector{output: &lockedBuffer{}}
	proc, err := collectortest.Start(bin, t.TempDir(), cfg.String(), s.HealthPort, col.output,
		[]string{"AIRES_TOKEN=" + token, "AIRES_CLICKHOUSE_PASSWORD=" + chPassword})
	if err != nil {
		t.Fatalf("%v\n%s", err, col.output.String())
	}
	col.proc = proc
	t.Cleanup(col.stop)

	sec := &secureEnv{settings: s, db: db, col: col, token: token}
	t.Run("aires receiver refuses a missing or wrong token", sec.testTokenRefused)
	t.Run("SDK with a refused key: no retry, one warning, events failed", sec.testSDKKeyRefused)
	t.Run("SDK APIKey accepted by bearertokenauth", sec.testSDKKeyAccepted)
	t.Run("OTLP receiver behind the same authenticator", sec.testOTLPToken)
	t.Run("SDK over TLS", sec.testTLS)
	t.Run("SDK over mutual TLS", sec.testMutualTLS)
	t.Run("secrets from the environment never logged", func(t *testing.T) {
		col.alive(t)
		// Debug-level output of a collector that refused tokens, served TLS
		// and wrote to ClickHouse with the password.
		out := col.output.String()
		for name, v := range map[string]string{"ClickHouse password": chPassword, "bearer token": token, "refused token": sec.wrongToken} {
			if v != "" && strings.Contains(out, v) {
				t.Errorf("the %s appears in the collector's output", name)
			}
		}
	})
	t.Run("wrong ClickHouse password reported, never printed", func(t *testing.T) {
		testWrongPasswordNotLogged(t, bin, ch.Endpoint())
	})
}

// secureEnv is what the subtests share.
type secureEnv struct {
	settings secureSettings
	db       *sql.DB
	col      *collector
	token    string
	// wrongToken is a token the subtests sent and the collector refused:
	// it must not be logged either (it may be valid somewhere else).
	wrongToken string
}

// rows counts the stored events of one service.
func (e *secureEnv) rows(t *testing.T, service string) uint64 {
	t.Helper()
	var n uint64
	if err := e.db.QueryRow(`SELECT count() FROM `+secureDatabase+`.events WHERE service = ?`, service).Scan(&n); err != nil {
		t.Fatalf("count rows of %s: %v", service, err)
	}
	return n
}

// waitRows waits until service has want rows.
func (e *secureEnv) waitRows(t *testing.T, service string, want uint64) {
	t.Helper()
	waitCount(t, e.db, want, 15*time.Second, `SELECT count() FROM `+secureDatabase+`.events WHERE service = ?`, service)
}
