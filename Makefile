# Fundamentals of ML Engineering: the two commands a learner needs are
#   make lab    set up (once), build the notebooks, check the machine, start JupyterLab
#   make test   set up (once), build, run the whole test suite
# Set-up is idempotent: .venv/ is (re)made only when missing, broken or older
# than pyproject.toml.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.mlcourse-installed
# True when a Java 17+ is on the PATH: lesson 15's Spark part (an optional extra) can run
JAVA_OK = $(BIN)/python -c 'import sys; from mlcourse import spark; v = spark.java_version(); sys.exit(not (v and v >= spark.JAVA_NEEDED))'

.PHONY: setup build lab test site bench doctor mlflow serve spark clean distclean

setup: $(STAMP)

# Installs requirements.lock (exact versions, hash-checked), then the course within those versions;
# mlcourse/workbook/lock.py says how another platform (macOS) is handled. LOCK_STRICT=1: no fallback.
$(STAMP): pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] not in [(3, 11), (3, 12)])' \
	  || { echo "The course needs Python 3.11 (or 3.12); found: $$($(PYTHON) --version 2>&1). Set PYTHON=/path/to/python3.11"; exit 1; }
	@$(BIN)/python -c 'import sys' 2>/dev/null || { echo "Creating $(VENV)/ ..."; rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	@echo "Installing the course's packages into $(VENV)/ from requirements.lock (2 to 3 minutes, once) ..."
	$(BIN)/python -m mlcourse.workbook.lock install $(if $(LOCK_STRICT),--strict)
	@if $(JAVA_OK); then echo "Java 17+ found: adding Spark for lesson 15 (about 490 MB) ..."; \
	  $(BIN)/python -m mlcourse.workbook.lock install --extra spark; \
	else echo "No Java 17+ here: lesson 15 will skip its Spark part (install Java, then make spark)"; fi
	$(BIN)/mlcourse setup
	@touch $(STAMP)

# Lesson 15's optional Spark part: pyspark (about 490 MB), once Java 17+ is installed.
spark: setup
	@$(JAVA_OK) || { $(BIN)/python -c 'from mlcourse import spark; print(spark.missing())'; exit 1; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[spark]'

build: setup
	$(BIN)/mlcourse build

doctor: setup
	$(BIN)/mlcourse doctor

lab: build
	$(BIN)/mlcourse doctor
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jupyter lab --ip=127.0.0.1 --port=$(or $(PORT),8888) --allow-root \
	  --ServerApp.root_dir="$(CURDIR)" --LabApp.default_url=/lab/tree/index.ipynb \
	  --LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate

# Lint first (file and line of each finding). Then the suite, one worker per core (pytest-xdist), one
# BLAS/OpenMP thread per worker so two workers never fight over the same two cores; each lesson is a
# test of its own there (mlcourse/workbook/lesson_tests.py), run top to bottom as the site runs it and
# into the site's cache, sharing the cores with the tests that wait on servers. The solution notebooks
# are run by tests/test_grade_lessons.py, each as a learner's submission in the grader's sandbox, which
# fails on any cell error or any check short of full marks. Last, the site, which then only renders
# (warnings are errors), and tests/test_site.py on its pages.
TEST_ENV := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
test: build
	$(BIN)/ruff check --output-format concise
	$(TEST_ENV) $(BIN)/python -m pytest -p mlcourse.workbook.lesson_tests -n auto --dist loadfile \
	  --ignore=tests/test_site.py lessons tests
	$(BIN)/mlcourse site
	$(TEST_ENV) $(BIN)/python -m pytest -q tests/test_site.py

# The course as a static site in _build/html/ (every lesson run, with its figures; offline; warnings are
# errors). After `make test` it only re-renders; open _build/html/index.html. Publishing: see the README.
site: build
	$(BIN)/mlcourse site

# The newest versions pyproject.toml's ranges allow (not the lock), in a scratch venv, then `make test`
# itself on it, with that venv's Jupyter kernel: drift is found by the course before a class finds it.
# Ends by listing how those versions differ from requirements.lock (`.venv/bin/mlcourse lock --upgrade` adopts them).
LATEST := .cache/latest-venv
.PHONY: test-latest
test-latest: BIN := $(LATEST)/bin
test-latest:
	rm -rf $(LATEST)
	$(PYTHON) -m venv $(LATEST)
	@echo "Installing the newest versions the ranges allow into $(LATEST)/ ..."
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade -e .
	@if $(JAVA_OK); then $(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade -e '.[spark]'; fi
	$(BIN)/mlcourse setup
	@touch $(LATEST)/.mlcourse-installed
	@status=0; JUPYTER_PATH="$(CURDIR)/$(LATEST)/share/jupyter" MLCOURSE_UNLOCKED=1 \
	  $(MAKE) --no-print-directory test VENV=$(LATEST) || status=$$?; \
	echo "How $(LATEST)/ differs from requirements.lock:"; $(BIN)/python -m mlcourse.workbook.lock diff; exit $$status

# MLflow's UI on the course's store, 127.0.0.1 and a free port (or PORT=5000); Ctrl-C stops it.
mlflow: setup
	$(BIN)/mlcourse mlflow $(if $(PORT),--port $(PORT))

# The course's model server (lesson 13), 127.0.0.1 and a free port (or PORT=8000); Ctrl-C stops it.
serve: setup
	$(BIN)/mlcourse serve $(if $(PORT),--port $(PORT))

bench: build
	$(BIN)/mlcourse bench

# Removes generated notebooks (never an edited one: those are reported and kept).
clean:
	@if [ -x $(BIN)/mlcourse ]; then $(BIN)/mlcourse clean; fi
	rm -rf .pytest_cache .cache _build mlcourse.egg-info
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
