from .registry import (
    DayOff,
    Department,
    Deputy,
    Office,
    OfficeGroupObjectPermission,
    OfficeKind,
    OfficeUserObjectPermission,
    StaffMembership,
    StaffRole,
)

__all__ = [
    "DayOff",
    "Department",
    "Deputy",
    "Office",
    "OfficeGroupObjectPermission",
    "OfficeKind",
    "OfficeUserObjectPermission",
    "StaffMembership",
    "StaffRole",
]
