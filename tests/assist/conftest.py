"""The API tests' token client, shared with tests/api."""

from tests.api.conftest import anonymous, api_as  # noqa: F401  (fixtures)
