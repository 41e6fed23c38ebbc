"""Who may call which training route: the rule table and the tenant resolvers behind it.

Tenancy is by country. A facility belongs to its owner's country and is visible to the countries it is shared
with; its bookings follow it; a booking is changed (cancelled, its use recorded) by the country that booked it or
the facility's owner. The agencies read model is the directory, readable by every signed-in caller. Rules that
depend on the body (register a facility for an agency, book for an agency) are checked in the routes with
`require_country` against the agencies training knows.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from backbone.audit.api import AUDITORS
from backbone.auth.policy import ANY_ROLE, Owner, Policy, Resolver, Rule, object_id, row_countries, row_owner
from services.training.models import (
    Certification,
    Cohort,
    Community,
    Curriculum,
    ExchangeVisit,
    Facility,
    FacilityBooking,
    Instructor,
    KnownPartnership,
    Nomination,
    Recognition,
    RecognitionAgreement,
    RevisionRequest,
)
from services.training.revision_requests.models import DevelopmentAction

DISCUSS = frozenset({"national_coordinator", "programme_coordinator", "agency_integrator", "instructor"})
READ = frozenset(
    {"national_coordinator", "programme_coordinator", "agency_integrator", "instructor", "auditor"}
)
BOOK = frozenset({"national_coordinator", "programme_coordinator", "agency_integrator"})
CERTIFY = frozenset({"national_coordinator", "programme_coordinator"})
STANDARDS = frozenset({"programme_coordinator"})
NCU = frozenset({"national_coordinator"})
TRAINEE = frozenset({"trainee"})
PEOPLE = READ | {"trainee", "evaluator"}
"""Everyone of a member country who works in training takes part in its communities of practice."""
Q = "community_id"
REPORT = frozenset({"national_coordinator", "programme_coordinator", "agency_integrator", "instructor"})


facility = row_countries(Facility, lambda found: {found.owner_country_code, *found.shared_with})


async def booking(session: AsyncSession, value: str) -> frozenset[str] | None:
    """The country that booked it and the facility's owner."""
    key = object_id(value)
    row = (
        key
        and (
            await session.execute(
                select(FacilityBooking.booked_by_country_code, Facility.owner_country_code)
                .join(Facility, Facility.id == FacilityBooking.facility_id)
                .where(FacilityBooking.id == key)
            )
        ).first()
    )
    return frozenset(row) if row else None


# The holder's country (recognition by other countries is not built yet).
certification = row_countries(Certification, lambda found: {found.country_code})
# The sending and the hosting country.
exchange = row_countries(ExchangeVisit, lambda found: {found.officer_country_code, found.host_country_code})
# The partnership's member countries.
curriculum = row_countries(Curriculum, lambda found: found.countries)
# The partnership's member countries (at scheduling, and those that joined since).
cohort = row_countries(Cohort, lambda found: found.countries)
# The trainee's country and the cohort's organiser: nobody else sees an officer's nomination.
nomination = row_countries(Nomination, lambda found: {found.country_code, found.organiser_country_code})
partnership = row_countries(KnownPartnership, lambda found: found.member_countries)
# The instructor's country and the countries it is shared with.
instructor = row_countries(Instructor, lambda found: {found.country_code, *found.shared_with})
# The recognising and the issuing country.
agreement = row_countries(
    RecognitionAgreement, lambda found: {found.recognising_country_code, found.issuing_country_code}
)
recognition = row_countries(
    Recognition, lambda found: {found.recognising_country_code, found.issuing_country_code}
)
community = row_countries(Community, lambda found: found.countries)


async def development_action(session: AsyncSession, value: str) -> frozenset[str] | None:
    """The instructor's country, which follows the action up."""
    key = object_id(value)
    found = await session.get(DevelopmentAction, key) if key else None
    return frozenset({found.country_code}) if found else None


async def revision_request(session: AsyncSession, value: str) -> frozenset[str] | None:
    """The partnership's members and the countries the request concerns."""
    key = object_id(value)
    found = await session.get(RevisionRequest, key) if key else None
    if found is None:
        return None
    members = await partnership(session, str(found.partnership_id))
    return frozenset({*found.countries, *(members or ())})


async def revision_request_drafter(session: AsyncSession, value: str) -> frozenset[str] | None:
    """Who decides a curriculum revision request: the curriculum's drafting country."""
    key = object_id(value)
    found = await session.get(RevisionRequest, key) if key else None
    if found is None:
        return None
    drafted = await session.get(Curriculum, found.curriculum_id) if found.curriculum_id else None
    return frozenset({drafted.drafting_country_code} if drafted else ())


RESOLVERS: dict[str, Resolver] = {
    "community": community,
    "agreement": agreement,
    "recognition": recognition,
    "instructor": instructor,
    "partnership": partnership,
    "cohort": cohort,
    "nomination": nomination,
    "curriculum": curriculum,
    "facility": facility,
    "booking": booking,
    "certification": certification,
    "exchange": exchange,
    "revision_request": revision_request,
    "revision_request_drafter": revision_request_drafter,
    "development_action": development_action,
}
OWNERS: dict[str, Owner] = {
    "community": row_owner(Community, lambda found: found.created_by_country_code),
    "agreement": row_owner(RecognitionAgreement, lambda found: found.recognising_country_code),
    "recognition": row_owner(Recognition, lambda found: found.recognising_country_code),
    "instructor": row_owner(Instructor, lambda found: found.country_code),
    "partnership": row_owner(KnownPartnership, lambda found: found.lead_country_code),
    "cohort": row_owner(Cohort, lambda found: found.organiser_country_code),
    "nomination": row_owner(Nomination, lambda found: found.country_code),  # the officer's country
    "curriculum": row_owner(Curriculum, lambda found: found.drafting_country_code),
    "facility": row_owner(Facility, lambda found: found.owner_country_code),
    "booking": row_owner(FacilityBooking, lambda found: found.booked_by_country_code),
    "certification": row_owner(Certification, lambda found: found.country_code),
    "exchange": row_owner(ExchangeVisit, lambda found: found.officer_country_code),  # the sending country
}
"""Whose data each object is, for the audit trail (see `Policy.owners`)."""
NOT_FOUND = {
    "community": "community_not_found",
    "agreement": "agreement_not_found",
    "recognition": "recognition_not_found",
    "instructor": "instructor_not_found",
    "partnership": "partnership_not_found",
    "cohort": "cohort_not_found",
    "nomination": "nomination_not_found",
    "curriculum": "curriculum_not_found",
    "facility": "facility_not_found",
    "booking": "booking_not_found",
    "certification": "certification_not_found",
    "exchange": "exchange_not_found",
    "revision_request": "revision_request_not_found",
    "revision_request_drafter": "revision_request_not_found",
    "development_action": "development_action_not_found",
}


R = "revision_request_id"


def tenant(parameter: str, resolver: str, roles: frozenset[str]) -> Rule:
    return Rule("tenant", roles, (parameter, resolver))


F, C, K, H, N, A = (
    "facility_id",
    "certification_id",
    "curriculum_id",
    "cohort_id",
    "nomination_id",
    "agreement_id",
)
WORKFLOWS = Rule("workflows")
RULES: dict[tuple[str, str], Rule] = {
    ("GET", "/agencies"): Rule("public"),
    ("GET", "/agencies/{agency_id}"): Rule("public"),
    ("POST", "/facilities"): Rule("public", BOOK),  # + the owning agency is the caller's country's
    ("GET", "/facilities"): Rule("public", READ),  # confined to the caller's own and shared facilities
    ("GET", "/facilities/{facility_id}"): tenant(F, "facility", READ),
    ("POST", "/facilities/{facility_id}/bookings"): tenant(F, "facility", BOOK),  # + for the caller's agency
    ("GET", "/facilities/{facility_id}/bookings"): tenant(F, "facility", READ),
    ("POST", "/bookings/{booking_id}/cancellation"): tenant("booking_id", "booking", BOOK),
    ("POST", "/bookings/{booking_id}/usage"): tenant("booking_id", "booking", BOOK),
    ("POST", "/certifications"): Rule("public", CERTIFY),  # + the trainee's agency is of the caller's country
    ("GET", "/certifications/{certification_id}"): tenant(C, "certification", READ),
    ("GET", "/certifications/{certification_id}/credential"): tenant(C, "certification", READ),
    ("POST", "/certifications/{certification_id}/{change}"): tenant(C, "certification", CERTIFY),
    ("POST", "/certifications/{certification_id}/refresher-completion"): tenant(C, "certification", CERTIFY),
    ("POST", "/internal/certifications/{certification_id}/refresher-steps"): WORKFLOWS,
    ("POST", "/internal/certifications/{certification_id}/renewal"): WORKFLOWS,
    ("POST", "/internal/certifications/{certification_id}/expiry"): WORKFLOWS,
    ("POST", "/exchanges"): Rule("public", CERTIFY),  # + the sending agency is of the caller's country
    ("GET", "/exchanges/{exchange_id}"): tenant("exchange_id", "exchange", READ),
    ("POST", "/exchanges/{exchange_id}/completion"): tenant("exchange_id", "exchange", CERTIFY),
    ("GET", "/competencies/case"): Rule("public"),  # the shared standard
    ("POST", "/competencies/case"): Rule("public", STANDARDS),
    ("POST", "/curricula"): Rule("public", CERTIFY),  # + a member country's agency, the caller's
    ("GET", "/curricula"): Rule("public", READ),  # row-level security: the caller's partnerships only
    ("GET", "/curricula/{curriculum_id}"): tenant(K, "curriculum", READ),
    ("GET", "/curricula/{curriculum_id}/versions/{number}"): tenant(K, "curriculum", READ),
    ("GET", "/curricula/{curriculum_id}/versions/{number}/discussion"): tenant(K, "curriculum", READ),
    ("PUT", "/curricula/{curriculum_id}/draft"): tenant(K, "curriculum", CERTIFY),  # + the drafting country
    ("POST", "/curricula/{curriculum_id}/draft/proposals"): tenant(K, "curriculum", DISCUSS),
    ("POST", "/curricula/{curriculum_id}/draft/proposals/{proposal_id}/{verdict}"): tenant(
        K, "curriculum", CERTIFY
    ),  # + the drafting country
    ("POST", "/curricula/{curriculum_id}/draft/comments"): tenant(K, "curriculum", DISCUSS),
    ("POST", "/curricula/{curriculum_id}/draft/submission"): tenant(K, "curriculum", CERTIFY),  # + drafter
    ("POST", "/curricula/{curriculum_id}/draft/withdrawal"): tenant(K, "curriculum", CERTIFY),  # + drafter
    ("POST", "/curricula/{curriculum_id}/revisions"): tenant(K, "curriculum", CERTIFY),  # + drafter
    ("POST", "/curricula/{curriculum_id}/variants"): tenant(K, "curriculum", CERTIFY),
    ("POST", "/cohorts"): Rule("public", CERTIFY),  # + the organising agency is the caller's, a member's
    ("GET", "/cohorts/{cohort_id}"): tenant(H, "cohort", READ),
    ("POST", "/cohorts/{cohort_id}/status-changes"): tenant(H, "cohort", CERTIFY),  # + the organiser
    ("POST", "/cohorts/{cohort_id}/nominations"): tenant(H, "cohort", BOOK),  # + for the caller's agency
    ("GET", "/cohorts/{cohort_id}/nominations"): tenant(H, "cohort", READ),  # RLS: own country's, or all
    ("GET", "/nominations/{nomination_id}"): tenant(N, "nomination", READ),
    ("POST", "/nominations/{nomination_id}/approval"): tenant(N, "nomination", NCU),  # + the trainee's NCU
    ("POST", "/nominations/{nomination_id}/rejection"): tenant(N, "nomination", NCU),  # + the trainee's NCU
    ("POST", "/nominations/{nomination_id}/withdrawal"): tenant(N, "nomination", BOOK),  # + trainee's country
    ("POST", "/nominations/{nomination_id}/accommodations/{accommodation_id}/{verdict}"): tenant(
        N, "nomination", CERTIFY
    ),  # + the organiser
    ("POST", "/xapi/statements"): Rule("public", REPORT),  # + enrolled trainees of the caller's country
    ("GET", "/nominations/{nomination_id}/progress"): tenant(N, "nomination", READ),
    ("GET", "/cohorts/{cohort_id}/analytics"): tenant(H, "cohort", READ),
    ("GET", "/partnerships/{partnership_id}/analytics"): tenant("partnership_id", "partnership", READ),
    ("POST", "/instructors"): Rule("public", CERTIFY),  # + the instructor's agency is the caller's country's
    ("POST", "/instructors/candidates"): Rule("public", CERTIFY),  # + the graduate is of the caller's country
    ("GET", "/instructors/{instructor_id}"): tenant("instructor_id", "instructor", READ),
    ("POST", "/instructors/{instructor_id}/activation"): tenant("instructor_id", "instructor", NCU),  # + own
    ("POST", "/instructors/{instructor_id}/availability"): tenant(
        "instructor_id", "instructor", BOOK
    ),  # + own
    ("POST", "/cohorts/{cohort_id}/instructors"): tenant(H, "cohort", CERTIFY),  # + the organiser
    ("GET", "/cohorts/{cohort_id}/instructors"): tenant(H, "cohort", READ),
    ("POST", "/cohorts/{cohort_id}/instructors/{assignment_id}/release"): tenant(H, "cohort", CERTIFY),
    ("GET", "/workflows"): Rule("platform", frozenset({"operations_staff"})),  # its own officers' refreshers
    ("GET", "/me/enrollments"): Rule("public", TRAINEE),  # the caller's own, by their account
    ("GET", "/me/certifications"): Rule("public", TRAINEE),
    ("GET", "/me/certifications/{certification_id}/credential"): Rule("public", TRAINEE),
    ("POST", "/recognition-agreements"): Rule("public", NCU),  # the caller's country recognises
    ("GET", "/recognition-agreements/{agreement_id}"): tenant(A, "agreement", READ),
    ("POST", "/recognition-agreements/{agreement_id}/ending"): tenant(A, "agreement", NCU),  # + recognising
    ("POST", "/recognition-agreements/{agreement_id}/recognitions"): tenant(A, "agreement", NCU),  # + issuing
    ("GET", "/recognition-agreements/{agreement_id}/recognitions"): tenant(A, "agreement", READ),
    ("GET", "/recognitions/{recognition_id}"): tenant("recognition_id", "recognition", READ),
    ("POST", "/recognitions/{recognition_id}/withdrawal"): tenant("recognition_id", "recognition", NCU),
    ("POST", "/communities"): Rule("public", CERTIFY),  # + in a partnership of the caller's country
    ("GET", "/communities/{community_id}"): tenant(Q, "community", PEOPLE),
    ("GET", "/communities/{community_id}/members"): tenant(Q, "community", PEOPLE),
    ("POST", "/communities/{community_id}/members"): tenant(Q, "community", PEOPLE),  # the caller joins
    ("POST", "/communities/{community_id}/mentors"): tenant(Q, "community", CERTIFY),
    ("POST", "/communities/{community_id}/departure"): tenant(Q, "community", PEOPLE),
    ("POST", "/communities/{community_id}/posts"): tenant(Q, "community", PEOPLE),  # + a current member
    ("GET", "/communities/{community_id}/posts"): tenant(Q, "community", PEOPLE),
    ("GET", "/revision-requests"): Rule("public", READ),  # row-level security: the caller's partnerships
    ("GET", "/curricula/{curriculum_id}/revision-requests"): tenant(K, "curriculum", READ),
    ("GET", "/revision-requests/{revision_request_id}/refresher-assignments"): Rule("public", READ),  # RLS
    ("GET", "/revision-requests/{revision_request_id}"): tenant(R, "revision_request", READ),
    ("GET", "/instructors/{instructor_id}/development-actions"): tenant("instructor_id", "instructor", READ),
    ("POST", "/development-actions/{action_id}/completion"): tenant(
        "action_id", "development_action", CERTIFY
    ),
    ("POST", "/revision-requests/{revision_request_id}/acceptance"): Rule(
        "tenant", CERTIFY, (R, "revision_request"), steer="revision_request_drafter"
    ),
    ("POST", "/revision-requests/{revision_request_id}/declination"): Rule(
        "tenant", CERTIFY, (R, "revision_request"), steer="revision_request_drafter"
    ),
    ("GET", "/audit"): Rule("public", AUDITORS),
}
assert all(rule.roles <= ANY_ROLE for rule in RULES.values())

POLICY = Policy(rules=RULES, resolvers=RESOLVERS, not_found_codes=NOT_FOUND, owners=OWNERS)
