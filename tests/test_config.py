from pathlib import Path

import pytest
import yaml

from meetprep.config import ConfigError, Settings, load_configs
from meetprep.errors import InputError
from tests.conftest import CONFIG_DIR


def test_shipped_config_holds_the_five_seed_bodies(configs):
    assert configs.keys() == ["gentofte", "hamburg-bezirk", "herzogenrath", "koebenhavn", "wedel"]
    assert configs.warnings == []
    committees = {c.body.key: {o.key: o.name for o in c.organizations} for c in configs}
    assert committees["gentofte"]["ebi"] == "Erhvervs-, Beskæftigelses- og Integrationsudvalget"
    assert committees["gentofte"]["oeu"] == "Økonomiudvalget"
    assert committees["gentofte"]["kb"] == "Kommunalbestyrelsen"
    assert committees["koebenhavn"] == {
        "biu": "Beskæftigelses- og Integrationsudvalget",
        "br": "Borgerrepræsentationen",
    }
    assert committees["herzogenrath"]["asi"] == (
        "Ausschuss für Arbeit, Soziales, Integration, Demografie und Quartiersentwicklung"
    )
    assert committees["wedel"] == {"sozialausschuss": "Sozialausschuss", "rat": "Rat der Stadt Wedel"}
    assert committees["hamburg-bezirk"] == {"bv": "Bezirksversammlung"}
    calendars = {c.body.key: c.body.holidays.code for c in configs}
    assert calendars == {"gentofte": "DK", "koebenhavn": "DK", "herzogenrath": "DE-NW", "wedel": "DE-SH", "hamburg-bezirk": "DE-HH"}


def test_gentofte_members_are_the_seed_participants(configs):
    ebi = configs.get("gentofte").organization("ebi")
    names = {configs.get("gentofte").person(m.person).name for m in ebi.memberships if m.role.value != "secretary"}
    assert names == {
        "Søren B. Heisel", "Jesper Marcus", "Katja Johansen", "Stig Wall",
        "Anton Brüniche-Olsen", "Marie Brixtofte", "Frederik Dehlholm",
    }
    assert ebi.period == "2017-2025"
    assert [i.title for i in ebi.agenda.closing_items] == ["Underskrift EBI"]
    assert ebi.agenda.closing_items[0].reference == "EMN-2021-08175"


def test_every_invented_address_is_on_example_org(configs):
    for config in configs:
        for person in config.persons:
            assert person.email is None or person.email.endswith("@example.org"), person.email


def copy_config(tmp_path: Path, edit=None, name: str = "gentofte.yaml") -> Path:
    folder = tmp_path / "config"
    folder.mkdir(exist_ok=True)
    data = yaml.safe_load((CONFIG_DIR / name).read_text(encoding="utf-8"))
    if edit:
        edit(data)
    (folder / name).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


def only_problem(folder: Path):
    with pytest.raises(InputError) as caught:
        load_configs(folder)
    assert len(caught.value.problems) == 1, caught.value.problems
    return caught.value.problems[0]


def test_unknown_key_names_file_field_and_line(tmp_path):
    folder = copy_config(tmp_path, lambda d: d["body"].update(colour="blue"))
    problem = only_problem(folder)
    assert problem.file.endswith("gentofte.yaml")
    assert problem.field == "body.colour" and problem.item == "body 'gentofte'"
    assert "unknown field" in problem.message and problem.line is not None


def test_bad_email_is_reported_on_the_person(tmp_path):
    folder = copy_config(tmp_path, lambda d: d["persons"][2].update(email="katja(at)example.org"))
    problem = only_problem(folder)
    assert problem.field == "persons[2].email" and "katja(at)example.org" in problem.found


def test_membership_of_unknown_person(tmp_path):
    folder = copy_config(tmp_path, lambda d: d["organizations"][0]["memberships"].append({"person": "nobody"}))
    problem = only_problem(folder)
    assert problem.field == "organizations[0].memberships[8].person" and "unknown person 'nobody'" in problem.message


def test_bad_timezone_and_holidays_are_both_reported(tmp_path):
    def edit(d):
        d["body"]["timezone"] = "Europe/Gentofte"
        d["body"]["holidays"] = "DK-XX"

    with pytest.raises(InputError) as caught:
        load_configs(copy_config(tmp_path, edit))
    fields = {p.field: p.message for p in caught.value.problems}
    assert "unknown time zone 'Europe/Gentofte'" in fields["body.timezone"]
    assert "no subdivision 'XX'" in fields["body.holidays"]


def test_bad_notification_url(tmp_path):
    folder = copy_config(tmp_path, lambda d: d["persons"][7].update(notify=["ebi-sekretariat@example.org"]))
    problem = only_problem(folder)
    assert problem.field == "persons[7].notify[0]" and "apprise URL" in problem.message


def test_two_files_with_one_body_key(tmp_path):
    folder = copy_config(tmp_path)
    (folder / "gentofte-copy.yaml").write_text((folder / "gentofte.yaml").read_text(encoding="utf-8"), encoding="utf-8")
    problem = only_problem(folder)
    assert problem.file.endswith("gentofte.yaml") and "already used by" in problem.message


def test_missing_config_folder_is_an_environment_error(tmp_path):
    with pytest.raises(ConfigError, match="no config folder"):
        load_configs(tmp_path / "nowhere")


def test_settings_defaults_and_overrides(tmp_path):
    defaults = Settings.from_env(env={}, cwd=tmp_path)
    assert defaults.home == tmp_path / "meetprep-data"
    assert defaults.database_url == f"sqlite:///{tmp_path / 'meetprep-data' / 'meetprep.sqlite3'}"
    assert defaults.config_dir == CONFIG_DIR  # none in tmp_path: the shipped one
    custom = Settings.from_env(env={"MEETPREP_HOME": "data", "MEETPREP_DATABASE_URL": "postgresql+psycopg://x/y"}, cwd=tmp_path)
    assert custom.home == tmp_path / "data" and custom.database_url == "postgresql+psycopg://x/y"
    with pytest.warns(UserWarning, match="MEETPREP_HOEM"):
        Settings.from_env(env={"MEETPREP_HOEM": "typo"}, cwd=tmp_path)
