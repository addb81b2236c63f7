# slad: build, test and run. `make test` and `make run` install what is missing when run as root.
SWIFT ?= swift
PREFIX ?= /usr/local
STATE_DIR ?= $(CURDIR)/var
APT_PACKAGES = tzdata sqlite3 libsqlite3-dev libsystemd-dev pkg-config curl

.PHONY: deps build release test lint format run clean

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

clean:
	rm -rf .build var
