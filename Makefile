# Two commands: `make run` and `make test`. Each installs what it needs first.
SHELL := /bin/bash
# Outside the clone, so that fresh clones build warm.
export CARGO_TARGET_DIR ?= $(HOME)/.cache/usnumhub-target
# cargo-leptos sets this when it compiles; setting it for plain cargo too
# keeps one set of build artifacts instead of two.
export LEPTOS_OUTPUT_NAME := usnumhub
export PATH := $(PATH):$(HOME)/.cargo/bin

.PHONY: run test bench torture build release watch setup setup-test clean-data

## Start the app on its embedded default (SQLite in ./data) at http://127.0.0.1:3000
run: setup
	cargo leptos serve --split

## Every test: Rust on SQLite and PostgreSQL, Playwright in Chromium (two journeys also in Firefox)
test: setup-test build
	scripts/test.sh

## Benchmarks (release build); they print tables, not tests, and add them
## to BENCHMARKS.md with the machine and the date
bench:
	scripts/setup.sh bench
	scripts/bench.sh

## Torture tests in full: 1,000 operations from 50 clients, SIGKILL and a
## PostgreSQL restart under load (the short form runs inside `make test`)
torture: setup-test
	TORTURE_FULL=1 cargo test -p server --test torture -- --nocapture

## Developer loop with live reload
watch: setup
	cargo leptos watch

build: setup
	cargo leptos build --split

## The production build (optimised, split, precompressed) in target/site
release:
	scripts/setup.sh release
	scripts/release.sh

setup:
	scripts/setup.sh build

setup-test:
	scripts/setup.sh test

## Forget the local database and generated secrets
clean-data:
	rm -rf data
