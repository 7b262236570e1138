# TracSeq Desktop: the only two commands a new machine needs are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
CORE_VENV := .venv-core
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORE_STAMP := $(CORE_VENV)/.installed
DEMO_DB ?= $(CURDIR)/.demo/demo.db
DEMO_SAMPLES ?= 20000

# Debian packages: Qt's offscreen and xcb platform libraries, fonts, the zbar
# decoder, a virtual display for screenshots and socat for serial tests.
DEB_PACKAGES := libegl1 libgl1 libfontconfig1 libfreetype6 libxkbcommon0 \
	libxkbcommon-x11-0 libdbus-1-3 libglib2.0-0 libx11-xcb1 libxcb-cursor0 \
	libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 \
	libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 \
	libxcb-xfixes0 libxrender1 libsm6 libice6 fonts-dejavu-core libzbar0 \
	xvfb xauth socat

.PHONY: run test lint types contracts catalogs pytest core-test deps system-deps clean demo screenshots bench

deps: $(STAMP)

system-deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:" $$missing; \
		SUDO=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system-deps
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@if $(BIN)/python -m pip show opencv-python >/dev/null 2>&1; then \
		echo "opencv-python is installed: it bundles a Qt 5 that collides with PySide6; use opencv-python-headless" >&2; exit 1; fi
	@touch $@

# The core's own environment: no PySide6, OpenCV or pyqtgraph, to prove the core does not need them.
$(CORE_STAMP): pyproject.toml
	@test -x $(CORE_VENV)/bin/python || $(PYTHON) -m venv $(CORE_VENV)
	$(CORE_VENV)/bin/python -m pip install -q --upgrade pip
	$(PYTHON) tools/core_requirements.py > $(CORE_VENV)/requirements.txt
	$(CORE_VENV)/bin/python -m pip install -q -r $(CORE_VENV)/requirements.txt pytest hypothesis
	$(CORE_VENV)/bin/python -m pip install -q --no-deps -e .
	@touch $@

run: $(STAMP)
	@test -f $(DEMO_DB) || { mkdir -p $(dir $(DEMO_DB)) && $(BIN)/tracseq --db $(DEMO_DB) demo --samples $(DEMO_SAMPLES); }
	$(BIN)/python tools/launch.py --db $(DEMO_DB)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy

contracts: $(STAMP)
	$(BIN)/lint-imports

catalogs: $(STAMP)
	$(BIN)/python tools/i18n.py check

# The suite runs in a few processes: the Qt window suites each get their own, so a Qt
# object left behind by one suite can never be torn down in the middle of another
# (PySide6 6.12 crashed once that way, in 1 run of 6; see the closing note of session 1).
PYTEST_GROUPS := "tests/unit tests/integration/core tests/integration/camera tests/integration/freezer tests/integration/monitoring tests/integration/vision tests/integration/workflows" \
	"tests/integration/sync tests/e2e/sync" \
	tests/integration/ui tests/integration/ui_camera tests/integration/ui_freezer tests/integration/ui_sync \
	tests/integration/ui_workflows tests/e2e/ui

pytest: $(STAMP)
	@set -e; total=0; for group in $(PYTEST_GROUPS); do \
		echo "== pytest $$group"; \
		QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -p no:cacheprovider $$group; \
	done
	@echo "== every pytest group passed"

core-test: $(CORE_STAMP)
	$(CORE_VENV)/bin/python -m pytest -q -W ignore::pytest.PytestConfigWarning tests/unit/core tests/integration/core

test: lint types contracts catalogs core-test pytest

bench: $(STAMP)
	$(BIN)/python bench/inventory.py

clean:
	rm -rf $(VENV) $(CORE_VENV) .demo build dist *.egg-info
