from .catalogue import DeadlineRule, FeeKind, Service
from .registry import (
    DayOff,
    Department,
    Deputy,
    Office,
    OfficeGroupObjectPermission,
    OfficeIdentity,
    OfficeKind,
    OfficeUserObjectPermission,
    StaffMembership,
    StaffRole,
)

__all__ = [
    "DayOff",
    "DeadlineRule",
    "Department",
    "Deputy",
    "FeeKind",
    "Office",
    "OfficeGroupObjectPermission",
    "OfficeIdentity",
    "OfficeKind",
    "OfficeUserObjectPermission",
    "Service",
    "StaffMembership",
    "StaffRole",
]
