# Entry points that save typing; the README's commands work without make.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS := -X github.com/skyql/skyql/pkg/cli.version=$(VERSION) -X github.com/skyql/skyql/pkg/cli.commit=$(COMMIT)

.PHONY: build test ci bench
build:
	go build -ldflags "$(LDFLAGS)" -o bin/skyql ./cmd/skyql
test:
	go test ./...
ci:
	bash .ci/run
bench:
	go run ./test/bench
