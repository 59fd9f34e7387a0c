"""Every model, imported so that Base.metadata knows all tables."""
from .base import SRID, Base
from .areas import AREA_LEVELS, Area
from .grids import GRID_KINDS, Grid
from .buildings import Building, GroundLine, Road, RoadSegment
from .places import Place
from .workers import WORKER_ROLES, Position, TrackDay, Worker, WorkerAssignment
from .incidents import CHANNELS, CITIZEN_CHANNELS, LIMIT_UNITS, OPEN_STATUSES, SEVERITIES, STATUSES, VISIBILITIES, Category, IdempotentRequest, Incident, IncidentEvent, IncidentPhoto, StreamPosition, StreamUnsequenced
from .cameras import Camera, CameraBlindSpot, CameraCoverage, CameraDirty
from .plans import PLAN_STATUSES, GridPlan, GridPlanEvent, GridPlanFeature
from .layers import LayerVersion
from .users import USER_ROLES, ApiToken, AppUser, AuditEntry, UserSession
from .outbox import MESSAGE_CHANNELS, MESSAGE_STATUSES, TOLD_STEPS, OutboxMessage
from .departments import (ACTIVE_TASK_STATUSES, DEPARTMENT_KINDS, HANDLINGS, RETURN_REASONS, TASK_ROLES,
                          TASK_STATUSES, REQUEST_KINDS, REQUEST_REASONS, Department, DepartmentArea,
                          IncidentRequest, IncidentTask, RoutingRule)
from .calendar import WorkCalendarDay
from .register import (ACCESS_ACTIONS, CARE_TAGS, KEY_TAGS, ORGANISATION_KINDS, REGISTER_KINDS, REGISTRATIONS,
                       RELATIONS, RISK_TAGS, SEXES, UNIT_USES, HouseUnit, Organisation, PersonAccess,
                       RegisterVersion, Resident, Visit)
from .parts import PART_GROUPS, PART_STATUSES, STANDARD_KINDS, CategoryStandard, Part, PartKind
from .sites import Site

__all__ = [
    "SRID", "Base", "AREA_LEVELS", "Area", "GRID_KINDS", "Grid", "Building", "GroundLine", "Place", "Road",
    "RoadSegment", "CHANNELS", "OPEN_STATUSES", "SEVERITIES", "STATUSES", "VISIBILITIES", "WORKER_ROLES", "Position", "TrackDay", "Worker", "WorkerAssignment", "Category",
    "Incident", "IncidentEvent", "IncidentPhoto", "IdempotentRequest", "StreamPosition", "StreamUnsequenced", "Camera", "CameraCoverage", "CameraDirty", "CameraBlindSpot", "PLAN_STATUSES", "GridPlan", "GridPlanEvent", "GridPlanFeature",
    "LayerVersion", "USER_ROLES", "AppUser", "ApiToken", "AuditEntry", "UserSession",
    "MESSAGE_CHANNELS", "MESSAGE_STATUSES", "TOLD_STEPS", "OutboxMessage",
    "ACTIVE_TASK_STATUSES", "DEPARTMENT_KINDS", "HANDLINGS", "RETURN_REASONS", "TASK_ROLES", "TASK_STATUSES",
    "Department", "DepartmentArea", "IncidentTask", "RoutingRule", "REQUEST_KINDS", "REQUEST_REASONS",
    "IncidentRequest",
    "LIMIT_UNITS", "WorkCalendarDay",
    "ACCESS_ACTIONS", "CARE_TAGS", "KEY_TAGS", "ORGANISATION_KINDS", "REGISTER_KINDS", "REGISTRATIONS", "RELATIONS",
    "RISK_TAGS", "SEXES", "UNIT_USES", "HouseUnit", "Organisation", "PersonAccess", "RegisterVersion", "Resident",
    "Visit",
    "PART_GROUPS", "PART_STATUSES", "STANDARD_KINDS", "CategoryStandard", "Part", "PartKind",
    "Site",
]
