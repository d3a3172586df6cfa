// Package chdb runs ClickHouse in this process through chDB's libchdb.so
// (installed by scripts/chdb.sh), for tests against a modern ClickHouse
// engine where no modern server can be installed.
//
// It binds the few functions of chDB's C API it needs with purego, as the
// chdb-go module does, but loads the library on Open rather than in a package
// init: chdb-go panics at init when libchdb.so is missing, which would make
// the tests crash instead of skipping on a machine without chDB.
package chdb

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"unsafe"

	"github.com/ebitengine/purego"
)

// Version is the npm chdb package scripts/chdb.sh installs.
const Version = "3.4.0"

// api holds chDB's C functions, bound once.
var api struct {
	once    sync.Once
	err     error
	path    string
	connect func(argc int, argv []*byte) *connection
	close   func(conn *connection)
	query   func(conn unsafe.Pointer, query, format string) *result
	destroy func(res *result)
	buffer  func(res *result) *byte
	length  func(res *result) uintptr
	errMsg  func(res *result) string
}

// connection and result mirror chdb.h's chdb_connection and chdb_result:
// opaque handles around one pointer (a result is only passed back to chDB).
type connection struct{ internal unsafe.Pointer }
type result struct{ _ unsafe.Pointer }

// LibPath finds libchdb.so: $CHDB_LIB_PATH, else the folders of
// $LD_LIBRARY_PATH, else scripts/chdb.sh's default install folder.
func LibPath() (string, error) {
	if p := os.Getenv("CHDB_LIB_PATH"); p != "" {
		return p, nil
	}
	var tried []string
	for _, dir := range filepath.SplitList(os.Getenv("LD_LIBRARY_PATH")) {
		if dir != "" {
			tried = append(tried, filepath.Join(dir, "libchdb.so"))
		}
	}
	cache := os.Getenv("AIRES_CACHE")
	if cache == "" {
		if home, err := os.UserHomeDir(); err == nil {
			cache = filepath.Join(home, ".cache", "aires")
		}
	}
	if cache != "" {
		tried = append(tried, filepath.Join(cache, "chdb-"+Version, "node_modules", "@chdb", "lib-linux-x64-gnu", "libchdb.so"))
	}
	for _, p := range tried {
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("libchdb.so not found (looked at %s): run scripts/chdb.sh install and set LD_LIBRARY_PATH to the folder it prints, or run make test-modern",
		strings.Join(tried, ", "))
}

func load() error {
	api.once.Do(func() {
		path, err := LibPath()
		if err != nil {
			api.err = err
			return
		}
		lib, err := purego.Dlopen(path, purego.RTLD_NOW|purego.RTLD_GLOBAL)
		if err != nil {
			api.err = fmt.Errorf("load %s: %w", path, err)
			return
		}
		api.path = path
		purego.RegisterLibFunc(&api.connect, lib, "chdb_connect")
		purego.RegisterLibFunc(&api.close, lib, "chdb_close_conn")
		purego.RegisterLibFunc(&api.query, lib, "chdb_query")
		purego.RegisterLibFunc(&api.destroy, lib, "chdb_destroy_query_result")
		purego.RegisterLibFunc(&api.buffer, lib, "chdb_result_buffer")
		purego.RegisterLibFunc(&api.length, lib, "chdb_result_length")
		purego.RegisterLibFunc(&api.errMsg, lib, "chdb_result_error")
	})
	return api.err
}

// Session is one chDB connection with its data in a folder. chDB allows one
// open session per process; queries on it are serialized.
type Session struct {
	mu   sync.Mutex
	conn *connection
	Dir  string
	Lib  string // the libchdb.so it runs on
}

// Open loads libchdb.so and opens a session keeping its data in dir.
func Open(dir string) (*Session, error) {
	if err := load(); err != nil {
		return nil, err
	}
	argv := []string{"clickhouse", "--path=" + dir}
	cargv := make([]*byte, len(argv))
	for i, a := range argv {
		b := append([]byte(a), 0)
		cargv[i] = &b[0]
	}
	conn := api.connect(len(cargv), cargv)
	if conn == nil || conn.internal == nil {
		return nil, fmt.Errorf("chdb_connect with data in %s failed (is another chDB session open in this process?)", dir)
	}
	return &Session{conn: conn, Dir: dir, Lib: api.path}, nil
}

// Query runs one statement and returns its output in format (for example
// TabSeparated, JSONEachRow, Native).
func (s *Session) Query(query, format string) ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil, errors.New("chdb: query on a closed session")
	}
	res := api.query(s.conn.internal, query, format)
	if res == nil {
		return nil, nil
	}
	defer api.destroy(res)
	if msg := api.errMsg(res); msg != "" {
		return nil, fmt.Errorf("chdb: %s\nquery: %s", strings.TrimSpace(msg), query)
	}
	n := int(api.length(res))
	if n == 0 {
		return nil, nil
	}
	return append([]byte(nil), unsafe.Slice(api.buffer(res), n)...), nil
}

// Exec runs one statement and discards its output.
func (s *Session) Exec(query string) error {
	_, err := s.Query(query, "TabSeparated")
	return err
}

// Close closes the session; its data folder stays.
func (s *Session) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn != nil {
		api.close(s.conn)
		s.conn = nil
	}
}

// InsertNative loads data, blocks in ClickHouse's Native format, into table
// (with its column list, for example "db.t (a, b)") by INSERT ... FORMAT
// Native. chDB takes the query as a C string, which cannot carry the NUL
// bytes of binary data, so the bytes go through a file in the session's
// folder (FROM INFILE).
func (s *Session) InsertNative(table string, data []byte) error {
	f, err := os.CreateTemp(s.Dir, "native-*.bin")
	if err != nil {
		return fmt.Errorf("chdb: stage Native data: %w", err)
	}
	defer os.Remove(f.Name())
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("chdb: stage Native data: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("chdb: stage Native data: %w", err)
	}
	return s.Exec("INSERT INTO " + table + " FROM INFILE '" + f.Name() + "' FORMAT Native")
}
