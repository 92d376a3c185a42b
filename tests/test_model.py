"""The domain model without any I/O."""

import datetime as dt

import pytest
from pydantic import ValidationError

from meetprep.model import (
    Access,
    Answer,
    BodyConfig,
    ClimateImpact,
    Consultation,
    ConsultationRole,
    FileStatus,
    HolidayCalendar,
    Meeting,
    Membership,
    MembershipRole,
    Paper,
)

SEED_REFERENCES = ["EMN-2025-05820", "V/2019/367-E04", "BV/2023/162", "22-4292", "2010-16508"]


def paper(**fields):
    return Paper.model_validate({"body": "b", "reference": "X-1", "title": "T", "type": "Antrag", **fields})


@pytest.mark.parametrize("reference", SEED_REFERENCES)
def test_seed_references_are_valid(reference):
    assert paper(reference=reference).reference == reference


@pytest.mark.parametrize("reference", ["EMN 2025", "/V/2019", "BV/2023/", "", "a" * 65, "22–4292"])
def test_malformed_references_are_rejected(reference):
    with pytest.raises(ValidationError) as caught:
        paper(reference=reference)
    assert caught.value.errors()[0]["loc"] == ("reference",)


def test_numeric_reference_from_yaml_becomes_text():
    assert paper(reference=4292).reference == "4292"


def test_danish_and_german_words_are_accepted_for_codes():
    assert Consultation(committee="x", role="Vorberatung").role is ConsultationRole.deliberation
    assert Consultation(committee="x", role="indstilling").role is ConsultationRole.deliberation
    assert Consultation(committee="x", role="Beslutning").role is ConsultationRole.decision
    assert paper(access="öffentlich").access is Access.public
    assert paper(access="Lukket").access is Access.closed
    assert Answer("nein") is Answer.no and Answer("delvis") is Answer.partly
    assert ClimateImpact("keine Auswirkungen") is ClimateImpact.none
    assert MembershipRole("Formand") is MembershipRole.chair
    assert FileStatus("eftersendes") is FileStatus.to_follow


def test_every_word_in_the_catalogues_names_a_code_of_its_enumeration():
    # The words live in meetprep/locale/*.yaml, where a clerk may add one: a misspelt code or
    # enumeration there must not pass silently.
    import meetprep.model as model
    from meetprep.i18n import LOCALES, catalogue
    from meetprep.model.enums import _AliasedEnum

    enumerations = {cls._kind(): cls for cls in vars(model).values()
                    if isinstance(cls, type) and issubclass(cls, _AliasedEnum) and cls is not _AliasedEnum}
    for locale in LOCALES:
        words = catalogue(locale).data["input_words"]
        assert set(words) <= set(enumerations), (locale, set(words) - set(enumerations))
        for kind, codes in words.items():
            for code, spelled in codes.items():
                assert code in {m.value for m in enumerations[kind]}, (locale, kind, code)
                for word in spelled:
                    assert enumerations[kind](word).value == code, (locale, kind, word)


def test_unknown_role_is_rejected_with_the_choices():
    with pytest.raises(ValidationError, match="deliberation"):
        Consultation(committee="x", role="maybe")


def test_deciding_step_defaults_from_the_role():
    assert Consultation(committee="rat", role="Entscheidung").deciding is True
    assert Consultation(committee="sa", role="Vorberatung").deciding is False
    assert Consultation(committee="sa", role="Vorberatung", deciding=True).deciding is True


def test_a_paper_without_access_flag_counts_as_closed():
    assert paper().access is None
    assert paper().effective_access is Access.closed
    assert paper(access="public").effective_access is Access.public


def test_meeting_needs_an_aware_start():
    with pytest.raises(ValidationError) as caught:
        Meeting(committee="ebi", start="2025-09-22 16:30")
    message = caught.value.errors()[0]["msg"]
    assert "timezone-aware" in message and "2025-09-22 16:30" in message


def test_meeting_key_defaults_from_committee_and_day():
    meeting = Meeting(committee="ebi", start="2025-09-22T16:30:00+02:00")
    assert meeting.key == "ebi-2025-09-22"


def test_meeting_must_end_after_it_starts():
    with pytest.raises(ValidationError, match="must be after"):
        Meeting(committee="ebi", start="2025-09-22T16:30:00+02:00", end="2025-09-22T16:00:00+02:00")


def test_membership_voting_right_defaults_by_role():
    assert Membership(person="p", role="member").voting_right is True
    assert Membership(person="p", role="secretary").voting_right is False
    assert Membership(person="p", role="member", end=dt.date(2025, 12, 31)).active_on(dt.date(2026, 1, 1)) is False


def test_holiday_calendar_short_form_and_validation():
    assert HolidayCalendar.model_validate("DE-NW").code == "DE-NW"
    assert HolidayCalendar.model_validate("DK").subdivision is None
    with pytest.raises(ValidationError, match="no subdivision 'XX'"):
        HolidayCalendar.model_validate("DE-XX")


def test_present_attachment_needs_a_path_but_one_to_follow_does_not():
    with pytest.raises(ValidationError, match="needs a 'path'"):
        paper(attachments=[{"title": "Bilag"}])
    assert paper(attachments=[{"title": "Bilag", "status": "wird nachgereicht"}]).attachments[0].status is FileStatus.to_follow


def test_financial_answer_must_be_one_of_the_options():
    with pytest.raises(ValidationError, match="not one of the options"):
        paper(financial={"questions": [{"text": "Q", "options": ["ja", "nein"], "answer": "teilweise"}]})


def test_amount_rows_must_fit_the_columns():
    table = {"title": "Ergebnisplan", "columns": [2024, 2025], "rows": [{"label": "Erträge", "values": [1, 2, 3]}]}
    with pytest.raises(ValidationError, match="3 values for 2 columns"):
        paper(financial={"tables": [table]})


def test_config_cross_references_are_reported_with_their_location():
    config = BodyConfig.model_validate(
        {
            "body": {"key": "b", "name": "B", "locale": "da", "timezone": "Europe/Copenhagen", "holidays": "DK"},
            "persons": [{"key": "p", "name": "P"}, {"key": "p", "name": "Q"}],
            "organizations": [{"key": "o", "name": "O", "memberships": [{"person": "ghost"}]}],
        }
    )
    problems = dict(config.cross_reference_problems())
    assert problems[("persons", 1, "key")] == "duplicate key 'p'"
    assert "unknown person 'ghost'" in problems[("organizations", 0, "memberships", 0, "person")]
