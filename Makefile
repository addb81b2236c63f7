# slad: build, test and run. `make test` and `make run` install what is missing when run as root.
SWIFT ?= swift
PREFIX ?= /usr/local
STATE_DIR ?= $(CURDIR)/var
APT_PACKAGES = tzdata sqlite3 libsqlite3-dev libsystemd-dev pkg-config curl

.PHONY: deps build release test lint format run demo clean

# Installs the Debian packages slad needs, when one is missing and we may (root).
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	  else echo "missing Debian packages:$$missing (run as root or: sudo apt-get install$$missing)"; exit 1; fi; \
	fi

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@if ls Tests/shell/*.sh >/dev/null 2>&1; then for t in Tests/shell/*.sh; do echo "== $$t"; bash $$t || exit 1; done; fi

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests

# Runs slad in the foreground on the default policy, state in ./var, socket ./var/slad.sock.
run: build
	@mkdir -p $(STATE_DIR)
	@echo "slad: policy config/policy.toml, state $(STATE_DIR), socket $(STATE_DIR)/slad.sock"
	@echo "talk to it from another terminal:"
	@echo "  export SLAD_SOCKET=$(STATE_DIR)/slad.sock PATH=\$$PATH:$$($(SWIFT) build --show-bin-path)"
	@echo "  slactl open --kind soft-complaint --store S01 --category service-attitude"
	@echo "  slactl show C-1; slactl event C-1 reacted; slactl escalations --follow"
	$$($(SWIFT) build --show-bin-path)/slad --policy config/policy.toml --state-dir $(STATE_DIR) --socket $(STATE_DIR)/slad.sock

# The same with config/demo.toml: targets of seconds, to watch a whole escalation in a minute.
demo: build
	@mkdir -p $(STATE_DIR)/demo
	$$($(SWIFT) build --show-bin-path)/slad --policy config/demo.toml --state-dir $(STATE_DIR)/demo --socket $(STATE_DIR)/demo/slad.sock

clean:
	rm -rf .build var
