# Two entry points for a fresh machine: `make demo` and `make test`.
# Both create what they need: .venv (our packages), .ls-venv (the Label Studio server,
# kept apart so its pins never meet ours), Debian's chromium for browser tests and Debian's
# openrefine (3.6) for the reconciliation test with the real client.

# Python 3.11 or 3.12 (Ubuntu 24.04's and most GPU machines' is 3.12): `make test PYTHON=python3.12`.
PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || echo python3.11)
VENV := .venv
LS_VENV := .ls-venv
HW := $(VENV)/bin/hw
DEMO_DIR ?= demo-study

.PHONY: demo test lint install labelstudio chromium openrefine clean

install: $(VENV)/.installed
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -c constraints.txt -e '.[test,onnx]'
	touch $@

labelstudio: $(LS_VENV)/.installed
$(LS_VENV)/.installed: labelstudio-requirements.txt $(VENV)/.installed
	$(PYTHON) -m venv $(LS_VENV)
	$(LS_VENV)/bin/pip install --quiet --upgrade pip
	$(LS_VENV)/bin/pip install --quiet -r labelstudio-requirements.txt
	# Run Label Studio's database migrations once; every server start then copies the result.
	$(HW) labelstudio prepare
	touch $@

chromium: /usr/bin/chromium
/usr/bin/chromium:
	$(if $(shell command -v sudo),sudo) apt-get update -qq
	$(if $(shell command -v sudo),sudo) apt-get install -y -qq chromium

# Debian 12 packages OpenRefine 3.6; where the distribution does not, its one test is skipped and says why.
openrefine: /usr/bin/openrefine
/usr/bin/openrefine:
	$(if $(shell command -v sudo),sudo) apt-get update -qq
	$(if $(shell command -v sudo),sudo) apt-get install -y -qq openrefine \
		|| echo "no openrefine package here: tests/web/test_web_openrefine.py will be skipped"

demo: install labelstudio
	DEMO_DIR=$(DEMO_DIR) ./scripts/demo.sh

# Lint, format and type checks first: they take seconds and fail fast.
lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: lint labelstudio chromium openrefine
	$(VENV)/bin/python -m pytest -q

clean:
	rm -rf $(VENV) $(LS_VENV) $(DEMO_DIR) test-artifacts
