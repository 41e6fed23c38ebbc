"""No published set of learning analytics lets a viewer recover a hidden group's outcome by differencing.

Outcomes are sums over trainees, so every published figure is a linear form over the (cohort, country) cells: a
visible group's own figure, a cohort's total, a country's figure across a partnership's cohorts. A hidden cell
can be recovered exactly when its unit vector lies in the span of what is published; for random partnerships,
group sizes, organisers and viewers, it never does."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from services.training.learning import rules

Cell = tuple[int, str]
COUNTRIES = ("FR", "SN", "BR", "KE")


def in_span(vectors: list[dict[Cell, Fraction]], target: dict[Cell, Fraction]) -> bool:
    """Whether `target` is a linear combination of `vectors` (Gaussian elimination over the rationals)."""
    basis: list[tuple[Cell, dict[Cell, Fraction]]] = []

    def reduce(vector: dict[Cell, Fraction]) -> dict[Cell, Fraction]:
        v = dict(vector)
        for pivot, row in basis:
            if v.get(pivot):
                factor = v[pivot] / row[pivot]
                for cell, value in row.items():
                    v[cell] = v.get(cell, Fraction(0)) - factor * value
        return {c: x for c, x in v.items() if x}

    for vector in vectors:
        reduced = reduce(vector)
        if reduced:
            basis.append((next(iter(sorted(reduced))), reduced))
    return not reduce(target)


def published(
    enrolled: dict[Cell, int], organisers: dict[int, str], viewer: str
) -> tuple[list[dict[Cell, Fraction]], set[Cell]]:
    """What the cohort and partnership analytics show `viewer`, as linear forms; and the hidden cells."""
    forms: list[dict[Cell, Fraction]] = []
    hidden: set[Cell] = set()
    one = Fraction(1)
    for cohort, organiser in organisers.items():
        cells = {c: n for c, n in enrolled.items() if c[0] == cohort}
        visible = {
            c[1]: rules.group_visible(enrolled=n, country=c[1], viewer=viewer, organiser=organiser)
            for c, n in cells.items()
        }
        # a visible group's own figures, and a group with no trainee enrolled (its outcomes are nothing)
        forms += [{c: one} for c, n in cells.items() if visible[c[1]] or n == 0]
        hidden |= {c for c, n in cells.items() if not visible[c[1]] and n > 0}
        if rules.totals_shown(visible):
            forms.append(dict.fromkeys(cells, one))
    for country in COUNTRIES:
        by_cohort = {c[0]: n for c, n in enrolled.items() if c[1] == country}
        if not by_cohort:
            continue
        visible_by_cohort = {
            k: rules.group_visible(enrolled=n, country=country, viewer=viewer, organiser=organisers[k])
            for k, n in by_cohort.items()
        }
        counted = rules.cohorts_counted(by_cohort, visible_by_cohort, own=country == viewer)
        if counted is not None:
            forms.append({(k, country): one for k in counted})
    return forms, hidden


partnerships = st.integers(min_value=1, max_value=4).flatmap(
    lambda cohorts: st.tuples(
        st.dictionaries(
            st.tuples(st.integers(0, cohorts - 1), st.sampled_from(COUNTRIES)),
            st.integers(0, 6),
            min_size=1,
            max_size=cohorts * len(COUNTRIES),
        ),
        st.lists(st.sampled_from(COUNTRIES), min_size=cohorts, max_size=cohorts),
        st.sampled_from(COUNTRIES),
    )
)


@settings(max_examples=400, deadline=None)
@given(partnerships)
def test_no_hidden_group_is_a_difference_of_published_figures(
    case: tuple[dict[Cell, int], list[str], str],
) -> None:
    enrolled, organiser_list, viewer = case
    organisers = dict(enumerate(organiser_list))
    forms, hidden = published(enrolled, organisers, viewer)
    for cell in hidden:
        assert not in_span(forms, {cell: Fraction(1)}), f"{cell} recoverable by {viewer}"


def test_the_case_that_leaked_before() -> None:
    """Brazil saw the cohort's total and its own group: Senegal's two trainees were the difference."""
    enrolled = {(0, "SN"): 2, (0, "BR"): 1, (0, "FR"): 0}
    forms, hidden = published(enrolled, {0: "FR"}, "BR")
    assert hidden == {(0, "SN")}
    assert not in_span(forms, {(0, "SN"): Fraction(1)})
    leaky = [*forms, dict.fromkeys(enrolled, Fraction(1))]
    assert in_span(leaky, {(0, "SN"): Fraction(1)}), "with the total published it would be recoverable"


def test_small_hidden_groups_stay_out_of_a_countrys_partnership_figures() -> None:
    by_cohort = {0: 5, 1: 2}
    visible = {0: True, 1: False}
    assert rules.cohorts_counted(by_cohort, visible, own=False) == frozenset({0})
    assert rules.cohorts_counted({0: 5, 1: 2, 2: 1}, {0: True, 1: False, 2: False}, own=False) == frozenset(
        {0, 1, 2}
    )
    assert rules.cohorts_counted({0: 1, 1: 1}, {0: False, 1: False}, own=False) is None
    assert rules.cohorts_counted({0: 1}, {0: True}, own=True) == frozenset({0})
