# kubelab — see README.md. `make cluster` builds everything and starts a cluster;
# `make test` runs the unit tests and the end-to-end suite against real clusters.

GO       ?= go
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
KUBERNETES_VERSION ?= v1.37.2
NODE_IMAGE ?= kubelab/node:$(KUBERNETES_VERSION)
BIN      := bin/kubelab
LDFLAGS  := -s -w -X github.com/kubelab/kubelab/pkg/cmd.Version=$(VERSION)
CONFORMANCE_DIR := bin/conformance
# The e2e suite creates several clusters one after the other.
E2E_TIMEOUT ?= 75m
# Create/delete cycles of TestSoak: `make soak` runs SOAK_CYCLES, `make test` a short loop.
SOAK_CYCLES ?= 10
SOAK_CI_CYCLES ?= 2

.PHONY: all build node-image conformance-tools cluster test unit e2e soak conformance netpol-conformance bench lint clean

all: build

build:
	$(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/kubelab

# Fast when nothing changed: every part is cached by the hash of its inputs.
node-image: build
	$(BIN) build node-image --kubernetes-version $(KUBERNETES_VERSION) --image $(NODE_IMAGE)

# e2e.test, ginkgo and the suite's test images, built from source like the node image.
conformance-tools: build
	$(BIN) build conformance-tools --kubernetes-version $(KUBERNETES_VERSION) --out $(CONFORMANCE_DIR)

cluster: node-image
	$(BIN) create cluster --image $(NODE_IMAGE)

test: lint unit e2e

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags e2e ./e2e/...

unit:
	$(GO) test -count=1 ./...

# The conformance subset's JUnit report and ginkgo log stay in $(CONFORMANCE_DIR)/report-e2e.
e2e: build node-image conformance-tools
	KUBELAB_BIN=$(CURDIR)/$(BIN) KUBELAB_NODE_IMAGE=$(NODE_IMAGE) KUBELAB_CONFORMANCE_DIR=$(CURDIR)/$(CONFORMANCE_DIR) \
		KUBELAB_CONFORMANCE_REPORT=$(CURDIR)/$(CONFORMANCE_DIR)/report-e2e KUBELAB_SCREENSHOTS=$(CURDIR)/bin/screenshots \
		KUBELAB_SOAK=$(SOAK_CI_CYCLES) $(GO) test -count=1 -tags e2e -timeout $(E2E_TIMEOUT) -v ./e2e/...

# SOAK_CYCLES create/walk/delete cycles of a 1+1 cluster, with a leak check after each.
soak: build node-image
	KUBELAB_BIN=$(CURDIR)/$(BIN) KUBELAB_NODE_IMAGE=$(NODE_IMAGE) KUBELAB_SOAK=$(SOAK_CYCLES) \
		$(GO) test -count=1 -tags e2e -run '^TestSoak$$' -timeout 90m -v ./e2e/...

# The whole [Conformance] suite on a 1+2 cluster; writes conformance/results.md, JUnit
# reports and logs in $(CONFORMANCE_DIR)/report.
conformance: build node-image conformance-tools
	KUBELAB_BIN=$(CURDIR)/$(BIN) KUBELAB_NODE_IMAGE=$(NODE_IMAGE) KUBELAB_CONFORMANCE_DIR=$(CURDIR)/$(CONFORMANCE_DIR) \
		KUBELAB_CONFORMANCE=full KUBELAB_CONFORMANCE_REPORT=$(CURDIR)/$(CONFORMANCE_DIR)/report \
		$(GO) test -count=1 -tags e2e -run '^TestConformance$$' -timeout 5h -v ./e2e/...

# Every upstream NetworkPolicy spec ([sig-network] Netpol, not part of [Conformance]) on a
# 1+2 cluster; writes conformance/networkpolicy-results.md, JUnit report and log in
# $(CONFORMANCE_DIR)/report-netpol.
netpol-conformance: build node-image conformance-tools
	KUBELAB_BIN=$(CURDIR)/$(BIN) KUBELAB_NODE_IMAGE=$(NODE_IMAGE) KUBELAB_CONFORMANCE_DIR=$(CURDIR)/$(CONFORMANCE_DIR) \
		KUBELAB_CONFORMANCE=networkpolicy KUBELAB_CONFORMANCE_REPORT=$(CURDIR)/$(CONFORMANCE_DIR)/report-netpol \
		$(GO) test -count=1 -tags e2e -run '^TestConformance$$' -timeout 3h -v ./e2e/

# time-to-k8s (create, app, dns) of a single node and of 1+2 nodes, CPU of the create,
# idle memory with and without add-ons, node image size, warm build times: printed and
# written to bench/results.json and bench/results.md. Never a pass/fail on time.
# KUBELAB_BENCH_RUNS=1 (and KUBELAB_BENCH_PARTS=single,...) make a quick run; see e2e/bench_test.go.
BENCH_TIMEOUT ?= 120m
bench: build node-image
	KUBELAB_BENCH=1 KUBELAB_BIN=$(CURDIR)/$(BIN) KUBELAB_NODE_IMAGE=$(NODE_IMAGE) KUBELAB_REPO=$(CURDIR) \
		KUBELAB_BENCH_OUT=$(CURDIR)/bench $(GO) test -count=1 -tags e2e -run '^TestBench$$' -timeout $(BENCH_TIMEOUT) -v ./e2e/

clean:
	rm -rf bin
