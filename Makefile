# mirage — set-up, build, tests and benchmarks. Every target installs what it needs itself.
#
#   make run     the main job: a built-in tiny model on its aligned and its unaligned task, side by side
#   make lab     the 200-step RL learning test, then the built-in study (mirage lab all): RQ1-RQ3 on the aligned and the unaligned task
#   make models  rebuild the built-in tiny models (testdata/lab-models) with mirage's own SFT
#   make test    the test suite (what CI runs)
#   make bench   speed benchmarks (sampler vs transformers.js and a plain ORT loop, on a 34M and a 0.5B-shaped model; verifiers, converters, trainer)

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

.PHONY: all setup ort node-deps bench-deps build run lab models test vet bench clean

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

# The main job: the built-in tiny model tiny-arith (testdata/lab-models) on the task it is aligned
# with (arith) and on one it is not (word_sorting, a SynLogic task), side by side: 64 problems x 64
# samples each, verified, pass@k tables, verdicts and plots in out/run/.
LAB_MODEL := testdata/lab-models/tiny-arith
ALIGN_FLAGS := --n 64 --temperature 1 --top-p 1 --max-new-tokens 48 --overwrite --quiet
run: build
	./bin/mirage lab tasks --out out/run/tasks --task arith:2 --task word_sorting:2 --n 64 >/dev/null
	./bin/mirage align --model $(LAB_MODEL) --data out/run/tasks/arith.parquet $(ALIGN_FLAGS) --label "tiny-arith on arith" --out-dir out/run/arith
	./bin/mirage align --model $(LAB_MODEL) --data out/run/tasks/word_sorting.parquet $(ALIGN_FLAGS) --label "tiny-arith on word_sorting" --out-dir out/run/word_sorting
	./bin/mirage passk --in out/run/arith/scored.jsonl --label "arith (aligned)" --in out/run/word_sorting/scored.jsonl \
		--label "word_sorting (unaligned)" --k 1,4,16,64 --plot out/run/passk.svg --title "tiny-arith: pass@k on its aligned and unaligned task"
	@echo "side-by-side plot: out/run/passk.svg; reports: out/run/arith/report.md, out/run/word_sorting/report.md"

# The built-in study: RQ1-RQ3 of the paper on the built-in model's aligned and unaligned task
# (report in out/lab/report.md). A killed run resumes; LAB_FLAGS=--quick gives a short smoke run.
LAB_FLAGS ?= --seeds 3
lab: build
	$(GO) test -ldflags "$(GO_LDFLAGS)" -count=1 -run TestRLLearnsSyntheticTask ./train -rl.long
	./bin/mirage lab all --out out/lab $(LAB_FLAGS)

# The built-in models, trained from scratch by mirage's own SFT (deterministic on a given machine;
# about 10 minutes on 2 cores). The alignment gap they must show is tested in cmd/mirage/internal/lab.
models: build
	./bin/mirage lab models --out testdata/lab-models --overwrite

vet:
	$(GO) vet ./...

test: setup vet
	$(GO) test -ldflags "$(GO_LDFLAGS)" -timeout $(TEST_TIMEOUT) ./...

# The trainer benchmark compares against PyTorch on the CPU with OpenBLAS (Debian packages).
bench-deps:
	@/usr/bin/python3 -c 'import torch' 2>/dev/null || \
		{ apt-get update -qq && apt-get install -y -qq python3-torch libopenblas0-pthread; }

# -benchtime 3x: 3 iterations of every benchmark, i.e. 3 interleaved rounds of each sampler
# benchmark (they loop with b.Loop, so their setup runs once; docs/benchmarks.md).
bench: setup bench-deps
	$(GO) test -ldflags "$(GO_LDFLAGS)" -run '^$$' -bench . -benchtime 3x -timeout 60m ./...

clean:
	rm -rf bin out
