# mirage — set-up, build, tests and benchmarks. Every target installs what it needs itself.
#
#   make run     the main job on the built-in default (align a bundled model on a bundled benchmark)
#   make test    the test suite (what CI runs)
#   make bench   speed benchmarks (sampler vs transformers.js, verifiers, converters, trainer)

SHELL := /bin/bash
GO ?= go
MODULE := github.com/mirage-rl/mirage
CACHE := $(CURDIR)/.cache

# ONNX Runtime shared library, taken from the npm package (it ships the CPU library inside;
# --ignore-scripts skips its GPU download step).
ORT_VERSION := 1.24.3
ORT_LIB := $(CACHE)/ort/$(ORT_VERSION)/libonnxruntime.so.1
ORT_IN_PKG := package/bin/napi-v6/linux/x64/libonnxruntime.so.1
MIRAGE_ORT_LIB ?= $(ORT_LIB)
export MIRAGE_ORT_LIB

# Node reference implementations for tests (tokenizer ids, an independent parquet reader,
# transformers.js for the sampler benchmark).
NODE_DIR := $(CACHE)/node
NODE_STAMP := $(NODE_DIR)/.installed-$(shell sha1sum testdata/node/package-lock.json 2>/dev/null | cut -c1-12)
MIRAGE_NODE_MODULES := $(NODE_DIR)/node_modules
export MIRAGE_NODE_MODULES

# The built binary looks for the cached library by default, so it runs without MIRAGE_ORT_LIB.
GO_LDFLAGS := -X $(MODULE)/sampler.DefaultLibraryPath=$(ORT_LIB)
TEST_TIMEOUT ?= 14m

.PHONY: all setup ort node-deps bench-deps build run test vet bench clean

all: build

setup: ort node-deps

ort: $(ORT_LIB)

$(ORT_LIB):
	@mkdir -p $(CACHE)/npm $(dir $@)
	cd $(CACHE)/npm && npm pack --silent onnxruntime-node@$(ORT_VERSION) >/dev/null
	tar -xzf $(CACHE)/npm/onnxruntime-node-$(ORT_VERSION).tgz -C $(CACHE)/npm $(ORT_IN_PKG)
	mv $(CACHE)/npm/$(ORT_IN_PKG) $@
	rm -rf $(CACHE)/npm/package $(CACHE)/npm/onnxruntime-node-$(ORT_VERSION).tgz

node-deps: $(NODE_STAMP)

$(NODE_STAMP): testdata/node/package.json testdata/node/package-lock.json
	@mkdir -p $(NODE_DIR)
	cp testdata/node/package.json testdata/node/package-lock.json $(NODE_DIR)/
	cd $(NODE_DIR) && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	rm -f $(NODE_DIR)/.installed-* && touch $@

build: $(ORT_LIB)
	@mkdir -p bin
	$(GO) build -ldflags "$(GO_LDFLAGS)" -o bin/mirage ./cmd/mirage

# The main job: alignment report of the bundled tiny model on the bundled MATH-500 sample.
run: build
	@mkdir -p out
	./bin/mirage align --model testdata/models/tiny-llama --data testdata/data/math500_sample.json \
		--n 16 --max-new-tokens 64 --out-dir out/align --overwrite

vet:
	$(GO) vet ./...

test: setup vet
	$(GO) test -ldflags "$(GO_LDFLAGS)" -timeout $(TEST_TIMEOUT) ./...

# The trainer benchmark compares against PyTorch on the CPU with OpenBLAS (Debian packages).
bench-deps:
	@/usr/bin/python3 -c 'import torch' 2>/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq python3-torch libopenblas0-pthread; }

bench: setup bench-deps
	$(GO) test -ldflags "$(GO_LDFLAGS)" -run '^$$' -bench . -benchtime 3x -timeout 60m ./...

clean:
	rm -rf bin out
