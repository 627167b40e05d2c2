"""Chooses the test database before Django reads its settings.

SQLite (in memory) always; PostgreSQL when ``LOKET_TEST_DATABASE_URL`` is set.
"""

import os
import tempfile

os.environ.setdefault("LOKET_DATA_DIR", tempfile.mkdtemp(prefix="loket-test-"))
os.environ["LOKET_AXES_ENABLED"] = os.environ.get("LOKET_AXES_ENABLED", "1")
if os.environ.get("LOKET_TEST_DATABASE_URL"):
    os.environ["LOKET_DATABASE_URL"] = os.environ["LOKET_TEST_DATABASE_URL"]
else:
    os.environ.pop("LOKET_DATABASE_URL", None)
