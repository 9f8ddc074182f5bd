# kubelab — see README.md. `make cluster` builds everything and starts a cluster;
# `make test` runs the unit tests and the end-to-end suite against real clusters.

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
KUBERNETES_VERSION ?= v1.37.2
NODE_IMAGE ?= kubelab/node:$(KUBERNETES_VERSION)
BIN      := bin/kubelab
LDFLAGS  := -s -w -X github.com/kubelab/kubelab/pkg/cmd.Version=$(VERSION)
# The e2e suite creates several clusters one after the other.
E2E_TIMEOUT ?= 60m

.PHONY: all build node-image cluster test unit e2e bench lint clean

all: build

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/kubelab

# Fast when nothing changed: every part is cached by the hash of its inputs.
node-image: build
	$(BIN) build node-image --kubernetes-version $(KUBERNETES_VERSION) --image $(NODE_IMAGE)

cluster: node-image
	$(BIN) create cluster --image $(NODE_IMAGE)

test: lint unit e2e

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./e2e/...

unit:
	$(GO) test -count=1 ./...

e2e: build node-image
	KUBELAB_BIN=$(CURDIR)/$(BIN) KUBELAB_NODE_IMAGE=$(NODE_IMAGE) \
		$(GO) test -count=1 -tags e2e -timeout $(E2E_TIMEOUT) -v ./e2e/...

# Prints time-to-ready, time-to-DNS and memory figures of a single-node cluster.
bench: build node-image
	KUBELAB_BIN=$(CURDIR)/$(BIN) KUBELAB_NODE_IMAGE=$(NODE_IMAGE) \
		$(GO) test -count=1 -tags e2e -run '^$$' -bench . -benchtime 3x -timeout 30m ./e2e/...

clean:
	rm -rf bin
