# The short commands. Each one does its own set-up first, so on a fresh
# Debian 12 machine `make test` and `make pgo-arm64` work straight from a clone.

ARCHES := x86_64 arm64
# Sanitizer builds of the server (x86_64-asan, x86_64-tsan presets).
SANITIZERS := asan tsan
PGOKIT := scripts/pgokit
# A Python that has pytest (Debian's, after set-up), whatever `python3` is on PATH.
PYTHON = $(shell for py in "$$PGOKIT_PYTHON" /usr/bin/python3 python3; do \
           [ -n "$$py" ] && "$$py" -c 'import click, pytest' 2>/dev/null && { echo "$$py"; break; }; done)

PGO_FLAGS ?=
# make soak SOAK_FLAGS='--duration 600 --connections 800'
SOAK_FLAGS ?=
BENCH_FLAGS ?=

.PHONY: pgo $(addprefix pgo-,$(ARCHES)) setup build test test-scripts $(addprefix build-,$(ARCHES)) $(addprefix test-,$(ARCHES)) \
        $(addprefix build-,$(SANITIZERS)) $(addprefix test-,$(SANITIZERS)) bench soak clean distclean

## setup: install the toolchain (apt) and build the arm64 sysroot; fast when done
setup:
	@scripts/bootstrap
	@$(PGOKIT) setup $(SETUP_FLAGS)

## pgo-ARCH: every stage for one arch; the binary lands in dist/ARCH/
pgo: $(addprefix pgo-,$(ARCHES))

$(addprefix pgo-,$(ARCHES)): pgo-%: setup
	$(PGOKIT) pipeline --arch $* $(PGO_FLAGS)

## bench: every variant (clang and GCC -O2, PGO, +ThinLTO, +BOLT) measured side by side;
## the report lands in dist/report/ (report.html, report.md, bench.json)
bench: setup
	$(PGOKIT) bench $(BENCH_FLAGS)

## build: the release build of everything, for x86_64 and arm64
build: $(addprefix build-,$(ARCHES))

$(addprefix build-,$(ARCHES)): build-%: setup
	cmake --preset $*-release
	cmake --build --preset $*-release

## test: set-up, then every test: the CLI's, both arches' (arm64 under qemu), then the
## server's again under ASan + UBSan (with its fuzzer) and under TSan
test: test-scripts $(addprefix test-,$(ARCHES)) $(addprefix test-,$(SANITIZERS))

test-scripts: setup
	$(PYTHON) -m pytest -q scripts/tests

$(addprefix test-,$(ARCHES)): test-%: build-%
	ctest --preset $*-release

$(addprefix build-,$(SANITIZERS)): build-%: setup
	cmake --preset x86_64-$*
	cmake --build --preset x86_64-$*

## test-asan, test-tsan: the server's unit, integration and smoke tests under ASan + UBSan
## (plus the fuzzer's corpus replay and a 60 s fuzz run) or under TSan
$(addprefix test-,$(SANITIZERS)): test-%: build-%
	ctest --preset x86_64-$*

## soak: the release server under several minutes of wrk load, slow and malformed clients;
## see app/README.md (SOAK_FLAGS='--duration 600' runs longer)
soak: build-x86_64
	$(PYTHON) app/tests/soak.py --server build/x86_64-release/app/pgokit-server $(SOAK_FLAGS)

## clean: remove build folders and dist/ (keeps the sysroot and downloaded packages)
clean:
	[ ! -d build ] || find build -mindepth 1 -maxdepth 1 ! -name sysroot -exec rm -rf {} +
	rm -rf dist

## distclean: remove everything set-up and builds made inside the checkout
distclean:
	rm -rf build dist
