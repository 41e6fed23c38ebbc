"""Every event type: an example that survives the Kafka envelope, tolerant reading, a consistent registry."""

from __future__ import annotations

import importlib
import json
import pkgutil
import re
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

import contracts.events
from contracts import generate
from contracts.envelope import SPEC_VERSION, Event, decode, encode
from contracts.topics import EVENT_TOPICS, EVENT_TYPES, INBOUND_TYPES, TOPICS, topic_for

AGENCY, PARTNERSHIP, MEMBER, DECISION, COMMITMENT = (str(uuid.uuid4()) for _ in range(5))
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
CONTACT, ENDORSEMENT, DISPUTE = (str(uuid.uuid4()) for _ in range(3))
FACILITY, BOOKING = str(uuid.uuid4()), str(uuid.uuid4())
CURRICULUM, VERSION, DECISION, COHORT, INCIDENT, DRILL = (str(uuid.uuid4()) for _ in range(6))
MODULE: dict[str, Any] = {
    "code": "m1",
    "title": "Seizing a virtual machine",
    "delivery_mode": "virtual_lab",
    "competencies": [{"code": "cf:chain-of-custody", "level": 3}],
    "duration_minutes": 240,
    "prerequisites": [],
}
TRANCHE = {
    "tranche_id": "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
    "partnership_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
}
EXTENSION = "3a4b5c6d-7e8f-4a9b-8c1d-2e3f4a5b6c7d"
DUE = "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d"
BUDGET = "8b1f2e3d-4c5b-4a69-8788-9a0b1c2d3e4f"
BUDGET_VERSION = "9c2a3f4e-5d6c-4b7a-8899-0a1b2c3d4e5f"
BUDGET_LINES = [
    {"category": "stipends", "owner_country_code": "FR", "amount": 60_000_000},
    {"category": "travel", "owner_country_code": "SN", "amount": 30_000_000},
]
BUDGET_ADOPTED: dict[str, Any] = {
    "budget_id": BUDGET,
    "version_id": BUDGET_VERSION,
    "version": 1,
    "partnership_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
    "fiscal_period": "FY2027",
    "currency": "EUR",
    "total": 90_000_000,
    "lines": BUDGET_LINES,
    "decision_id": "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
    "adopted_at": NOW,
}
EXAMPLES: dict[str, dict[str, Any]] = {
    "finance.transfer_recorded.v1": {
        "transfer_id": "5b0e8d7c-1f2a-4c3b-9d4e-0a1b2c3d4e5f",
        "partnership_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "kind": "single",
        "debit_account_id": "0d6f4c1e-9a3b-4e2d-8c7b-1a2b3c4d5e6f",
        "credit_account_id": "1e7a5d2f-0b4c-4f3e-9d8c-2b3c4d5e6f70",
        "amount": 2500000,
        "currency": "EUR",
        "pending_id": None,
        "code": "contribution",
        "user_data": "payment 2027-01",
        "recorded_at": NOW,
    },
    "finance.budget_proposed.v1": {
        "budget_id": BUDGET,
        "version_id": BUDGET_VERSION,
        "version": 1,
        "partnership_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "fiscal_period": "FY2027",
        "starts_on": "2027-01-01",
        "ends_on": "2027-12-31",
        "currency": "EUR",
        "total": 90_000_000,
        "lines": BUDGET_LINES,
        "subject": f"finance:budget-version:{BUDGET_VERSION}",
        "reason": None,
        "decide_by": NOW,
        "proposed_at": NOW,
    },
    "finance.budget_adopted.v1": BUDGET_ADOPTED,
    "finance.budget_revised.v1": {
        **BUDGET_ADOPTED,
        "version": 2,
        "previous_version": 1,
        "reason": "more labs",
    },
    "finance.budget_rejected.v1": {
        "budget_id": BUDGET,
        "version_id": BUDGET_VERSION,
        "version": 2,
        "partnership_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "outcome": "vetoed",
        "decision_id": "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        "decided_at": NOW,
    },
    "finance.contribution_scale_computed.v1": {
        "scale_id": "6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d",
        "budget_id": BUDGET,
        "budget_version": 1,
        "partnership_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "currency": "EUR",
        "total": 90_000_000,
        "reason": "budget_adopted",
        "shares": [
            {"country_code": "FR", "share": "0.60000000", "amount": 54_000_000},
            {"country_code": "SN", "share": "0.40000000", "amount": 36_000_000},
        ],
        "computed_at": NOW,
    },
    "finance.contribution_scheduled.v1": {
        "partnership_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "country_code": "SN",
        "kind": "assessed",
        "budget_id": BUDGET,
        "currency": "EUR",
        "reason": "budget_adopted",
        "instalments": [{"due_id": DUE, "number": 1, "due_on": "2027-01-01", "amount": 9_000_000}],
        "replaced_due_ids": [],
        "scheduled_at": NOW,
    },
    "finance.contribution_due.v1": {
        "due_id": DUE,
        "partnership_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "country_code": "SN",
        "kind": "assessed",
        "due_on": "2027-01-01",
        "currency": "EUR",
        "amount": 9_000_000,
        "outstanding": 9_000_000,
        "reminded_at": NOW,
    },
    "finance.contribution_paid.v1": {
        "payment_id": "1d2e3f4a-5b6c-4d7e-8f9a-0b1c2d3e4f5a",
        "due_id": DUE,
        "partnership_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "country_code": "SN",
        "currency": "EUR",
        "credited": 1_524_490,
        "paid_amount": 1_000_000_000,
        "paid_currency": "XOF",
        "rate": "0.001524490000",
        "outstanding": 7_475_510,
        "transfer_id": "2e3f4a5b-6c7d-4e8f-9a0b-1c2d3e4f5a6b",
        "paid_on": "2027-01-02",
        "recorded_at": NOW,
    },
    "finance.contribution_overdue.v1": {
        "due_id": DUE,
        "partnership_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "country_code": "SN",
        "kind": "assessed",
        "due_on": "2027-01-01",
        "currency": "EUR",
        "outstanding": 7_475_510,
        "overdue_at": NOW,
    },
    "assessment.indicator_measured.v1": {
        "measurement_id": "4b5c6d7e-8f9a-4b0c-9d1e-2f3a4b5c6d7e",
        "partnership_id": "7c9e6679-7425-40de-944b-e07fc1f90ae7",
        "indicator": "share_of_officers_certified",
        "value": "0.83",
        "unit": "ratio",
        "period_start": "2027-01-01",
        "period_end": "2027-06-30",
        "evaluator": "External evaluation panel",
        "measured_at": NOW,
    },
    "finance.tranche_planned.v1": {
        **TRANCHE,
        "from_account_id": "0d6f4c1e-9a3b-4e2d-8c7b-1a2b3c4d5e6f",
        "to_account_id": "1e7a5d2f-0b4c-4f3e-9d8c-2b3c4d5e6f70",
        "amount": 25_000_000,
        "currency": "EUR",
        "indicator": "share_of_officers_certified",
        "target": "0.80",
        "comparison": "at_least",
        "deadline": NOW,
        "planned_at": NOW,
    },
    "finance.tranche_reserved.v1": {
        **TRANCHE,
        "pending_transfer_id": "5b0e8d7c-1f2a-4c3b-9d4e-0a1b2c3d4e5f",
        "amount": 25_000_000,
        "currency": "EUR",
        "deadline": NOW,
        "reserved_at": NOW,
    },
    "finance.tranche_released.v1": {
        **TRANCHE,
        "transfer_id": "5b0e8d7c-1f2a-4c3b-9d4e-0a1b2c3d4e5f",
        "amount": 25_000_000,
        "currency": "EUR",
        "measurement_id": "4b5c6d7e-8f9a-4b0c-9d1e-2f3a4b5c6d7e",
        "indicator": "share_of_officers_certified",
        "value": "0.83",
        "released_at": NOW,
    },
    "finance.tranche_voided.v1": {
        **TRANCHE,
        "transfer_id": "5b0e8d7c-1f2a-4c3b-9d4e-0a1b2c3d4e5f",
        "amount": 25_000_000,
        "currency": "EUR",
        "deadline": NOW,
        "voided_at": NOW,
    },
    "finance.tranche_extension_requested.v1": {
        **TRANCHE,
        "extension_id": EXTENSION,
        "current_deadline": NOW,
        "requested_deadline": NOW,
        "reason": "The certification exams were postponed by three months",
        "subject": f"finance:tranche-extension:{EXTENSION}",
        "decide_by": NOW,
        "requested_at": NOW,
    },
    "finance.tranche_extension_decided.v1": {
        **TRANCHE,
        "extension_id": EXTENSION,
        "granted": True,
        "requested_deadline": NOW,
        "decision_id": "3f1c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
        "decided_at": NOW,
    },
    "finance.stipend_payable.v1": {
        "stipend_id": EXTENSION,
        "partnership_id": PARTNERSHIP,
        "cohort_id": FACILITY,
        "assignment_id": BOOKING,
        "instructor_country_code": "SN",
        "role": "lead",
        "days": 5,
        "per_day": 15_000,
        "amount": 75_000,
        "currency": "EUR",
        "payable_at": NOW,
    },
    "finance.platform_charged.v1": {
        "platform_id": str(uuid.UUID(int=31)),
        "charge_id": str(uuid.UUID(int=32)),
        "partnership_id": PARTNERSHIP,
        "name": "Moodle for the cyber forensics course",
        "period_start": "2027-01-01",
        "period_end": "2027-02-01",
        "amount": 120_000,
        "currency": "EUR",
        "scale_id": str(uuid.UUID(int=33)),
        "shares": [
            {"country_code": "FR", "share": "0.50000000", "amount": 60_000},
            {"country_code": "SN", "share": "0.50000000", "amount": 60_000},
        ],
        "transfer_id": str(uuid.UUID(int=34)),
        "charged_at": NOW,
    },
    "assessment.rubric_published.v1": {
        "rubric_id": str(uuid.UUID(int=61)),
        "rubric_version_id": str(uuid.UUID(int=62)),
        "partnership_id": PARTNERSHIP,
        "competency": "cyber.forensics",
        "version": 1,
        "dimensions": ["technical_proficiency", "ethical_judgement", "cultural_sensitivity", "human_rights"],
        "criteria": 8,
        "overall_minimum": 60,
        "published_at": NOW,
    },
    "assessment.rubric_submitted.v1": {
        "rubric_id": str(uuid.UUID(int=61)),
        "rubric_version_id": str(uuid.UUID(int=62)),
        "partnership_id": PARTNERSHIP,
        "competency": "cyber.forensics",
        "title": "Digital forensics",
        "version": 1,
        "subject": f"assessment:rubric-version:{uuid.UUID(int=62)}",
        "decide_by": NOW,
        "submitted_by_country_code": "FR",
        "submitted_at": NOW,
    },
    "assessment.evaluation_plan_published.v1": {
        "plan_id": str(uuid.UUID(int=71)),
        "partnership_id": PARTNERSHIP,
        "title": "Atlantic evidence programme: results 2027-2029",
        "version": 1,
        "questions": ["Do joint investigations open faster?"],
        "indicators": ["joint_investigations"],
        "methods": ["national statistics"],
        "schedule": {
            "first_round_on": "2027-04-01",
            "every_months": 3,
            "response_days": 30,
            "remind_before_days": 7,
            "grace_days": 7,
        },
        "published_at": NOW,
    },
    "assessment.evaluation_round_opened.v1": {
        "round_id": str(uuid.UUID(int=72)),
        "plan_id": str(uuid.UUID(int=71)),
        "partnership_id": PARTNERSHIP,
        "plan_version": 1,
        "number": 1,
        "period_start": "2027-01-01",
        "period_end": "2027-03-31",
        "due_at": NOW,
        "indicators": ["joint_investigations"],
        "reviewers": [{"country_code": "SN", "evaluator_id": str(uuid.UUID(int=73))}],
        "opened_at": NOW,
    },
    "assessment.evaluation_round_chased.v1": {
        "round_id": str(uuid.UUID(int=72)),
        "plan_id": str(uuid.UUID(int=71)),
        "partnership_id": PARTNERSHIP,
        "number": 1,
        "kind": "reminder",
        "missing": ["BR"],
        "due_at": NOW,
        "at": NOW,
    },
    "assessment.evaluation_round_closed.v1": {
        "round_id": str(uuid.UUID(int=72)),
        "plan_id": str(uuid.UUID(int=71)),
        "partnership_id": PARTNERSHIP,
        "number": 1,
        "period_start": "2027-01-01",
        "period_end": "2027-03-31",
        "indicators": [{"code": "joint_investigations", "measured_by": ["SN"], "target_met_by": ["SN"]}],
        "missing": ["BR"],
        "closed_at": NOW,
    },
    "assessment.survey_revision_requested.v1": {
        "finding_id": str(uuid.UUID(int=91)),
        "partnership_id": PARTNERSHIP,
        "curriculum_id": CURRICULUM,
        "survey_id": str(uuid.UUID(int=92)),
        "question_id": "share",
        "question": "Would you share a case file with the partner agencies?",
        "mean": "1.80",
        "scale_minimum": 1,
        "scale_maximum": 5,
        "responses": 12,
        "summary": "Officers do not trust the evidence-sharing procedure: teach it with a practical exercise",
        "raised_by_country_code": "FR",
        "raised_at": NOW,
    },
    "assessment.trainee_assessed.v1": {
        "assessment_id": str(uuid.UUID(int=63)),
        "partnership_id": PARTNERSHIP,
        "rubric_id": str(uuid.UUID(int=61)),
        "rubric_version_id": str(uuid.UUID(int=62)),
        "competency": "cyber.forensics",
        "kind": "observation",
        "cohort_id": str(uuid.UUID(int=64)),
        "trainee_id": "SN-0001",
        "trainee_country_code": "SN",
        "assessor_country_code": "BR",
        "percent": "72.5",
        "passed": False,
        "failed_dimensions": ["human_rights"],
        "assessed_at": NOW,
    },
    "assessment.curriculum_revision_requested.v1": {
        "finding_id": str(uuid.UUID(int=65)),
        "partnership_id": PARTNERSHIP,
        "curriculum_id": CURRICULUM,
        "module_ids": ["m2-evidence"],
        "competency": "cyber.forensics",
        "rubric_id": str(uuid.UUID(int=61)),
        "rubric_version_id": str(uuid.UUID(int=62)),
        "summary": "Trainees rarely document the chain of custody: the evidence module needs practice time",
        "evidence": {
            "criterion_id": "custody",
            "dimension": "human_rights",
            "criterion": "Documents the chain of custody",
            "failed": 4,
            "assessed": 9,
            "suppressed": False,
        },
        "raised_by_country_code": "FR",
        "raised_at": NOW,
    },
    "training.mentorship_recorded.v1": {
        "community_id": str(uuid.UUID(int=81)),
        "partnership_id": PARTNERSHIP,
        "mentor_subject": "mentor-7@fr",
        "mentor_country_code": "FR",
        "trainee_id": "SN-PN-004217",
        "trainee_country_code": "SN",
        "recorded_at": NOW,
    },
    "training.revision_request_decided.v1": {
        "revision_request_id": str(uuid.UUID(int=66)),
        "finding_id": str(uuid.UUID(int=65)),
        "source": "assessment",
        "partnership_id": PARTNERSHIP,
        "curriculum_id": CURRICULUM,
        "outcome": "accepted",
        "reason": "Taken into version 3: a practical exercise on custody forms",
        "draft_version": 3,
        "decided_by_country_code": "FR",
        "decided_at": NOW,
    },
    "finance.grant_condition_met.v1": {
        "grant_id": str(uuid.UUID(int=51)),
        "partnership_id": PARTNERSHIP,
        "condition_id": "audit",
        "text": "Audited accounts of the previous year",
        "precedent": True,
        "met_on": "2027-05-02",
        "evidence": "Auditor's unqualified opinion of 2 May 2027",
        "precedents_unmet": 0,
        "recorded_at": NOW,
    },
    "finance.procurement_stage_changed.v1": {
        "procurement_id": str(uuid.UUID(int=41)),
        "partnership_id": PARTNERSHIP,
        "ocid": "ocds-lettp1-00000000-0000-0000-0000-000000000029",
        "release_id": "00000000-0000-0000-0000-000000000029-05-contracted",
        "stage": "contracted",
        "previous_stage": "awarded",
        "title": "Forensic imaging kits for the cyber lab",
        "currency": "EUR",
        "amount": 480_000,
        "supplier_name": "Forensik Instruments GmbH",
        "bids": 3,
        "shares": [
            {"country_code": "FR", "share": "0.50000000", "amount": 240_000},
            {"country_code": "SN", "share": "0.50000000", "amount": 240_000},
        ],
        "transfer_id": str(uuid.UUID(int=42)),
        "changed_at": NOW,
    },
    "finance.allowance_payable.v1": {
        "allowance_id": str(uuid.UUID(int=21)),
        "partnership_id": PARTNERSHIP,
        "cohort_id": str(uuid.UUID(int=22)),
        "nomination_id": str(uuid.UUID(int=23)),
        "trainee_country_code": "BR",
        "venue_country_code": "SN",
        "days": 5,
        "travel": 90_000,
        "subsistence": 40_000,
        "amount": 130_000,
        "currency": "EUR",
        "payable_at": NOW,
    },
    "finance.allowance_paid.v1": {
        "allowance_id": str(uuid.UUID(int=21)),
        "partnership_id": PARTNERSHIP,
        "amount": 130_000,
        "currency": "EUR",
        "transfer_id": str(uuid.UUID(int=24)),
        "paid_at": NOW,
    },
    "finance.stipend_paid.v1": {
        "stipend_id": EXTENSION,
        "partnership_id": PARTNERSHIP,
        "amount": 75_000,
        "currency": "EUR",
        "transfer_id": BOOKING,
        "paid_at": NOW,
    },
    "finance.facility_usage_settled.v1": {
        "partnership_id": PARTNERSHIP,
        "settlement_id": EXTENSION,
        "host_country_code": "SN",
        "currency": "EUR",
        "amount": 44_000,
        "hours": "5.50",
        "bookings": 1,
        "by_user": [{"country_code": "FR", "amount": 44_000}],
        "transfer_id": BOOKING,
        "settled_at": NOW,
    },
    "finance.grant_agreed.v1": {
        "grant_id": EXTENSION,
        "partnership_id": PARTNERSHIP,
        "donor_name": "European Union",
        "donor_kind": "multilateral",
        "donor_ref": "XI-IATI-EC_INTPA",
        "currency": "EUR",
        "amount": 50_000_000,
        "conditions": ["Annual audited report", "Gender parity in cohorts"],
        "starts_on": "2027-01-01",
        "ends_on": "2028-12-31",
        "account_id": BOOKING,
        "agreed_at": NOW,
    },
    "finance.grant_received.v1": {
        "grant_id": EXTENSION,
        "partnership_id": PARTNERSHIP,
        "receipt_id": FACILITY,
        "amount": 20_000_000,
        "currency": "EUR",
        "received": 20_000_000,
        "outstanding": 30_000_000,
        "transfer_id": BOOKING,
        "received_on": "2027-02-01",
    },
    "partners.agency_registered.v1": {
        "agency_id": AGENCY,
        "country_code": "SN",
        "country_name": "Senegal",
        "name": "Police nationale",
        "agency_type": "police",
        "mandate": "Public security",
        "is_national_coordination_unit": True,
        "registered_at": NOW,
    },
    "partners.agency_activated.v1": {
        "agency_id": AGENCY,
        "country_code": "SN",
        "confirmed_by": "NCU Senegal",
        "activated_at": NOW,
    },
    "partners.agency_onboarding_lapsed.v1": {"agency_id": AGENCY, "country_code": "SN", "lapsed_at": NOW},
    "partners.partnership_registered.v1": {
        "partnership_id": PARTNERSHIP,
        "name": "West Africa cyber forensics",
        "phase": "familiarization",
        "agreement_kind": "mou",
        "agreement_reference": "MOU-2026-014",
        "agreement_starts_on": date(2027, 1, 1),
        "agreement_ends_on": date(2029, 12, 31),
        "registered_at": NOW,
        "members": [{"agency_id": AGENCY, "country_code": "SN", "role": "lead"}],
    },
    "partners.oversight_member_added.v1": {
        "partnership_id": PARTNERSHIP,
        "member_id": MEMBER,
        "country_code": "SN",
        "role": "diplomat",
        "holds_veto": True,
        "added_at": NOW,
    },
    "partners.decision_opened.v1": {
        "partnership_id": PARTNERSHIP,
        "decision_id": DECISION,
        "kind": "phase_gate",
        "title": "Advance to co-design",
        "due_at": NOW,
        "opened_at": NOW,
    },
    "partners.vote_cast.v1": {
        "partnership_id": PARTNERSHIP,
        "decision_id": DECISION,
        "member_id": MEMBER,
        "country_code": "SN",
        "choice": "reject",
        "reason": "Capacity mapping incomplete",
        "cast_at": NOW,
    },
    "partners.decision_closed.v1": {
        "partnership_id": PARTNERSHIP,
        "decision_id": DECISION,
        "kind": "phase_gate",
        "outcome": "vetoed",
        "approvals": 2,
        "rejections": 1,
        "abstentions": 0,
        "vetoed_by": MEMBER,
        "closed_at": NOW,
    },
    "partners.partnership_phase_advanced.v1": {
        "partnership_id": PARTNERSHIP,
        "from_phase": "familiarization",
        "to_phase": "co_design",
        "decision_id": DECISION,
        "advanced_at": NOW,
    },
    "partners.decision_reminder_sent.v1": {
        "partnership_id": PARTNERSHIP,
        "decision_id": DECISION,
        "kind": "reminder",
        "member_ids": [MEMBER],
        "due_at": NOW,
        "sent_at": NOW,
    },
    "partners.partnership_member_added.v1": {
        "partnership_id": PARTNERSHIP,
        "agency_id": AGENCY,
        "country_code": "GH",
        "role": "member",
        "new_country": True,
        "phase": "co_design",
        "reason": "Ghana joins for the maritime module",
        "joined_at": NOW,
    },
    "partners.partnership_member_removed.v1": {
        "partnership_id": PARTNERSHIP,
        "agency_id": AGENCY,
        "country_code": "GH",
        "role": "member",
        "country_left": True,
        "seats_ended": 1,
        "reason": "Ghana's seat pledge lapsed and was not renewed",
        "ended_by": "FR",
        "left_at": NOW,
    },
    "partners.capacity_profile_recorded.v1": {
        "agency_id": AGENCY,
        "country_code": "SN",
        "competency": "cyber_forensics",
        "current_level": 1,
        "target_level": 3,
        "gap": 2,
        "recorded_at": NOW,
    },
    "partners.commitment_registered.v1": {
        "commitment_id": COMMITMENT,
        "partnership_id": PARTNERSHIP,
        "agency_id": AGENCY,
        "country_code": "SN",
        "kind": "money",
        "amount": Decimal("250000.00"),
        "currency": "EUR",
        "priorities": "Cyber forensics lab time first",
        "starts_on": date(2027, 1, 1),
        "ends_on": date(2027, 12, 31),
        "registered_at": NOW,
    },
    "partners.commitment_renewal_requested.v1": {
        "commitment_id": COMMITMENT,
        "partnership_id": PARTNERSHIP,
        "agency_id": AGENCY,
        "country_code": "SN",
        "expires_at": NOW,
        "requested_at": NOW,
    },
    "partners.commitment_renewal_reminder_sent.v1": {
        "commitment_id": COMMITMENT,
        "partnership_id": PARTNERSHIP,
        "agency_id": AGENCY,
        "kind": "escalation",
        "oversight_member_ids": [MEMBER],
        "expires_at": NOW,
        "sent_at": NOW,
    },
    "partners.commitment_renewal_concluded.v1": {
        "commitment_id": COMMITMENT,
        "partnership_id": PARTNERSHIP,
        "agency_id": AGENCY,
        "country_code": "SN",
        "kind": "seats",
        "outcome": "renegotiated",
        "previous_amount": Decimal("12"),
        "ends_on": date(2027, 12, 31),
        "new_commitment_id": str(uuid.uuid4()),
        "new_amount": Decimal("8"),
        "new_starts_on": date(2028, 1, 1),
        "new_ends_on": date(2028, 12, 31),
        "responded_by": "NCU Senegal",
        "reason": "Fewer officers available",
        "concluded_at": NOW,
    },
    "partners.agency_contact_added.v1": {
        "agency_id": AGENCY,
        "contact_id": CONTACT,
        "country_code": "SN",
        "name": "Aminata Diallo",
        "function": "Head of cyber forensics",
        "is_primary": True,
        "is_national_coordination_contact": False,
        "added_at": NOW,
    },
    "partners.agency_contact_updated.v1": {
        "agency_id": AGENCY,
        "contact_id": CONTACT,
        "country_code": "SN",
        "name": "Aminata Diallo",
        "function": "Deputy director",
        "is_primary": True,
        "is_national_coordination_contact": True,
        "changed": ["function", "is_national_coordination_contact", "email"],
        "updated_at": NOW,
    },
    "partners.agency_contact_removed.v1": {
        "agency_id": AGENCY,
        "contact_id": CONTACT,
        "country_code": "SN",
        "removed_at": NOW,
    },
    "partners.endorsement_granted.v1": {
        "endorsement_id": ENDORSEMENT,
        "endorser_name": "ECOWAS Commission",
        "endorser_kind": "regional_body",
        "subject_kind": "standard",
        "subject_id": "competency-framework:2026.1",
        "scope": "Chain of custody and evidence admissibility competencies",
        "endorsed_on": date(2026, 11, 20),
        "granted_at": NOW,
    },
    "partners.endorsement_withdrawn.v1": {
        "endorsement_id": ENDORSEMENT,
        "endorser_name": "ECOWAS Commission",
        "subject_kind": "partnership",
        "subject_id": PARTNERSHIP,
        "reason": "Superseded by the 2027 framework",
        "withdrawn_at": NOW,
    },
    "partners.dispute_raised.v1": {
        "partnership_id": PARTNERSHIP,
        "dispute_id": DISPUTE,
        "raised_by_agency_id": AGENCY,
        "raised_by_country_code": "SN",
        "subject_kind": "decision",
        "subject_ref": DECISION,
        "statement": "The budget decision ignored our seat allocation",
        "raised_at": NOW,
    },
    "partners.dispute_commented.v1": {
        "partnership_id": PARTNERSHIP,
        "dispute_id": DISPUTE,
        "comment_id": str(uuid.uuid4()),
        "agency_id": AGENCY,
        "country_code": "SN",
        "author": "Aminata Diallo",
        "body": "We propose splitting the seats 60/40",
        "commented_at": NOW,
    },
    "partners.dispute_resolution_opened.v1": {
        "partnership_id": PARTNERSHIP,
        "dispute_id": DISPUTE,
        "decision_id": DECISION,
        "due_at": NOW,
        "opened_at": NOW,
    },
    "partners.dispute_resolved.v1": {
        "partnership_id": PARTNERSHIP,
        "dispute_id": DISPUTE,
        "decision_id": DECISION,
        "resolved_at": NOW,
    },
    "partners.dispute_reopened.v1": {
        "partnership_id": PARTNERSHIP,
        "dispute_id": DISPUTE,
        "decision_id": DECISION,
        "outcome": "vetoed",
        "reopened_at": NOW,
    },
    "partners.handling_changed.v1": {
        "object_type": "dispute",
        "object_id": DISPUTE,
        "partnership_id": PARTNERSHIP,
        "originator_country_code": "SN",
        "previous_code": "partnership",
        "new_code": "countries:FR",
        "reason": "Only France is concerned",
        "changed_at": NOW,
    },
    "training.facility_booked.v1": {
        "facility_id": FACILITY,
        "booking_id": BOOKING,
        "owner_country_code": "SN",
        "kind": "virtual_lab",
        "booked_by_agency_id": AGENCY,
        "booked_by_country_code": "FR",
        "starts_at": NOW,
        "ends_at": NOW,
        "cohort_id": None,
        "booked_at": NOW,
    },
    "training.facility_booking_cancelled.v1": {
        "facility_id": FACILITY,
        "booking_id": BOOKING,
        "cancelled_at": NOW,
        "cohort_id": FACILITY,
        "reason": "the host's facility-time commitment lapsed",
    },
    "training.facility_used.v1": {
        "facility_id": FACILITY,
        "booking_id": BOOKING,
        "owner_country_code": "SN",
        "booked_by_country_code": "FR",
        "kind": "simulator",
        "hours": "5.50",
        "attendees": 18,
        "recorded_at": NOW,
        "partnership_id": PARTNERSHIP,
        "cohort_id": FACILITY,
    },
    "training.cohort_seats_released.v1": {
        "cohort_id": FACILITY,
        "partnership_id": PARTNERSHIP,
        "country_code": "SN",
        "commitment_id": COMMITMENT,
        "released": 2,
        "seats": 1,
        "waitlist_closed": 3,
        "released_at": NOW,
    },
    "training.trainee_attended.v1": {
        "nomination_id": str(uuid.UUID(int=23)),
        "cohort_id": str(uuid.UUID(int=22)),
        "partnership_id": PARTNERSHIP,
        "trainee_id": "BR-PF-0042",
        "trainee_country_code": "BR",
        "venue_country_code": "SN",
        "days": 5,
        "attended_at": NOW,
    },
    "training.instructor_assignment_delivered.v1": {
        "assignment_id": BOOKING,
        "cohort_id": FACILITY,
        "partnership_id": PARTNERSHIP,
        "instructor_id": AGENCY,
        "instructor_country_code": "SN",
        "organiser_country_code": "FR",
        "role": "lead",
        "days": 5,
        "delivered_at": NOW,
    },
    "training.certification_issued.v1": {
        "certification_id": FACILITY,
        "trainee_id": "SN-PN-004217",
        "agency_id": AGENCY,
        "country_code": "SN",
        "curriculum_ref": "chain-of-custody/v2",
        "competencies": ["cf:chain-of-custody", "cf:evidence-admissibility"],
        "level": 3,
        "issuing_partnership_id": PARTNERSHIP,
        "issued_on": "2026-11-24",
        "expires_on": "2029-11-24",
        "expires_at": NOW,
    },
    "training.certification_status_changed.v1": {
        "certification_id": FACILITY,
        "country_code": "SN",
        "status": "suspended",
        "reason": "Under review after a complaint",
        "changed_at": NOW,
    },
    "training.certification_refresher_step.v1": {
        "certification_id": FACILITY,
        "country_code": "SN",
        "step": "enrolment",
        "expires_at": NOW,
        "taken_at": NOW,
    },
    "training.certification_renewed.v1": {
        "certification_id": FACILITY,
        "country_code": "SN",
        "refresher_completed_on": "2029-10-02",
        "expires_on": "2032-10-02",
        "expires_at": NOW,
    },
    "training.certification_expired.v1": {
        "certification_id": FACILITY,
        "country_code": "SN",
        "expired_at": NOW,
    },
    "training.exchange_completed.v1": {
        "exchange_id": str(uuid.uuid4()),
        "partnership_id": PARTNERSHIP,
        "officer_country_code": "SN",
        "host_country_code": "FR",
        "host_agency_id": AGENCY,
        "kind": "exchange_visit",
        "days": 21,
        "completed_at": NOW,
    },
    "training.curriculum_submitted.v1": {
        "curriculum_id": CURRICULUM,
        "version_id": VERSION,
        "version": 2,
        "partnership_id": PARTNERSHIP,
        "code": "cyber-forensics-101",
        "title": "Cyber forensics for first responders",
        "language": "fr",
        "subject": f"training:curriculum-submission:{uuid.uuid4()}",
        "reason": "Longer lab after the 2027 drill",
        "decide_by": NOW,
        "submitted_by_country_code": "FR",
        "submitted_at": NOW,
    },
    "training.curriculum_approved.v1": {
        "curriculum_id": CURRICULUM,
        "version_id": VERSION,
        "version": 1,
        "partnership_id": PARTNERSHIP,
        "code": "cyber-forensics-101",
        "title": "Cyber forensics for first responders",
        "language": "fr",
        "context": "rural",
        "context_country_code": "SN",
        "variant_of": str(uuid.uuid4()),
        "modules": [MODULE],
        "decision_id": DECISION,
        "approved_at": NOW,
    },
    "training.curriculum_revised.v1": {
        "curriculum_id": CURRICULUM,
        "version_id": VERSION,
        "version": 2,
        "previous_version": 1,
        "partnership_id": PARTNERSHIP,
        "code": "cyber-forensics-101",
        "title": "Cyber forensics for first responders",
        "language": "fr",
        "modules": [MODULE],
        "reason": "Longer lab after the 2027 drill",
        "diff": {
            "modules_added": [],
            "modules_removed": [],
            "modules_changed": {"m1": ["duration_minutes"]},
            "fields_changed": [],
        },
        "decision_id": DECISION,
        "approved_at": NOW,
    },
    "training.cohort_scheduled.v1": {
        "cohort_id": COHORT,
        "partnership_id": PARTNERSHIP,
        "curriculum_id": CURRICULUM,
        "curriculum_version": 2,
        "organiser_country_code": "FR",
        "facility_id": None,
        "starts_at": NOW,
        "ends_at": NOW,
        "language": "fr",
        "seats": [{"country_code": "FR", "seats": 5}, {"country_code": "SN", "seats": 3}],
        "scheduled_at": NOW,
    },
    "training.enrollment_changed.v1": {
        "cohort_id": COHORT,
        "nomination_id": str(uuid.uuid4()),
        "trainee_id": "SN-PN-004217",
        "agency_id": AGENCY,
        "country_code": "SN",
        "status": "enrolled",
        "previous_status": "waitlisted",
        "reason": "a seat was freed",
        "changed_at": NOW,
    },
    "training.cohort_status_changed.v1": {
        "cohort_id": COHORT,
        "partnership_id": PARTNERSHIP,
        "status": "paused",
        "previous_status": "scheduled",
        "reason": "Incident in the facility",
        "changed_at": NOW,
    },
    "training.module_completed.v1": {
        "cohort_id": COHORT,
        "nomination_id": str(uuid.uuid4()),
        "trainee_id": "SN-PN-004217",
        "country_code": "SN",
        "curriculum_id": CURRICULUM,
        "curriculum_version": 1,
        "module_code": "m1",
        "passed": True,
        "score": 0.85,
        "minutes_spent": 120,
        "completed_at": NOW,
    },
    "training.certification_recognised.v1": {
        "recognition_id": str(uuid.uuid4()),
        "agreement_id": str(uuid.uuid4()),
        "certification_id": str(uuid.uuid4()),
        "issuing_country_code": "SN",
        "recognising_country_code": "FR",
        "competencies": ["cf:chain-of-custody"],
        "level": 3,
        "expires_on": "2029-11-24",
        "recognised_at": NOW,
    },
    "training.recognition_revoked.v1": {
        "recognition_id": str(uuid.uuid4()),
        "agreement_id": str(uuid.uuid4()),
        "certification_id": str(uuid.uuid4()),
        "issuing_country_code": "SN",
        "recognising_country_code": "FR",
        "cause": "certification_revoked",
        "revoked_at": NOW,
    },
    "incidents.protocol_version_approved.v1": {
        "protocol_id": str(uuid.uuid4()),
        "version": 2,
        "partnership_id": PARTNERSHIP,
        "kind": "cyber_intrusion",
        "environment_kind": "virtual_lab",
        "steps": 3,
        "reason": "The drill showed the briefing step was too slow",
        "approved_by": "reviewer@sn",
        "approved_at": NOW,
    },
    "incidents.incident_declared.v1": {
        "incident_id": INCIDENT,
        "partnership_id": PARTNERSHIP,
        "protocol_id": str(uuid.uuid4()),
        "protocol_version": 2,
        "kind": "cyber_intrusion",
        "environment": {"kind": "virtual_lab", "id": str(uuid.uuid4())},
        "severity": "high",
        "affected_countries": ["BR", "SN"],
        "exercise": False,
        "drill_id": None,
        "declared_at": NOW,
    },
    "incidents.incident_changed.v1": {
        "incident_id": INCIDENT,
        "change": "escalated",
        "severity": "high",
        "step_code": "isolate",
        "role": None,
        "reason": "step_late:isolate",
        "exercise": False,
        "drill_id": None,
        "changed_at": NOW,
    },
    "incidents.incident_resolved.v1": {
        "incident_id": INCIDENT,
        "partnership_id": PARTNERSHIP,
        "kind": "onsite_emergency",
        "environment": {"kind": "facility", "id": str(uuid.uuid4())},
        "exercise": False,
        "minutes_to_resolve": 95,
        "resolved_at": NOW,
    },
    "incidents.incident_closed.v1": {"incident_id": INCIDENT, "exercise": True, "closed_at": NOW},
    "incidents.partner_notified.v1": {
        "incident_id": INCIDENT,
        "country_code": "BR",
        "reason": "declared",
        "kind": "cyber_intrusion",
        "severity": "high",
        "environment": {"kind": "virtual_lab", "id": "lab-7"},
        "details_released": False,
        "description": None,
        "contact_country_code": "FR",
        "exercise": False,
        "notified_at": NOW,
    },
    "incidents.drill_event.v1": {
        "drill_id": DRILL,
        "protocol_id": str(uuid.uuid4()),
        "partnership_id": PARTNERSHIP,
        "stage": "completed",
        "cycle_id": str(uuid.uuid4()),
        "number": 3,
        "scheduled_for": NOW,
        "inject": None,
        "timings": [
            {"code": "isolate", "minutes": 12, "limit_minutes": 30, "late": False},
            {"code": "notify", "minutes": 75, "limit_minutes": 60, "late": True},
        ],
        "exercise": True,
        "at": NOW,
    },
    "incidents.improvement_action.v1": {
        "action_id": str(uuid.uuid4()),
        "drill_id": DRILL,
        "finding_id": str(uuid.uuid4()),
        "owner_country_code": "SN",
        "owner": "awa@sn",
        "status": "escalated",
        "due_at": NOW,
        "at": NOW,
    },
    "incidents.training_revision_requested.v1": {
        "finding_id": str(uuid.uuid4()),
        "drill_id": DRILL,
        "partnership_id": PARTNERSHIP,
        "request": "curriculum_revision",
        "curriculum_id": CURRICULUM,
        "competency": None,
        "countries": ["SN"],
        "summary": "Liaisons did not know the evidence-sharing rules",
        "rating": "major",
        "requested_at": NOW,
    },
    "training.curriculum_rejected.v1": {
        "curriculum_id": CURRICULUM,
        "version_id": VERSION,
        "version": 1,
        "partnership_id": PARTNERSHIP,
        "outcome": "vetoed",
        "decision_id": DECISION,
        "decided_at": NOW,
    },
}


def test_every_registered_event_has_an_example_here() -> None:
    assert set(EXAMPLES) == set(EVENT_TYPES), "add an example for each new event type (and only for those)"


def _example(event_type: str) -> Event:
    return EVENT_TYPES[event_type](**EXAMPLES[event_type])


def _key(event: Event) -> str:
    """The Kafka key: the id of the event's aggregate."""
    key = getattr(event, f"{event.aggregate}_id", None)
    assert isinstance(key, str), f"{event.event_type} has no `{event.aggregate}_id` field to key it by"
    return key


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_examples_round_trip_through_the_kafka_envelope(event_type: str) -> None:
    model = EVENT_TYPES[event_type]
    event = _example(event_type)
    record = encode(event, source="/services/partners", key=_key(event), traceparent=TRACEPARENT)
    headers = dict(record.headers)
    assert headers["ce_type"] == event_type.encode()
    assert headers["ce_specversion"] == SPEC_VERSION.encode()
    assert headers["content-type"] == b"application/json"
    assert headers["traceparent"] == TRACEPARENT.encode()
    snapshot = json.loads((generate.SCHEMA_DIR / f"{event_type}.json").read_text())
    assert headers["ce_dataschema"].decode() == snapshot["$id"], "ce_dataschema names the published schema"

    envelope = decode(record.headers, record.key, record.value)
    assert (envelope.type, envelope.key, envelope.subject) == (event_type, _key(event), _key(event))
    assert envelope.traceparent == TRACEPARENT
    assert model.model_validate(envelope.data) == event
    assert set(envelope.data) == set(snapshot["properties"]), "the value carries every field of the schema"


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_consumers_read_tolerantly(event_type: str) -> None:
    """A consumer on this version still reads events from a producer that added optional fields."""
    model = EVENT_TYPES[event_type]
    data = _example(event_type).model_dump(mode="json")
    data["field_from_the_future"] = {"nested": [1, 2]}
    for value in data.values():  # nested models read tolerantly too
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, dict):
                item["another_new_field"] = "x"
    assert model.model_validate(data) == _example(event_type)
    assert model.model_validate_json(json.dumps(data)) == _example(event_type)


def test_type_names_follow_the_convention_and_are_unique() -> None:
    seen: dict[str, str] = {}
    for spec in EVENT_TOPICS:
        for model in spec.events:
            assert re.fullmatch(r"[a-z]+\.[a-z_]+\.v[0-9]+", model.event_type), model.event_type
            assert model.__name__.endswith(f"V{model.event_type.rsplit('.v', 1)[1]}"), (
                f"{model.__name__}: the class name ends with the version of {model.event_type}"
            )
            assert model.event_type not in seen, (
                f"{model.__name__} and {seen[model.event_type]} share the type {model.event_type}"
            )
            seen[model.event_type] = model.__name__
    assert len(seen) == len(EVENT_TYPES)


@pytest.mark.parametrize("event_type", sorted(EVENT_TYPES))
def test_each_event_is_published_on_the_topic_it_names(event_type: str) -> None:
    model = EVENT_TYPES[event_type]
    spec = topic_for(model)
    assert model.topic == spec.name, f"{event_type}.topic is {model.topic} but {spec.name} lists it"
    assert model in spec.events and not spec.dead_letter
    assert spec.name in {s.name for s in EVENT_TOPICS}
    assert event_type.split(".")[0] == spec.owner, "a service publishes only on its own topic"
    assert model.aggregate and f"{model.aggregate}_id" in model.model_fields


def test_topic_names_are_unique() -> None:
    assert len({spec.name for spec in TOPICS}) == len(TOPICS)


def test_every_event_model_is_registered() -> None:
    """An event class in contracts/events that no topic lists would be published nowhere (or unchecked)."""
    defined: set[type[Event]] = set()
    for module_info in pkgutil.iter_modules(contracts.events.__path__, "contracts.events."):
        module = importlib.import_module(module_info.name)
        defined |= {
            value
            for value in vars(module).values()
            if isinstance(value, type)
            and issubclass(value, Event)
            and value is not Event
            and value.__module__ == module.__name__
        }
    assert defined, "no event models found"
    registered = {**EVENT_TYPES, **INBOUND_TYPES}
    unregistered = sorted(m.__name__ for m in defined if registered.get(m.event_type) is not m)
    assert not unregistered, f"event models on no topic in contracts/topics.py: {unregistered}"
