# Every target here is what CI runs; nothing hidden.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: test lint typecheck unit browser bench demo clean new-investigation image

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[sandbox,test]'
	touch $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/lint-imports --no-logo

typecheck: $(STAMP)
	$(BIN)/mypy

# On every core (pytest-xdist): the suite waits on subprocesses and sockets as much as it
# computes. `.venv/bin/pytest -p no:xdist` runs it in one process.
unit: $(STAMP) browser
	$(BIN)/pytest -n auto

# Debian's Chromium, which the web UI's browser tests (tests/ui) drive through Playwright:
# installed when missing (Playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Debian's chromium for the browser tests (tests/ui)"; \
		sudo=; [ "$$(id -u)" -eq 0 ] || sudo=sudo; \
		$$sudo apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq chromium; }

test: lint typecheck unit

demo: $(STAMP)
	$(BIN)/cadctl demo

bench: $(STAMP)
	$(BIN)/python -m benchmarks

new-investigation: $(STAMP)
	$(BIN)/python -m cad.investigations.scaffold "$(NAME)"

# The container image (Containerfile), with whichever of podman, buildah or docker is
# installed. Not part of `make test` (hadolint checks the Containerfile there).
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)
IMAGE ?= cad:$(VERSION)
image:
	@engine=$$(command -v podman || command -v buildah || command -v docker || true); \
	if [ -z "$$engine" ]; then \
		echo "make image: none of podman, buildah or docker is installed"; exit 1; \
	fi; \
	build=build; [ "$$(basename $$engine)" = buildah ] && build=bud; \
	set -x; "$$engine" $$build -f Containerfile -t $(IMAGE) \
		--build-arg VERSION=$(VERSION) \
		--build-arg REVISION=$$(git rev-parse HEAD 2>/dev/null || echo unknown) \
		--build-arg CREATED=$$(date -u +%Y-%m-%dT%H:%M:%SZ) .

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .import_linter_cache test-artifacts
