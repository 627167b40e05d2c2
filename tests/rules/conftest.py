"""The webhook tests' loopback receiver, for the rules' "call a webhook" action."""

from tests.webhooks.conftest import hook_receiver, loopback_allowed

__all__ = ["hook_receiver", "loopback_allowed"]
