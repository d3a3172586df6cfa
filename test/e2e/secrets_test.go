package e2e

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/aires-dev/aires/internal/chtest"
	"github.com/aires-dev/aires/internal/collectortest"
)

// passwordUser is the ClickHouse user with a password the secure collector
// writes as.
const passwordUser = "aires_writer"

// defaultUserXML is users.xml's "default" user, without a password, for
// the collector and the tests' own queries; quotasXML is the quota it and
// the other test users name.
const (
	defaultUserXML = `
        <default>
            <password></password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </default>`
	quotasXML = `
    <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>`
)

// usersXML replaces the system users.xml: "default", and passwordUser with
// a password.
const usersXML = `<?xml version="1.0"?>
<yandex>
    <profiles><default><max_memory_usage>10000000000</max_memory_usage></default></profiles>
    <users>` + defaultUserXML + `
        <{{.User}}>
            <password>{{.Password}}</password>
            <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
            <profile>default</profile>
            <quota>default</quota>
        </{{.User}}>
    </users>` + quotasXML + `
</yandex>
`

// startClickHouseWithUsers starts a server whose users.xml is the template
// users filled with data (scripts/clickhouse.sh reads DIR/users.xml
// instead of the system's).
func startClickHouseWithUsers(t *testing.T, users string, data any) *chtest.Server {
	t.Helper()
	dir := t.TempDir()
	var b bytes.Buffer
	if err := template.Must(template.New("users").Parse(users)).Execute(&b, data); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.xml"), b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	ch, err := chtest.StartServer(dir)
	if err != nil {
		chtest.FailOrSkip(t, "cannot start ClickHouse: %v", err)
	}
	t.Cleanup(func() { _ = ch.Stop() })
	return ch
}

// startClickHouseWithPasswordUser starts a server on which passwordUser
// has a random password, returned.
func startClickHouseWithPasswordUser(t *testing.T) (*chtest.Server, string) {
	t.Helper()
	password := secret(t, "chpw-")
	return startClickHouseWithUsers(t, usersXML, map[string]string{"User": passwordUser, "Password": password}), password
}

// wrongPasswordTemplate: a collector whose exporter logs in as passwordUser
// with the password from the environment, at debug level.
const wrongPasswordTemplate = `
extensions:
  health_check:
    endpoint: 127.0.0.1:{{.HealthPort}}
receivers:
  aires:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{{.AiresPort}}
exporters:
  aires_clickhouse:
    endpoint: {{.ClickHouse}}
    database: aires_wrong_pw
    username: ` + passwordUser + `
    password: ${env:AIRES_CLICKHOUSE_PASSWORD}
    create_schema: true
service:
  extensions: [health_check]
` + debugTelemetry + `
  pipelines:
    logs:
      receivers: [aires]
      exporters: [aires_clickhouse]
`

// A wrong password from the environment: the collector says that the
// authentication failed and what to check, and never prints the password.
func testWrongPasswordNotLogged(t *testing.T, bin, endpoint string) {
	wrong := secret(t, "wrongpw-")
	s := struct {
		HealthPort, AiresPort int
		ClickHouse            string
	}{freePort(t), freePort(t), endpoint}
	var cfg bytes.Buffer
	if err := template.Must(template.New("cfg").Parse(wrongPasswordTemplate)).Execute(&cfg, s); err != nil {
		t.Fatal(err)
	}
	out := &lockedBuffer{}
	proc, err := collectortest.Start(bin, t.TempDir(), cfg.String(), s.HealthPort, out,
		[]string{"AIRES_CLICKHOUSE_PASSWORD=" + wrong})
	if err == nil {
		// Started anyway (the exporter may retry in the background): wait
		// for the failure to be reported.
		t.Cleanup(func() { proc.Stop(30 * time.Second) })
		deadline := time.Now().Add(30 * time.Second)
		for !strings.Contains(out.String(), "Wrong password") && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
	}
	got := out.String()
	if !strings.Contains(got, "Wrong password for user "+passwordUser) {
		t.Fatalf("the collector did not report the refused password (start error: %v); output:\n%s", err, got)
	}
	if !strings.Contains(got, "check endpoint, username, password and tls") {
		t.Errorf("the report does not say what to check; output:\n%s", got)
	}
	if strings.Contains(got, wrong) || (err != nil && strings.Contains(err.Error(), wrong)) {
		t.Fatalf("the ClickHouse password from the environment appears in the collector's output")
	}
	t.Logf("collector start: %v", err)
}
