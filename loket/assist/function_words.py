"""The desk languages' own small words (``loket.mail.function_words``, where language detection
reads them too)."""

from loket.mail.function_words import clear_winner, votes

__all__ = ["clear_winner", "votes"]
