module github.com/aires-dev/aires/test/modern

go 1.26.0

replace (
	github.com/aires-dev/aires => ../..
	github.com/aires-dev/aires/proto => ../../proto
)

require (
	github.com/aires-dev/aires v0.0.0-00010101000000-000000000000
	github.com/ebitengine/purego v0.8.2
)
