package modern

import (
	"bufio"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aires-dev/aires/internal/chtest"
)

// sqlExample is one statement of a ```sql block of a README.
type sqlExample struct {
	where string // file:line of the block
	sql   string
}

// readmeExamples extracts every statement of every ```sql block of the
// repository's README.md files, so a new example is tested without being
// listed here.
func readmeExamples(tb testing.TB) []sqlExample {
	tb.Helper()
	root, err := chtest.RepoRoot()
	if err != nil {
		tb.Fatal(err)
	}
	var examples []sqlExample
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "build" || d.Name() == "bin" || d.Name() == "node_modules" || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || d.Name() != "README.md" {
			return nil
		}
		f, err := os.Open(path)
		if err != nil {
			return err
		}
		defer f.Close()
		rel, _ := filepath.Rel(root, path)
		blocks, err := sqlBlocks(f, rel)
		examples = append(examples, blocks...)
		return err
	})
	if err != nil {
		tb.Fatal(err)
	}
	return examples
}

// sqlBlocks reads the ```sql fences of a markdown file and splits them into
// statements.
func sqlBlocks(r io.Reader, name string) ([]sqlExample, error) {
	var out []sqlExample
	sc := bufio.NewScanner(r)
	var block []string
	start, line, in := 0, 0, false
	for sc.Scan() {
		line++
		text := sc.Text()
		trimmed := strings.TrimSpace(text)
		switch {
		case !in && strings.HasPrefix(trimmed, "```sql"):
			in, start, block = true, line, nil
		case in && strings.HasPrefix(trimmed, "```"):
			in = false
			for _, stmt := range splitStatements(strings.Join(block, "\n")) {
				out = append(out, sqlExample{where: fmt.Sprintf("%s:%d", name, start), sql: stmt})
			}
		case in:
			block = append(block, text)
		}
	}
	if in {
		return out, fmt.Errorf("%s:%d: ```sql block without its closing fence", name, start)
	}
	return out, sc.Err()
}

// splitStatements splits SQL at the semicolons outside quotes and
// comments, dropping the comments and empty statements.
func splitStatements(sql string) []string {
	var stmts []string
	var cur strings.Builder
	var quote byte
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			stmts = append(stmts, s)
		}
		cur.Reset()
	}
	for i := 0; i < len(sql); i++ {
		c := sql[i]
		switch {
		case quote != 0 && c == '\\' && i+1 < len(sql):
			cur.WriteByte(c)
			i++
			c = sql[i]
		case quote != 0 && c == quote:
			quote = 0
		case quote == 0 && (c == '\'' || c == '`' || c == '"'):
			quote = c
		case quote == 0 && c == '-' && strings.HasPrefix(sql[i:], "--"):
			for i < len(sql) && sql[i] != '\n' {
				i++
			}
			c = '\n'
		case quote == 0 && c == ';':
			flush()
			continue
		}
		cur.WriteByte(c)
	}
	flush()
	return stmts
}

// readmeEvents are rows every README example finds something in: a recent
// checkout error in a trace, an HTTP request, the attributes the examples
// read.
func readmeEvents(now time.Time) []event {
	return []event{
		{ts: now.Add(-2 * time.Minute), service: "checkout", severity: "error", message: "payment declined",
			traceID: "4bf92f3577b34da6a3ce929d0e0e4736", method: "POST", route: "/orders", status: 502, durationMs: 90,
			strAttrs: map[string]string{"order.id": "A-17"}, intAttrs: map[string]int64{"order.items": 3}, floatAttrs: map[string]float64{"order.total": 99.5}},
		{ts: now.Add(-time.Minute), service: "checkout", severity: "info", message: "order placed",
			traceID: "4bf92f3577b34da6a3ce929d0e0e4736", method: "GET", route: "/orders/{id}", status: 200, durationMs: 12.5},
		// An OTLP record dated after 2106, stored at its observed time with
		// the time it was sent kept (the exporter README's example).
		{ts: now.Add(-30 * time.Second), service: "legacy-device", severity: "warn", message: "clock far ahead",
			strAttrs: map[string]string{"aires.original_timestamp_ns": "7258118400000000000"}},
	}
}

// runReadmeExamples creates the schema of e's version in database aires,
// inserts readmeEvents and runs every example; every SELECT must return
// rows.
func runReadmeExamples(t *testing.T, e sqlEngine) {
	examples := readmeExamples(t)
	if len(examples) < 10 {
		t.Fatalf("found %d SQL examples in the READMEs, want the dozen or more they hold: is the extraction broken?", len(examples))
	}
	s := createSchema(t, e, "aires", engineVersion(t, e))
	insertEvents(t, e, s.Table, 1, readmeEvents(time.Now()))
	t.Logf("%d SQL statements from the READMEs on ClickHouse %s", len(examples), engineVersion(t, e))
	for _, ex := range examples {
		out, err := e.Query(ex.sql, "TabSeparated")
		if err != nil {
			t.Errorf("%s: %v", ex.where, err)
			continue
		}
		if strings.HasPrefix(strings.ToUpper(ex.sql), "SELECT") && strings.TrimSpace(string(out)) == "" {
			t.Errorf("%s: no rows (add what it looks for to readmeEvents):\n%s", ex.where, ex.sql)
		}
	}
}

// TestReadmeExamples26 runs every SQL example of the READMEs on 26.7.
func TestReadmeExamples26(t *testing.T) {
	runReadmeExamples(t, engine(t))
}

// TestReadmeExamples18 runs every SQL example of the READMEs on Debian's
// 18.16 server, started by scripts/clickhouse.sh, over HTTP.
func TestReadmeExamples18(t *testing.T) {
	srv := chtest.Start(t)
	runReadmeExamples(t, httpEngine{url: fmt.Sprintf("http://127.0.0.1:%d/", srv.HTTPPort)})
}

// httpEngine runs statements through ClickHouse's HTTP interface.
type httpEngine struct{ url string }

func (h httpEngine) Exec(query string) error {
	_, err := h.Query(query, "")
	return err
}

func (h httpEngine) Query(query, format string) ([]byte, error) {
	u := h.url
	if format != "" {
		u += "?default_format=" + url.QueryEscape(format)
	}
	client := http.Client{Timeout: 30 * time.Second}
	resp, err := client.Post(u, "text/plain", strings.NewReader(query))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("clickhouse http %d: %s\nquery: %s", resp.StatusCode, strings.TrimSpace(string(body)), query)
	}
	return body, nil
}

func TestSplitStatements(t *testing.T) {
	got := splitStatements("-- a comment; with a semicolon\nSELECT 'a;b' -- don't split\nFROM t;\n\nSELECT 2;")
	want := []string{"SELECT 'a;b' \nFROM t", "SELECT 2"}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("splitStatements = %q, want %q", got, want)
	}
}
