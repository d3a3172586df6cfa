// Package semconv names the OpenTelemetry attributes the Aires mapping uses.
// Keys follow the OTel semantic conventions where one exists; the few without
// a convention live under the "aires." namespace.
package semconv

// Resource attributes.
const (
	ServiceName           = "service.name"
	ServiceVersion        = "service.version"
	DeploymentEnvironment = "deployment.environment.name"
	// DeploymentEnvironmentOld is the pre-1.27 semantic convention key, still
	// sent by many SDKs; read, never written.
	DeploymentEnvironmentOld = "deployment.environment"
	HostName                 = "host.name"
)

// Log record attributes.
const (
	LogRecordUID = "log.record.uid"
	SessionID    = "session.id"
	UserID       = "user.id"
	// EnduserID is the older key for the user id; read, never written.
	EnduserID = "enduser.id"

	HTTPRequestMethod      = "http.request.method"
	HTTPRoute              = "http.route"
	URLPath                = "url.path"
	URLFull                = "url.full"
	HTTPResponseStatusCode = "http.response.status_code"
	HTTPRequestBodySize    = "http.request.body.size"
	HTTPResponseBodySize   = "http.response.body.size"
	UserAgentOriginal      = "user_agent.original"
	ClientAddress          = "client.address"
	// HTTPServerRequestDuration is in seconds (the semconv metric's unit);
	// read from OTLP logs, never written by Aires.
	HTTPServerRequestDuration = "http.server.request.duration"
	// AiresHTTPDurationMs is the request duration in milliseconds. The
	// semantic conventions define no log attribute for it.
	AiresHTTPDurationMs = "aires.http.duration_ms"

	ExceptionType       = "exception.type"
	ExceptionMessage    = "exception.message"
	ExceptionStacktrace = "exception.stacktrace"

	// AiresTags is the event's tags, a list of strings.
	AiresTags = "aires.tags"
	// AiresOriginalTimestampNs keeps, as decimal text, the timestamp (Unix
	// nanoseconds) a log record was sent with when it was outside the bounds
	// every input path applies and the record was stored at another time.
	AiresOriginalTimestampNs = "aires.original_timestamp_ns"
)
