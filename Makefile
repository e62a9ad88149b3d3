# The two commands of the README:
#   make demo   install everything, then run the whole pipeline on the embedded defaults
#   make test   install everything, then run the test suite
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q

.PHONY: install demo test

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	# torch first and exact: a range would pull a multi-GB CUDA build instead
	# of the CPU wheel.
	$(PIP) install torch==2.13.0
	$(PIP) install -e ".[test]"
	touch $@

install: $(VENV)/.installed
	scripts/install_system_deps.sh

demo: install
	$(PY) -m pipeline.runner

test: $(VENV)/.installed
	scripts/install_system_deps.sh --with-chromium
	$(PY) -m pytest -q
