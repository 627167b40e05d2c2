"""The rules app's models, one module per job (Django finds them through this module)."""

from loket.rules.models_approvals import (
    Approval,
    ApprovalStatus,
    ApprovalStep,
    ApproverRole,
    StepStatus,
)
from loket.rules.models_automation import Firing, GuardTrip, Rule, TimedMark, Trigger
from loket.rules.models_types import (
    CustomField,
    FieldType,
    FieldValue,
    KindMembership,
    OrganisationKind,
    RequestType,
    TicketRequest,
)

__all__ = [
    "Approval",
    "ApprovalStatus",
    "ApprovalStep",
    "ApproverRole",
    "CustomField",
    "FieldType",
    "FieldValue",
    "Firing",
    "GuardTrip",
    "KindMembership",
    "OrganisationKind",
    "RequestType",
    "Rule",
    "StepStatus",
    "TicketRequest",
    "TimedMark",
    "Trigger",
]
