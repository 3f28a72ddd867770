# Coop ERP: `make demo` sets up and runs the demo coop; `make test` sets up
# and runs every test. Both create what they need under .venv/ and var/.
PYTHON ?= python3
VENV ?= .venv
SAO_VERSION = 8.0.11
SAO_DIR = var/sao
LEAFLET_VERSION = 1.9.4
LEAFLET_DIR = var/leaflet

# Debian packages, as WHAT=PACKAGE (.ci/debian-packages installs the
# missing ones, or says the line to run): pango for WeasyPrint's PDFs and
# HarfBuzz's subsetter for their fonts, Chromium for the browser tests
DEBIAN_PACKAGES = libpango-1.0.so.0=libpango-1.0-0 \
	libpangoft2-1.0.so.0=libpangoft2-1.0-0 \
	libharfbuzz-subset.so.0=libharfbuzz-subset0
DEBIAN_TEST_PACKAGES = chromium=chromium

# npm's registry fails now and then (a fresh clone's sao install did once,
# then passed as it was): each npm command tried three times
NPM_RETRY = $(CURDIR)/.ci/retry

.PHONY: demo test bench setup sao leaflet clean debian debian-test

demo: setup sao leaflet
	$(VENV)/bin/coop demo

test: debian-test setup sao leaflet
	$(VENV)/bin/python -m tests.runner

# Every benchmark of bench/, their figures table in docs/benchmarks.md
# rewritten (BENCH_ARGS=--quick: small sizes, a smoke test)
bench: setup
	$(VENV)/bin/python bench/run.py $(BENCH_ARGS)

setup: debian $(VENV)/.installed

debian:
	@./.ci/debian-packages $(DEBIAN_PACKAGES)

debian-test:
	@./.ci/debian-packages $(DEBIAN_PACKAGES) $(DEBIAN_TEST_PACKAGES)

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# The web client, from npm; its index.html loads files from node_modules
sao: $(SAO_DIR)/package/.installed

$(SAO_DIR)/package/.installed:
	rm -rf $(SAO_DIR) && mkdir -p $(SAO_DIR)
	cd $(SAO_DIR) && $(NPM_RETRY) npm pack --silent tryton-sao@$(SAO_VERSION) \
		&& tar xzf tryton-sao-$(SAO_VERSION).tgz
	cd $(SAO_DIR)/package && $(NPM_RETRY) npm install --silent \
		--omit=dev --legacy-peer-deps --no-audit --no-fund
	touch $@

# The dispatch board's map (addons/coop_dispatch), from npm: its dist/ is
# served as it is under /<database>/dispatch/leaflet/
leaflet: $(LEAFLET_DIR)/package/.installed

$(LEAFLET_DIR)/package/.installed:
	rm -rf $(LEAFLET_DIR) && mkdir -p $(LEAFLET_DIR)
	cd $(LEAFLET_DIR) && $(NPM_RETRY) npm pack --silent leaflet@$(LEAFLET_VERSION) \
		&& tar xzf leaflet-$(LEAFLET_VERSION).tgz
	touch $@

clean:
	rm -rf $(VENV) var build *.egg-info
