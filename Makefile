# The short commands. Each one does its own set-up first, so on a fresh
# Debian 12 machine `make test` and `make pgo-arm64` work straight from a clone.

ARCHES := x86_64 arm64
PGOKIT := scripts/pgokit
# A Python that has pytest (Debian's, after set-up), whatever `python3` is on PATH.
PYTHON = $(shell for py in "$$PGOKIT_PYTHON" /usr/bin/python3 python3; do \
           [ -n "$$py" ] && "$$py" -c 'import click, pytest' 2>/dev/null && { echo "$$py"; break; }; done)

PGO_FLAGS ?=

.PHONY: pgo $(addprefix pgo-,$(ARCHES)) setup build test test-scripts $(addprefix build-,$(ARCHES)) $(addprefix test-,$(ARCHES)) clean distclean

## setup: install the toolchain (apt) and build the arm64 sysroot; fast when done
setup:
	@scripts/bootstrap
	@$(PGOKIT) setup $(SETUP_FLAGS)

## pgo-ARCH: every stage for one arch; the binary lands in dist/ARCH/
pgo: $(addprefix pgo-,$(ARCHES))

$(addprefix pgo-,$(ARCHES)): pgo-%: setup
	$(PGOKIT) pipeline --arch $* $(PGO_FLAGS)

## build: the release build of everything, for x86_64 and arm64
build: $(addprefix build-,$(ARCHES))

$(addprefix build-,$(ARCHES)): build-%: setup
	cmake --preset $*-release
	cmake --build --preset $*-release

## test: set-up, then every test: the CLI's, then both arches' (arm64 under qemu)
test: test-scripts $(addprefix test-,$(ARCHES))

test-scripts: setup
	$(PYTHON) -m pytest -q scripts/tests

$(addprefix test-,$(ARCHES)): test-%: build-%
	ctest --preset $*-release

## clean: remove build folders and dist/ (keeps the sysroot and downloaded packages)
clean:
	[ ! -d build ] || find build -mindepth 1 -maxdepth 1 ! -name sysroot -exec rm -rf {} +
	rm -rf dist

## distclean: remove everything set-up and builds made inside the checkout
distclean:
	rm -rf build dist
