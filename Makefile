# Two commands for a newcomer: `make run` and `make test`. Both create .venv and install on first use.
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test eval install lint typecheck pytest db-start db-stop db-status seed router clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Cazo needs Python 3.11; set PYTHON=/path/to/python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]' --config-settings editable_mode=compat
	@touch $(STAMP)

install: $(STAMP)

## Start the embedded database, migrate, seed the demo salon and serve on http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/cazo run

## Lint, type-check and run the whole test suite
test: lint typecheck pytest

## Run every eval suite and compare with evals/baselines (what CI runs after the tests)
eval: $(STAMP)
	$(BIN)/cazo eval gate

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/pytest

db-start: $(STAMP)
	$(BIN)/cazo db start

db-stop: $(STAMP)
	$(BIN)/cazo db stop

db-status: $(STAMP)
	$(BIN)/cazo db status

seed: $(STAMP)
	$(BIN)/cazo seed demo

# Retrain the embedding router after changing prompts/intents/*.jsonl, and commit the weights it writes.
router: $(STAMP)
	$(BIN)/python -m agents.routers.train

clean:
	-$(BIN)/cazo db stop
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
