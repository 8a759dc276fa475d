"""SQLAlchemy mappings of the core tables. Importing this package registers every table on Base.metadata."""

from domain.models.audit import AuditEntry
from domain.models.base import Base, tenant_owned_tables
from domain.models.bookings import (
    ACTIVE_STATUSES,
    Booking,
    BookingItem,
    BookingStatus,
    IdempotencyRecord,
    WaitlistEntry,
    WaitlistStatus,
)
from domain.models.catalog import Service, ServiceCategory, ServiceResourceNeed
from domain.models.conversations import ConversationTurn, FaqEntry, FaqPhrasing, Handoff, HandoffStatus
from domain.models.customers import Channel, Customer, Gender, Language
from domain.models.notices import (
    PROMOTIONAL_KINDS,
    CustomerMessage,
    EventRecord,
    Feedback,
    MessageKind,
    MessageStatus,
)
from domain.models.staff import (
    CommissionPlan,
    Staff,
    StaffBreak,
    StaffLeave,
    StaffRole,
    StaffShift,
    StaffSkill,
)
from domain.models.tenancy import Branch, BranchHoliday, BranchHours, Resource, Tenant
from domain.models.whatsapp import (
    DeliveryReceipt,
    DeliveryState,
    InboundKind,
    InboundMessage,
    InboundStatus,
    OutboundMessage,
    OutboundSource,
    OutboundStatus,
    WhatsAppNumber,
)

__all__ = [
    "ACTIVE_STATUSES", "AuditEntry", "Base", "Booking", "BookingItem", "BookingStatus", "Branch", "BranchHoliday",
    "BranchHours", "Channel", "CommissionPlan", "ConversationTurn", "Customer", "CustomerMessage", "EventRecord",
    "Feedback", "MessageKind", "MessageStatus", "PROMOTIONAL_KINDS", "FaqEntry", "FaqPhrasing", "Gender",
    "Handoff", "HandoffStatus", "IdempotencyRecord", "Language", "Resource", "Service", "ServiceCategory",
    "ServiceResourceNeed", "Staff", "StaffBreak", "StaffLeave", "StaffRole", "StaffShift", "StaffSkill", "Tenant",
    "WaitlistEntry", "WaitlistStatus", "tenant_owned_tables", "DeliveryReceipt", "DeliveryState", "InboundKind",
    "InboundMessage", "InboundStatus", "OutboundMessage", "OutboundSource", "OutboundStatus", "WhatsAppNumber",
]
