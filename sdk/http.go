package aires

import (
	"io"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"time"
)

// MiddlewareConfig configures Middleware.
type MiddlewareConfig struct {
	// Client receives the events; nil means the package's default client at
	// the time of each request.
	Client *Client
	// RecoverPanics answers 500 (when nothing was written yet) after a
	// handler panic instead of panicking again. Default false: the panic is
	// recorded, then re-raised, so net/http (or an outer middleware) handles
	// it as it would without Aires.
	RecoverPanics bool
	// ClientIPHeader, when set (for example "X-Forwarded-For"), is read for
	// the client address (its first entry) before r.RemoteAddr. Only set it
	// behind a proxy you trust.
	ClientIPHeader string
	// Skip, when set, returns true for requests that get no event (health
	// checks).
	Skip func(*http.Request) bool
	// Options are added to every event (tags, a service override...).
	Options []Option
}

// Middleware returns net/http middleware that sends one event per request:
// message "METHOD route" (the path when no route matched), Event.http with
// method, route (Go 1.22+ ServeMux pattern, r.Pattern, without its method and
// host), path, status, duration, request and response sizes, user agent and
// client address; severity info, warn for 4xx, error for 5xx. The OTel span
// of the request context, if any, fills trace_id/span_id.
//
// A panic in the handler becomes an error event with Event.error (type,
// message and stack of the panic) and status 500, then is re-raised or
// answered with 500 (MiddlewareConfig.RecoverPanics). http.ErrAbortHandler is
// always re-raised without an error event.
func Middleware(cfg MiddlewareConfig) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return &middleware{cfg: cfg, next: next}
	}
}

type middleware struct {
	cfg  MiddlewareConfig
	next http.Handler
}

func (m *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c := m.cfg.Client
	if c == nil {
		c = Default()
	}
	if c == nil || (m.cfg.Skip != nil && m.cfg.Skip(r)) {
		m.next.ServeHTTP(w, r)
		return
	}
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	var body *countingBody
	if r.ContentLength < 0 && r.Body != nil && r.Body != http.NoBody {
		body = &countingBody{ReadCloser: r.Body}
		r.Body = body
	}
	defer func() {
		p := recover()
		if p != nil && p != http.ErrAbortHandler {
			sw.status = http.StatusInternalServerError
		}
		m.record(c, r, sw, body, start, p)
		if p == nil {
			return
		}
		if m.cfg.RecoverPanics && p != http.ErrAbortHandler {
			if !sw.wrote {
				http.Error(sw, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
			}
			return
		}
		panic(p)
	}()
	m.next.ServeHTTP(sw, r)
}

func (m *middleware) record(c *Client, r *http.Request, sw *statusWriter, body *countingBody, start time.Time, p any) {
	defer func() { _ = recover() }() // never turn a request into a panic
	status := sw.status
	if status == 0 {
		status = http.StatusOK // nothing written: net/http answers 200
	}
	route := routeOf(r.Pattern)
	reqSize := r.ContentLength
	if body != nil {
		reqSize = body.n
	} else if reqSize < 0 {
		reqSize = 0
	}
	h := HTTP{
		Method:        r.Method,
		Route:         route,
		Path:          r.URL.Path,
		StatusCode:    status,
		Duration:      time.Since(start),
		RequestSize:   reqSize,
		ResponseSize:  sw.size,
		UserAgent:     r.UserAgent(),
		ClientAddress: m.clientAddr(r),
	}
	sev := SeverityInfo
	switch {
	case status >= 500:
		sev = SeverityError
	case status >= 400:
		sev = SeverityWarn
	}
	name := route
	if name == "" {
		name = r.URL.Path
	}
	var buf [8]Option
	opts := append(buf[:0], m.cfg.Options...)
	opts = append(opts, WithHTTP(h), WithContext(r.Context()))
	if p != nil && p != http.ErrAbortHandler {
		opts = append(opts, panicOption(p))
	}
	c.Log(sev, r.Method+" "+name, opts...)
}

func panicOption(p any) Option {
	stack := string(debug.Stack())
	if err, ok := p.(error); ok {
		return WithErrorInfo(errorType(err), "panic: "+safeErrorString(err), stack)
	}
	return WithErrorInfo("panic", "panic: "+safeSprint(p), stack)
}

// routeOf strips "METHOD " and the host from a ServeMux pattern.
func routeOf(pattern string) string {
	if i := strings.IndexByte(pattern, ' '); i >= 0 {
		pattern = strings.TrimLeft(pattern[i+1:], " \t")
	}
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		pattern = pattern[i:]
	}
	return pattern
}

func (m *middleware) clientAddr(r *http.Request) string {
	if m.cfg.ClientIPHeader != "" {
		if v := r.Header.Get(m.cfg.ClientIPHeader); v != "" {
			first, _, _ := strings.Cut(v, ",")
			return strings.TrimSpace(first)
		}
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return host
	}
	return r.RemoteAddr
}

// statusWriter records the status and the body size. Unwrap lets
// http.ResponseController reach the underlying writer's features.
type statusWriter struct {
	http.ResponseWriter
	status int
	size   int64
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote && code >= 200 {
		w.status, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	n, err := w.ResponseWriter.Write(b)
	w.size += int64(n)
	return n, err
}

func (w *statusWriter) Flush() {
	if !w.wrote {
		w.status, w.wrote = http.StatusOK, true
	}
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

type countingBody struct {
	io.ReadCloser
	n int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	return n, err
}
