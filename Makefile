# godotsteam-sockets build, demo and test entry points.
#
#   make             build the extension + the mini-Godot host, then run the headless chat demo
#   make test        run every test (vet, gofmt, unit/e2e tests, GDScript tests if $GODOT is set, fuzz smoke)
#
# Other targets: lib, host, demo, windows, release, test-go, test-godot, fuzz, fuzz-smoke, bench,
# soak, docs, check-tools, clean.  `make help` lists them.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := all

GO        ?= go
CC        ?= cc
MINGW_CC  ?= x86_64-w64-mingw32-gcc
GODOT     ?=

VERSION   := $(shell git describe --always --dirty --tags 2>/dev/null || echo dev)
MODULE    := godotsteam-sockets
LDFLAGS   := -X $(MODULE)/bindings.Version=$(VERSION)

BIN_DIR   := godot_project/bin
LIB_LINUX := $(BIN_DIR)/libgodotsteam_sockets.linux.x86_64.so
LIB_WIN   := $(BIN_DIR)/libgodotsteam_sockets.windows.x86_64.dll
HOST      := build/minigodot
HOST_SRC  := $(wildcard extension/minigodot/*.c)
HOST_HDR  := $(wildcard extension/minigodot/*.h)
DIST_DIR  := dist

# Seconds per fuzz target: `make fuzz` runs each target for FUZZTIME, `make test` for FUZZ_SMOKE_TIME.
FUZZTIME        ?= 60s
FUZZ_SMOKE_TIME ?= 3s
# Extra flags for `make soak` (e.g. SOAK_ARGS="--duration 5m --conns 20"); `make soak-ci` (part of
# `make test`) runs SOAK_CI_TIME with the same defaults otherwise.
SOAK_ARGS       ?=
SOAK_CI_TIME    ?= 2m
SOAK_CI_ARGS    ?=
# Extra flags for `make demo` / `make` (e.g. DEMO_ARGS="-v").
DEMO_ARGS       ?=

# Go packages tested with the race detector (pure Go, concurrency-heavy); everything else runs without it.
RACE_PKGS := ./engine/... ./bindings/...

.PHONY: all help lib host demo windows release test test-go vet fmt-check test-race test-rest \
        test-windows-build test-godot fuzz fuzz-smoke bench soak soak-ci docs check-tools check-go check-cc check-cjson clean

all: lib host demo ## build the library and host, then run the headless chat demo
	@echo
	@echo "Next: 'make test' runs every test; open godot_project/ in Godot 4.3+ for the chat demo scene"
	@echo "      (the library is in $(BIN_DIR)/); 'make help' lists the other targets."

help: ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | sort | awk -F ':.*## ' '{ printf "  %-20s %s\n", $$1, $$2 }'

# ---------------------------------------------------------------------------------------------
# Tool checks: fail early and say what to install.

check-tools: check-go check-cc check-cjson ## check that go, a C compiler and libcjson-dev are installed

check-go:
	@command -v $(GO) >/dev/null 2>&1 || { \
	  echo "error: '$(GO)' not found. Install Go 1.26 or newer (https://go.dev/dl/) and put it on PATH." >&2; exit 1; }
	@v=$$($(GO) env GOVERSION); case "$$v" in \
	  go1.2[6-9]*|go1.[3-9][0-9]*|go[2-9]*) ;; \
	  *) echo "error: $$v is too old; this project needs Go 1.26 or newer (https://go.dev/dl/)." >&2; exit 1;; esac

check-cc:
	@command -v $(CC) >/dev/null 2>&1 || { \
	  echo "error: no C compiler '$(CC)'. cgo and the test host need one: apt-get install gcc" >&2; exit 1; }

check-cjson: check-cc
	@printf '#include <cjson/cJSON.h>\nint main(void){cJSON_Delete(cJSON_Parse("1"));return 0;}\n' \
	  | $(CC) -x c - -lcjson -o /dev/null 2>/dev/null || { \
	  echo "error: cJSON development files not found (needed by the mini-Godot test host)." >&2; \
	  echo "       Debian/Ubuntu: apt-get install libcjson-dev" >&2; exit 1; }

# ---------------------------------------------------------------------------------------------
# Builds.

lib: check-go check-cc ## build godot_project/bin/libgodotsteam_sockets.linux.x86_64.so
	@mkdir -p $(BIN_DIR)
	CGO_ENABLED=1 $(GO) build -buildmode=c-shared -trimpath -ldflags "$(LDFLAGS)" -o $(LIB_LINUX) ./extension
	@rm -f $(LIB_LINUX:.so=.h)
	@echo "built $(LIB_LINUX) (version $(VERSION))"

host: $(HOST) ## build the mini-Godot test host (build/minigodot)

$(HOST): $(HOST_SRC) $(HOST_HDR) | check-cjson
	@if [ -z "$(HOST_SRC)" ]; then echo "error: extension/minigodot/*.c not found" >&2; exit 1; fi
	@mkdir -p build
	$(CC) -std=c11 -Wall -Wextra -Werror -g -O1 $(HOST_SRC) -o $@ -lcjson -ldl -lpthread

demo: lib host ## run the headless chat demo (one server, two clients) through the mini-Godot host
	$(GO) run ./cmd/demo --lib $(LIB_LINUX) --host $(HOST) $(DEMO_ARGS)

windows: check-go ## build godot_project/bin/libgodotsteam_sockets.windows.x86_64.dll with mingw-w64
	@command -v $(MINGW_CC) >/dev/null 2>&1 || { \
	  echo "error: the Windows cross compiler '$(MINGW_CC)' is not installed." >&2; \
	  echo "       Debian/Ubuntu: apt-get install gcc-mingw-w64-x86-64" >&2; \
	  echo "       (or point MINGW_CC at another x86_64 mingw-w64 gcc)" >&2; exit 1; }
	@mkdir -p $(BIN_DIR)
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=$(MINGW_CC) \
	  $(GO) build -buildmode=c-shared -trimpath -ldflags "$(LDFLAGS)" -o $(LIB_WIN) ./extension
	@rm -f $(LIB_WIN:.dll=.h)
	@echo "built $(LIB_WIN) (version $(VERSION))"

release: check-go check-cc ## stripped libraries + dist/godotsteam_sockets-<version>.zip laid out as a Godot addon
	VERSION=$(VERSION) GO=$(GO) MINGW_CC=$(MINGW_CC) DIST_DIR=$(DIST_DIR) scripts/release.sh

docs: ## regenerate extension/doc_classes/Steam.xml (class reference) from bindings + cmd/docgen descriptions
	$(GO) run ./cmd/docgen -write extension/doc_classes/Steam.xml

# ---------------------------------------------------------------------------------------------
# Tests.

test: ## run every test stage (vet, gofmt, race, go test, Windows build, Godot, fuzz smoke) and summarise
	@MAKE="$(MAKE)" MINGW_CC=$(MINGW_CC) GODOT="$(GODOT)" scripts/test_all.sh

test-go: vet fmt-check test-race test-rest ## Go tests only (no Godot, no fuzzing)

vet: check-go check-cc
	$(GO) vet ./...

fmt-check: check-go
	@out=$$(gofmt -l $$(git ls-files --cached --others --exclude-standard '*.go')); \
	if [ -n "$$out" ]; then echo "error: these files need gofmt -w:" >&2; echo "$$out" >&2; exit 1; fi
	@echo "gofmt: clean"

test-race: check-go check-cc
	$(GO) test -race -count=1 -timeout 1200s $(RACE_PKGS)

# Everything that is not under engine/ or bindings/ (extension e2e tests build the library and host themselves).
test-rest: check-go check-cc check-cjson
	pkgs=$$($(GO) list ./... | grep -v -E '^$(MODULE)/(engine|bindings)(/|$$)'); \
	$(GO) test -count=1 -timeout 900s $$pkgs
	# The 20 MB transfer under loss/duplication/reordering/lag is skipped under -race (too slow there).
	$(GO) test -count=1 -timeout 900s -run 'TestSimFaultyTransfer20MB' ./engine/internal/snp
	# So is the rendezvous slow-receiver bound (13 MB of frames through the service).
	$(GO) test -count=1 -timeout 300s -run 'TestSlowReceiverQueueBounded' ./engine/p2p/rendezvous

# The Windows library must keep cross-compiling; built into build/ so godot_project/bin/ is left alone.
test-windows-build: check-go ## check that the Windows .dll builds (skipped without mingw-w64)
	@if ! command -v $(MINGW_CC) >/dev/null 2>&1; then \
	  echo "test-windows-build: skipped ($(MINGW_CC) not installed; apt-get install gcc-mingw-w64-x86-64)"; \
	else \
	  mkdir -p build/windows-check && \
	  CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=$(MINGW_CC) \
	    $(GO) build -buildmode=c-shared -trimpath -o build/windows-check/libgodotsteam_sockets.windows.x86_64.dll ./extension && \
	  echo "test-windows-build: the Windows library builds"; \
	fi

test-godot: ## GDScript tests in a real Godot named by $GODOT (skipped when GODOT is unset)
	@if [ -z "$(GODOT)" ]; then \
	  echo "test-godot: skipped (set GODOT=/path/to/godot-4.3+ to run the GDScript tests in a real Godot)"; \
	else \
	  $(MAKE) --no-print-directory lib && GODOT="$(GODOT)" scripts/godot_tests.sh; \
	fi

fuzz-smoke: check-go ## run every fuzz target for FUZZ_SMOKE_TIME (default 3s)
	GO=$(GO) scripts/fuzz.sh $(FUZZ_SMOKE_TIME)

fuzz: check-go ## run every fuzz target for FUZZTIME (default 60s)
	GO=$(GO) scripts/fuzz.sh $(FUZZTIME)

bench: check-go ## run the benchmark suite: go run ./cmd/bench all (raw-UDP and kcp-go baselines, charts)
	@if [ -d cmd/bench ] && ls cmd/bench/*.go >/dev/null 2>&1; then \
	  nice -n 10 $(GO) run ./cmd/bench all; \
	else \
	  echo "bench: cmd/bench does not exist yet; nothing to run"; \
	fi

soak-ci: check-go ## the soak for SOAK_CI_TIME (default 2m; part of make test)
	$(GO) run ./cmd/soak --duration $(SOAK_CI_TIME) $(SOAK_CI_ARGS)

soak: check-go ## 30-minute randomized fault-injection soak of the engine (cmd/soak; SOAK_ARGS to tune)
	@if [ -d cmd/soak ] && ls cmd/soak/*.go >/dev/null 2>&1; then \
	  $(GO) run ./cmd/soak $(SOAK_ARGS); \
	else \
	  echo "soak: cmd/soak does not exist yet; nothing to run"; \
	fi

clean: ## remove build outputs (build/, dist/, godot_project/bin/, godot_project/.godot/)
	rm -rf build $(DIST_DIR) $(BIN_DIR) godot_project/.godot
