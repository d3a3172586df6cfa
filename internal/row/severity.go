package row

import (
	"fmt"
	"strings"

	"go.opentelemetry.io/collector/pdata/plog"
)

// Severity is the stored severity level. Values match the Enum8 of the
// severity column.
type Severity uint8

// Severity levels.
const (
	SeverityTrace Severity = 1
	SeverityDebug Severity = 2
	SeverityInfo  Severity = 3
	SeverityWarn  Severity = 4
	SeverityError Severity = 5
	SeverityFatal Severity = 6
)

var severityNames = [...]string{"", "trace", "debug", "info", "warn", "error", "fatal"}

// String is the stored name ("error"); unknown values are "info".
func (s Severity) String() string {
	if s >= SeverityTrace && s <= SeverityFatal {
		return severityNames[s]
	}
	return "info"
}

// Enum8 is s as the severity column stores it. An unknown level is stored as
// info, as String names it: one out-of-range value would make the driver
// refuse the whole batch.
func (s Severity) Enum8() int8 {
	if s >= SeverityTrace && s <= SeverityFatal {
		return int8(s)
	}
	return int8(SeverityInfo)
}

// SeverityOfLevel is the stored level of a level number that counts trace..fatal
// from 1 to 6, as the severity column and the Aires protocol's Severity enum do;
// any other number (unspecified, unknown) is info.
func SeverityOfLevel(v int32) Severity {
	if v >= int32(SeverityTrace) && v <= int32(SeverityFatal) {
		return Severity(v)
	}
	return SeverityInfo
}

// severityEnum8Type is the ClickHouse type of the severity column, built from
// the level names so the two cannot disagree.
func severityEnum8Type() string {
	var b strings.Builder
	b.WriteString("Enum8(")
	for s := SeverityTrace; s <= SeverityFatal; s++ {
		if s > SeverityTrace {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "'%s' = %d", severityNames[s], s)
	}
	b.WriteString(")")
	return b.String()
}

// SeverityOf maps an OTel severity number (or, when it is unset, the severity
// text) to a stored level. Unknown means info.
func SeverityOf(n plog.SeverityNumber, text string) Severity {
	switch {
	case n >= plog.SeverityNumberTrace && n <= plog.SeverityNumberTrace4:
		return SeverityTrace
	case n >= plog.SeverityNumberDebug && n <= plog.SeverityNumberDebug4:
		return SeverityDebug
	case n >= plog.SeverityNumberInfo && n <= plog.SeverityNumberInfo4:
		return SeverityInfo
	case n >= plog.SeverityNumberWarn && n <= plog.SeverityNumberWarn4:
		return SeverityWarn
	case n >= plog.SeverityNumberError && n <= plog.SeverityNumberError4:
		return SeverityError
	case n >= plog.SeverityNumberFatal && n <= plog.SeverityNumberFatal4:
		return SeverityFatal
	}
	switch strings.ToLower(text) {
	case "trace":
		return SeverityTrace
	case "debug":
		return SeverityDebug
	case "warn", "warning":
		return SeverityWarn
	case "error", "err":
		return SeverityError
	case "fatal", "critical", "crit", "panic", "emergency", "alert":
		return SeverityFatal
	}
	return SeverityInfo
}

// SeverityNumber is the OTel severity number written for a stored level.
func (s Severity) SeverityNumber() plog.SeverityNumber {
	switch s {
	case SeverityTrace:
		return plog.SeverityNumberTrace
	case SeverityDebug:
		return plog.SeverityNumberDebug
	case SeverityWarn:
		return plog.SeverityNumberWarn
	case SeverityError:
		return plog.SeverityNumberError
	case SeverityFatal:
		return plog.SeverityNumberFatal
	}
	return plog.SeverityNumberInfo
}

var severityTexts = [...]string{"", "TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL"}

// Text is the OTel severity text of a level ("ERROR").
func (s Severity) Text() string {
	if s >= SeverityTrace && s <= SeverityFatal {
		return severityTexts[s]
	}
	return "INFO"
}
