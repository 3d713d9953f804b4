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

.PHONY: setup build lab test bench doctor mlflow serve spark clean distclean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] not in [(3, 11), (3, 12)])' \
	  || { echo "The course needs Python 3.11 (or 3.12); found: $$($(PYTHON) --version 2>&1). Set PYTHON=/path/to/python3.11"; exit 1; }
	@$(BIN)/python -c 'import sys' 2>/dev/null || { echo "Creating $(VENV)/ ..."; rm -rf $(VENV); $(PYTHON) -m venv $(VENV); }
	@echo "Installing the course's packages into $(VENV)/ (2 to 3 minutes, once) ..."
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	@if $(JAVA_OK); then echo "Java 17+ found: adding Spark for lesson 15 (about 490 MB) ..."; \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[spark]'; \
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

# One worker per core (pytest-xdist), each notebook kept whole on one worker; one BLAS/OpenMP
# thread per worker, so two workers never fight over the same two cores. The solution notebooks
# are not given to nbval: tests/test_grade_lessons.py already runs each one, as a learner's
# submission in the grader's sandbox, and fails on any cell error or any check short of full marks.
test: build
	$(BIN)/ruff check --output-format concise
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest --nbval-lax -n auto --dist loadfile tests lessons

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
	rm -rf .pytest_cache .cache mlcourse.egg-info
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV)
