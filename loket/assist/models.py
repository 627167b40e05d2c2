"""The assistant's models (each group in its own module)."""

from loket.assist.models_secrets import HiddenSecrets

__all__ = ["HiddenSecrets"]
