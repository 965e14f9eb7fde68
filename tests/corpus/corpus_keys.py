"""Where the corpus test keeps its outcomes and environment for the end-of-session summary (pytest stash)."""

from __future__ import annotations

import pytest
from corpus_check import Environment, Outcome

OUTCOMES = pytest.StashKey[list[Outcome]]()
ENVIRONMENT = pytest.StashKey[Environment]()
