# slad: build, test and run. `make test` and `make run` install what is missing when run as root.
SWIFT ?= swift
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
UNITDIR = $(PREFIX)/lib/systemd/system
SYSUSERSDIR = $(PREFIX)/lib/sysusers.d
TMPFILESDIR = $(PREFIX)/lib/tmpfiles.d
CATALOGDIR = $(PREFIX)/lib/systemd/catalog
DOCDIR = $(PREFIX)/share/doc/slad
RELEASE_FLAGS = -c release --static-swift-stdlib
STATE_DIR ?= $(CURDIR)/var
APT_PACKAGES = tzdata sqlite3 libsqlite3-dev libsystemd-dev libcurl4-openssl-dev pkg-config curl python3 systemd util-linux msmtp \
  prometheus
# The chain's HQ: a throw-away PostgreSQL cluster in SLAChainTests and Tests/shell/96-hq.sh.
APT_PACKAGES += postgresql
# The access tests make their CA and certificates with openssl (issue 16).
APT_PACKAGES += openssl
# The console's browser test drives Debian's headless Chromium over WebDriver (issue 16).
APT_PACKAGES += chromium chromium-driver

.PHONY: deps build release test lint format run demo hint install install-files deb uninstall systemd-check clean bench bench-quick

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

# Release binaries with the Swift runtime linked in: a store server needs only Debian's libraries.
release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@if ls Tests/shell/*.sh >/dev/null 2>&1; then for t in Tests/shell/*.sh; do echo "== $$t"; bash $$t || exit 1; done; fi

lint:
	$(SWIFT) format lint --strict --recursive Package.swift Sources Tests

format:
	$(SWIFT) format --in-place --recursive Package.swift Sources Tests

# The benchmark suite (docs/benchmarks.md): slabench drives the real release slad and slactl,
# prints one table and writes it into docs/benchmarks.md. About 8 minutes after the build;
# `make bench-quick` (or `make bench ARGS=--quick`) scales the sizes down to run in under 2.
# Its own scratch path, so that it neither waits for nor disturbs a build in .build; product by
# product, since a plain release build also tries to link GRDB's dynamic library statically.
BENCH_SCRATCH ?= .build-bench
bench: deps
	@for product in slad slactl slabench; do \
	  $(SWIFT) build $(RELEASE_FLAGS) --scratch-path $(BENCH_SCRATCH) --product $$product || exit 1; \
	done
	@bin=$$($(SWIFT) build $(RELEASE_FLAGS) --scratch-path $(BENCH_SCRATCH) --show-bin-path); \
	$$bin/slabench --bin $$bin $(ARGS)

bench-quick:
	@$(MAKE) --no-print-directory bench ARGS="--quick $(ARGS)"

# Runs slad in the foreground on the default policy, state in ./var, socket ./var/slad.sock.
run: build
	@mkdir -p $(STATE_DIR)
	@echo "slad: policy config/policy.toml, state $(STATE_DIR), socket $(STATE_DIR)/slad.sock"
	@$(MAKE) --no-print-directory hint
	$$($(SWIFT) build --show-bin-path)/slad --policy config/policy.toml --state-dir $(STATE_DIR) --socket $(STATE_DIR)/slad.sock

# The same with config/demo.toml: targets of seconds, to watch a whole escalation in a minute.
# Its state stays apart in var/demo, but it serves the same socket, so that the README's session
# works unchanged with either.
demo: build
	@mkdir -p $(STATE_DIR)/demo
	@echo "slad: policy config/demo.toml, state $(STATE_DIR)/demo, socket $(STATE_DIR)/slad.sock"
	@$(MAKE) --no-print-directory hint
	$$($(SWIFT) build --show-bin-path)/slad --policy config/demo.toml --state-dir $(STATE_DIR)/demo --socket $(STATE_DIR)/slad.sock

# What `run` and `demo` print before slad starts: how to talk to it.
hint:
	@echo "talk to it from another terminal (the README's quick start has a whole session):"
	@echo "  export SLAD_SOCKET=$(STATE_DIR)/slad.sock PATH=\$$PATH:$$($(SWIFT) build --show-bin-path)"
	@echo "  slactl open --kind soft-complaint --store S01 --category service-attitude"
	@echo "  slactl show C-1; slactl event C-1 reacted; slactl escalations --pending"

# Installs binaries, units, sysusers, tmpfiles, catalog and the default policy with its holiday
# files (an edited /etc/slad/policy.toml, and a holiday file already there, are kept).
# Then: systemctl enable --now slad.socket slad.service
install: release
	@$(MAKE) --no-print-directory install-files BIN_DIR="$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)"
	@if [ -z "$(DESTDIR)" ]; then \
	  systemd-sysusers $(SYSUSERSDIR)/slad.conf || true; \
	  journalctl --update-catalog || true; \
	  systemctl daemon-reload 2>/dev/null || true; \
	fi

# What `install` copies, from binaries already built in BIN_DIR (`make deb` lays its tree out with it).
install-files:
	@test -x "$(BIN_DIR)/slad" || { echo "install-files: no slad in BIN_DIR=$(BIN_DIR)"; exit 1; }
	install -Dm755 $(BIN_DIR)/slad $(DESTDIR)$(BINDIR)/slad
	install -Dm755 $(BIN_DIR)/slactl $(DESTDIR)$(BINDIR)/slactl
	install -Dm755 $(BIN_DIR)/slactl-hq $(DESTDIR)$(PREFIX)/libexec/slad/slactl-hq
	install -d $(DESTDIR)$(UNITDIR)
	sed -e 's|/usr/local/bin|$(BINDIR)|g' -e 's|/usr/local/share/doc/slad|$(DOCDIR)|g' \
	  systemd/slad.service > $(DESTDIR)$(UNITDIR)/slad.service
	sed -e 's|/usr/local/share/doc/slad|$(DOCDIR)|g' systemd/slad.socket > $(DESTDIR)$(UNITDIR)/slad.socket
	install -Dm644 systemd/slad.sysusers $(DESTDIR)$(SYSUSERSDIR)/slad.conf
	install -Dm644 systemd/slad.tmpfiles $(DESTDIR)$(TMPFILESDIR)/slad.conf
	install -d $(DESTDIR)$(CATALOGDIR)
	sed -e 's|/usr/local/share/doc/slad|$(DOCDIR)|g' systemd/slad.catalog > $(DESTDIR)$(CATALOGDIR)/slad.catalog
	install -Dm755 scripts/monthly-report $(DESTDIR)$(PREFIX)/libexec/slad/monthly-report
	sed -e 's|/usr/local/bin|$(BINDIR)|g' -e 's|/usr/local/libexec|$(PREFIX)/libexec|g' \
	  -e 's|/usr/local/share/doc/slad|$(DOCDIR)|g' systemd/slad-report.service > $(DESTDIR)$(UNITDIR)/slad-report.service
	sed -e 's|/usr/local/share/doc/slad|$(DOCDIR)|g' systemd/slad-report.timer > $(DESTDIR)$(UNITDIR)/slad-report.timer
	install -Dm644 systemd/slad-network.conf $(DESTDIR)$(DOCDIR)/examples/slad-network.conf
	install -Dm644 README.md $(DESTDIR)$(DOCDIR)/README.md
	install -m644 docs/channels*.md docs/access.md $(DESTDIR)$(DOCDIR)/
	install -Dm644 config/policy.toml $(DESTDIR)$(DOCDIR)/policy.toml.default
	@if [ -e $(DESTDIR)/etc/slad/policy.toml ]; then echo "kept the existing /etc/slad/policy.toml"; \
	else install -Dm644 config/policy.toml $(DESTDIR)/etc/slad/policy.toml; fi
	@# The holiday files the default policy names, beside it; a year's file already there is kept.
	install -d $(DESTDIR)/etc/slad/holidays $(DESTDIR)$(DOCDIR)/holidays
	@for f in config/holidays/*; do \
	  install -m644 $$f $(DESTDIR)$(DOCDIR)/holidays/; \
	  if [ -e $(DESTDIR)/etc/slad/holidays/$${f##*/} ]; then echo "kept the existing /etc/slad/holidays/$${f##*/}"; \
	  else install -m644 $$f $(DESTDIR)/etc/slad/holidays/; fi; \
	done

# The Debian package: slad_VERSION-REVISION_ARCH.deb in DEB_OUT (packaging/build-deb says how).
# `make deb DEB_REVISION=2` builds a later revision of the same version (an upgrade to test).
DEB_OUT ?= $(CURDIR)
DEB_PACKAGES = dpkg-dev binutils go-md2man lintian
deb: release
	@$(MAKE) --no-print-directory deps APT_PACKAGES="$(DEB_PACKAGES)"
	@deb=$$(packaging/build-deb "$$($(SWIFT) build $(RELEASE_FLAGS) --show-bin-path)" $(DEB_OUT)) && \
	  echo "built $$deb" && lintian --fail-on error --info $$deb && echo "lintian: no errors"

uninstall:
	-systemctl disable --now slad.service slad.socket 2>/dev/null
	rm -f $(DESTDIR)$(BINDIR)/slad $(DESTDIR)$(BINDIR)/slactl
	-systemctl disable --now slad-report.timer 2>/dev/null
	rm -f $(DESTDIR)$(UNITDIR)/slad.service $(DESTDIR)$(UNITDIR)/slad.socket
	rm -f $(DESTDIR)$(UNITDIR)/slad-report.service $(DESTDIR)$(UNITDIR)/slad-report.timer
	rm -rf $(DESTDIR)$(PREFIX)/libexec/slad
	rm -f $(DESTDIR)$(SYSUSERSDIR)/slad.conf $(DESTDIR)$(TMPFILESDIR)/slad.conf $(DESTDIR)$(CATALOGDIR)/slad.catalog
	rm -rf $(DESTDIR)$(DOCDIR)
	@echo "kept /etc/slad and /var/lib/slad (the policy and two years of records): remove them by hand"
	@if [ -z "$(DESTDIR)" ]; then journalctl --update-catalog || true; systemctl daemon-reload 2>/dev/null || true; fi

# The unit files verify, and the service's exposure stays at 1.5 or lower.
systemd-check:
	@tmp=$$(mktemp -d); cp systemd/slad.service systemd/slad.socket systemd/slad-report.* $$tmp/; \
	sed -i 's|/usr/local/bin/slad|/bin/true|; s|/usr/local/libexec/slad/monthly-report|/bin/true|' $$tmp/*.service; \
	systemd-analyze verify --man=no $$tmp/slad.socket $$tmp/slad.service $$tmp/slad-report.service $$tmp/slad-report.timer; \
	score=$$(systemd-analyze security --offline=true $$tmp/slad.service | sed -n 's/.*exposure level for slad.service: \([0-9.]*\).*/\1/p'); \
	rm -rf $$tmp; echo "slad.service exposure: $$score (must be <= 1.5)"; \
	awk -v s="$$score" 'BEGIN { exit !(s != "" && s <= 1.5) }'

clean:
	rm -rf .build var
