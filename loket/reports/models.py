"""The daily roll-up: tickets created and resolutions per local day and channel.

Kept current by a ``post_save`` receiver on the ticket ``Event`` (in the same transaction as the
change), rebuilt by ``loket reports rebuild`` and compared with the raw rows by ``loket
reports check``. The volume report reads it when nothing but the period narrows the scope.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from loket.tickets.models import Channel


class DailyVolume(models.Model):
    day = models.DateField()  # in the desk's time zone (settings.TIME_ZONE)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    created = models.PositiveIntegerField(default=0)
    solved = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["day", "channel"]
        verbose_name = _("daily volume")
        verbose_name_plural = _("daily volumes")
        constraints = [
            models.UniqueConstraint(fields=["day", "channel"], name="reports_one_row_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.channel}"
