package main

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	aires "github.com/aires-dev/aires/sdk"
)

// Services of the rows the bench writes, so each phase is counted apart.
const (
	serviceLoad  = "aires-bench"       // SDK -> collector load
	serviceProbe = "aires-bench-probe" // latency probes (per-event override)
	serviceRaw   = "aires-bench-raw"   // raw inserts, no collector
	benchEnv     = "bench"
	benchRelease = "1.0.0"
)

// resourceAttrs are set on every SDK client and on every raw row.
var resourceAttrs = [][2]string{{"k8s.pod.name", "checkout-7d9f8-x2x4q"}, {"cloud.region", "eu-west-1"}}

// template is one realistic event, in both shapes: the SDK options that
// produce it, and the column values the collector stores for it (so the raw
// insert writes the same rows without the collector).
type evTemplate struct {
	sev  aires.Severity
	msg  string
	opts []aires.Option

	strK, fltK, intK, boolK []string
	strV                    []string
	intV                    []int64
	fltV                    []float64
	boolV                   []uint8
	tags                    []string
	userID, sessionID       string
	traceID, spanID         string

	httpMethod, httpRoute, httpPath, httpUA, httpIP string
	httpStatus                                      uint16
	httpDurMs                                       float64
	httpReq, httpRes                                int64

	errType, errMsg, errStack string
}

func (t *evTemplate) str(k, v string) {
	t.strK, t.strV = append(t.strK, k), append(t.strV, v)
	t.opts = append(t.opts, aires.String(k, v))
}

func (t *evTemplate) int(k string, v int64) {
	t.intK, t.intV = append(t.intK, k), append(t.intV, v)
	t.opts = append(t.opts, aires.Int64(k, v))
}

func (t *evTemplate) float(k string, v float64) {
	t.fltK, t.fltV = append(t.fltK, k), append(t.fltV, v)
	t.opts = append(t.opts, aires.Float64(k, v))
}

func (t *evTemplate) bool(k string, v bool) {
	var u uint8
	if v {
		u = 1
	}
	t.boolK, t.boolV = append(t.boolK, k), append(t.boolV, u)
	t.opts = append(t.opts, aires.Bool(k, v))
}

var (
	routes   = []string{"/api/orders", "/api/orders/{id}", "/api/cart", "/api/users/{id}", "/api/search", "/healthz", "/api/payments"}
	methods  = []string{"GET", "GET", "GET", "POST", "PUT", "DELETE"}
	agents   = []string{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36", "okhttp/4.12.0", "curl/8.5.0", "Go-http-client/2.0"}
	tiers    = []string{"free", "pro", "enterprise"}
	errTypes = []string{"*net.OpError", "*url.Error", "context.deadlineExceededError", "*pq.Error", "*errors.errorString"}
	errMsgs  = []string{"dial tcp 10.0.3.7:5432: connect: connection refused", "context deadline exceeded", "payment provider returned 502", "pq: duplicate key value violates unique constraint \"orders_pkey\"", "inventory: item out of stock"}
)

// stack is a plausible Go stack trace (about 700 bytes).
func stack(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("goroutine 1842 [running]:\n")
	for _, fn := range []string{"main.(*OrderService).Place", "main.(*Handler).ServeOrders", "net/http.HandlerFunc.ServeHTTP", "github.com/aires-dev/aires/sdk.(*middleware).ServeHTTP", "net/http.(*ServeMux).ServeHTTP", "net/http.serverHandler.ServeHTTP"} {
		fmt.Fprintf(&b, "%s(0xc000%06x, 0xc000%06x)\n\t/src/app/%s.go:%d +0x%x\n", fn, r.IntN(1<<24), r.IntN(1<<24), strings.ToLower(fn[strings.LastIndex(fn, ".")+1:]), 20+r.IntN(400), r.IntN(1<<12))
	}
	return b.String()
}

// makeTemplates builds n events: 65% HTTP requests (info, 4xx as warn), 20%
// business events, 10% errors with HTTP 5xx and an error (type, message,
// stack), 5% slow-query warnings. Each carries 5 to 10 typed attributes,
// trace and span ids, and most a user and a session.
func makeTemplates(n int) []*evTemplate {
	r := rand.New(rand.NewPCG(42, 7))
	ts := make([]*evTemplate, n)
	for i := range ts {
		t := &evTemplate{sev: aires.SeverityInfo}
		var tid [16]byte
		var sid [8]byte
		for j := range tid {
			tid[j] = byte(r.IntN(256))
		}
		for j := range sid {
			sid[j] = byte(r.IntN(256))
		}
		t.traceID, t.spanID = hex.EncodeToString(tid[:]), hex.EncodeToString(sid[:])
		t.opts = append(t.opts, aires.WithTraceID(t.traceID), aires.WithSpanID(t.spanID))
		if r.IntN(10) < 8 {
			t.userID = fmt.Sprintf("user-%d", r.IntN(50000))
			t.sessionID = fmt.Sprintf("sess-%08x", r.Uint32())
			t.opts = append(t.opts, aires.WithUserID(t.userID), aires.WithSessionID(t.sessionID))
		}
		kind := r.IntN(100)
		if kind < 75 { // HTTP request, possibly failing
			route := routes[r.IntN(len(routes))]
			t.httpMethod = methods[r.IntN(len(methods))]
			t.httpRoute = route
			t.httpPath = strings.NewReplacer("{id}", fmt.Sprint(r.IntN(100000))).Replace(route)
			t.httpUA = agents[r.IntN(len(agents))]
			t.httpIP = fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254))
			t.httpStatus = 200
			if r.IntN(20) == 0 {
				t.httpStatus, t.sev = 404, aires.SeverityWarn
			}
			dur := time.Duration(1+r.IntN(250)) * time.Millisecond
			t.httpDurMs = float64(dur) / float64(time.Millisecond)
			t.httpReq, t.httpRes = int64(r.IntN(2048)), int64(256+r.IntN(16384))
			t.msg = t.httpMethod + " " + route
			if kind >= 65 {
				t.httpStatus, t.sev = 500, aires.SeverityError
				t.errType = errTypes[r.IntN(len(errTypes))]
				t.errMsg = errMsgs[r.IntN(len(errMsgs))]
				t.errStack = stack(r)
				t.opts = append(t.opts, aires.WithErrorInfo(t.errType, t.errMsg, t.errStack))
				t.msg = "request failed"
			}
			t.opts = append(t.opts, aires.WithHTTP(aires.HTTP{
				Method: t.httpMethod, Route: t.httpRoute, Path: t.httpPath, StatusCode: int(t.httpStatus),
				Duration: dur, RequestSize: t.httpReq, ResponseSize: t.httpRes,
				UserAgent: t.httpUA, ClientAddress: t.httpIP,
			}))
			t.str("customer.tier", tiers[r.IntN(len(tiers))])
			t.str("request.id", fmt.Sprintf("req-%016x", r.Uint64()))
			t.int("db.queries", int64(r.IntN(12)))
			t.bool("cache.hit", r.IntN(2) == 0)
			t.float("cpu.ms", float64(r.IntN(20000))/100)
			for k := 0; k < r.IntN(4); k++ { // 5 to 8 attributes
				t.str(fmt.Sprintf("feature.flag_%d", k), []string{"on", "off", "control"}[r.IntN(3)])
			}
		} else if kind < 95 { // business event
			t.msg = []string{"order placed", "cart updated", "payment authorized", "user signed in"}[r.IntN(4)]
			t.str("order.id", fmt.Sprintf("A-%d", r.IntN(1_000_000)))
			t.str("currency", []string{"EUR", "USD", "GBP"}[r.IntN(3)])
			t.int("order.items", int64(1+r.IntN(9)))
			t.float("order.total", float64(r.IntN(100000))/100)
			t.bool("order.gift", r.IntN(5) == 0)
			t.str("customer.tier", tiers[r.IntN(len(tiers))])
			for k := 0; k < r.IntN(5); k++ { // 6 to 10 attributes
				t.str(fmt.Sprintf("checkout.step_%d", k), fmt.Sprintf("step-%d", r.IntN(10)))
			}
			t.tags = []string{"checkout", "v2"}
			t.opts = append(t.opts, aires.WithTags(t.tags...))
		} else { // slow query warning
			t.sev = aires.SeverityWarn
			t.msg = "slow query"
			t.str("db.system", "postgresql")
			t.str("db.operation", []string{"SELECT", "UPDATE", "INSERT"}[r.IntN(3)])
			t.str("db.table", []string{"orders", "users", "inventory"}[r.IntN(3)])
			t.float("db.duration_ms", 500+float64(r.IntN(500000))/100)
			t.int("db.rows", int64(r.IntN(100000)))
			t.bool("db.replica", r.IntN(2) == 0)
		}
		ts[i] = t
	}
	return ts
}
