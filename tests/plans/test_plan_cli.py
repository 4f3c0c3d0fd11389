"""`onboarding hires add`, `hires import FILE.csv` and `plans show EMAIL [--json]`."""
import json

import pytest
from sqlalchemy import func, select

from onboarding.extensions import db
from onboarding.people.models import User
from onboarding.plans.models import Plan
from onboarding.plans.states import complete_item


@pytest.fixture
def org(make_user, make_role):
    make_role()
    make_role("Data Engineer")
    make_user(role="manager", email="grace@example.com", name="Grace")
    make_user(role="hire", email="bob@example.com", name="Bob")


def plans_count():
    return db.session.scalar(select(func.count()).select_from(Plan))


def run(runner, *args):
    result = runner.invoke(args=list(args))
    db.session.rollback()  # see what the command committed
    return result


class TestHiresAdd:
    def test_adds_a_hire_and_plan(self, runner, org):
        result = run(runner, "hires", "add", "--email", "Ada@Example.com", "--name", "Ada Lovelace",
                     "--role-template", "support-engineer", "--start", "2026-01-31", "--manager",
                     "grace@example.com", "--buddy", "bob@example.com", "--timezone", "Europe/London")
        assert result.exit_code == 0, result.output
        assert "Ada Lovelace <ada@example.com>" in result.output and "8 item(s)" in result.output
        ada = db.session.scalar(select(User).where(User.email == "ada@example.com"))
        plan = db.session.scalar(select(Plan).where(Plan.hire_id == ada.id))
        assert (ada.timezone, plan.manager.email, plan.buddy.email) == ("Europe/London", "grace@example.com",
                                                                         "bob@example.com")

    def test_without_manager_warns(self, runner, org):
        result = run(runner, "hires", "add", "--email", "ada@example.com", "--name", "Ada", "--role-template",
                     "support-engineer", "--start", "2026-01-31")
        assert result.exit_code == 0
        assert "Warning:" in result.stderr and "no manager" in result.stderr
        assert plans_count() == 1

    def test_existing_person_gets_the_plan(self, runner, org):
        result = run(runner, "hires", "add", "--email", "bob@example.com", "--name", "Robert", "--role-template",
                     "data-engineer", "--start", "2026-02-02", "--manager", "grace@example.com")
        assert result.exit_code == 0, result.output
        assert "Existing person Bob" in result.output
        assert db.session.scalar(select(func.count()).select_from(User)) == 2

    @pytest.mark.parametrize("args, message", [
        (["--role-template", "nope", "--start", "2026-01-31"], "no role template 'nope'"),
        (["--role-template", "support-engineer", "--start", "31/01/2026"], "not a date"),
        (["--role-template", "support-engineer", "--start", "2026-02-30"], "not a date"),
        (["--role-template", "support-engineer", "--start", "2026-01-31", "--manager", "who@example.com"],
         "no person with the email who@example.com"),
        (["--role-template", "support-engineer", "--start", "2026-01-31", "--timezone", "Mars/Base"],
         "unknown time zone"),
    ])
    def test_errors_are_one_line(self, runner, org, args, message):
        result = run(runner, "hires", "add", "--email", "ada@example.com", "--name", "Ada", *args)
        assert result.exit_code == 1
        assert message in result.stderr
        assert result.stderr.count("\n") == 1 and "Traceback" not in result.output
        assert plans_count() == 0
        assert db.session.scalar(select(User).where(User.email == "ada@example.com")) is None

    def test_second_active_plan_refused(self, runner, org):
        args = ["hires", "add", "--email", "ada@example.com", "--name", "Ada", "--role-template",
                "support-engineer", "--start", "2026-01-31", "--manager", "grace@example.com"]
        assert run(runner, *args).exit_code == 0
        result = run(runner, *args)
        assert result.exit_code == 1 and "already has an active plan" in result.stderr
        assert plans_count() == 1


class TestHiresImport:
    def write(self, tmp_path, text, name="hires.csv", encoding="utf-8"):
        path = tmp_path / name
        path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
        return str(path)

    def test_good_and_bad_rows(self, runner, org, tmp_path):
        csv_text = (
            "Name,Email,Role,Start Date,Manager Email,Buddy Email\n"        # line 1
            "Ada Lovelace,ada@example.com,support-engineer,2026-01-31,grace@example.com,bob@example.com\n"  # 2
            "No Email,,support-engineer,2026-01-31,grace@example.com,\n"     # 3
            "Cy,cy@example.com,Data Engineer,2026-02-30,grace@example.com,\n"  # 4: bad date
            "\n"                                                              # 5: blank, ignored
            '"Dee, the second",dee@example.com,data engineer,2026-03-02,,\n'  # 6: no manager: warning
            "Eve,eve@example.com,Astronaut,2026-03-02,grace@example.com,\n"  # 7: unknown role
            "Fay,fay@example.com,support-engineer,2026-03-02,nobody@example.com,\n"  # 8: unknown manager
            'Gus,gus@example.com,support-engineer,2026-03-02,grace@example.com,"bob@example.com"\n'  # 9
            "Ada Again,ada@example.com,support-engineer,2026-04-01,grace@example.com,\n"  # 10: has a plan
            "Hal,not-an-email,support-engineer,2026-03-02,grace@example.com,\n"  # 11
        )
        result = run(runner, "hires", "import", self.write(tmp_path, csv_text))
        assert result.exit_code == 1
        err = result.stderr
        assert "line 3: an email address is required" in err
        assert "line 4: the start date '2026-02-30' is not a date" in err
        assert "line 6: warning:" in err and "no manager" in err
        assert "line 7: no role template 'Astronaut'" in err
        assert "line 8: no person with the email nobody@example.com" in err
        assert "line 10: skipped: ada@example.com already has an active plan" in err
        assert "line 11: 'not-an-email' is not a valid email address" in err
        assert "line 2:" not in err and "line 9:" not in err and "line 5" not in err
        assert "Imported 3 hire(s); 1 skipped (already have a plan); 5 row(s) failed." in result.output
        emails = set(db.session.scalars(select(User.email).join(Plan, Plan.hire_id == User.id)))
        assert emails == {"ada@example.com", "dee@example.com", "gus@example.com"}
        dee = db.session.scalar(select(User).where(User.email == "dee@example.com"))
        assert dee.name == "Dee, the second"
        # Failed rows left nothing behind.
        assert db.session.scalar(select(User).where(User.email == "fay@example.com")) is None

    def test_header_spelling_bom_and_reimport(self, runner, org, tmp_path):
        csv_text = ("\ufeff  NAME ; e-mail;ROLE TEMPLATE; start_date ;manager;buddy\n"
                    "Ada;ada@example.com;Support Engineer;2026-01-31;GRACE@example.com;\n")
        path = self.write(tmp_path, csv_text)
        first = run(runner, "hires", "import", path)
        assert first.exit_code == 0, first.output + first.stderr
        assert "Imported 1 hire(s)" in first.output
        again = run(runner, "hires", "import", path)
        assert again.exit_code == 0
        assert "line 2: skipped" in again.stderr and "Imported 0 hire(s); 1 skipped" in again.output
        assert plans_count() == 1

    def test_quoted_multiline_cell_keeps_real_line_numbers(self, runner, org, tmp_path):
        csv_text = ('name,email,role,start date,manager email,buddy email\n'
                    '"Ada\nLovelace",ada@example.com,support-engineer,2026-01-31,,\n'   # lines 2-3
                    'Bad,bad@example.com,support-engineer,tomorrow,,\n')                # line 4
        result = run(runner, "hires", "import", self.write(tmp_path, csv_text))
        assert "line 4: the start date 'tomorrow' is not a date" in result.stderr

    def test_too_many_cells(self, runner, org, tmp_path):
        csv_text = ("name,email,role,start date\n"
                    "Ada,ada@example.com,support-engineer,2026-01-31,surprise\n")
        result = run(runner, "hires", "import", self.write(tmp_path, csv_text))
        assert "line 2: the row has more cells than the header" in result.stderr
        assert result.exit_code == 1

    @pytest.mark.parametrize("content, message", [
        (b"", "the file is empty"),
        (b"   \n\n", "the file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a CSV text file"),
        (b"name,email\nAda,ada@example.com\n", "lacks the column(s) role, start date"),
        (b"name,email,role,start date\n", "no hires"),
        (b"\xff\xfen\x00a\x00\x00\xd8", "damaged UTF-16"),
        (b"\xff\xfe\x00\x00\x01\x00\x02\x00", "control characters"),
    ])
    def test_damaged_files(self, runner, org, tmp_path, content, message):
        result = run(runner, "hires", "import", self.write(tmp_path, content))
        assert result.exit_code == 1
        assert message in result.stderr
        assert "Traceback" not in result.output + result.stderr
        assert plans_count() == 0

    def test_missing_file(self, runner, org, tmp_path):
        result = run(runner, "hires", "import", str(tmp_path / "nope.csv"))
        assert result.exit_code == 1 and "no such file" in result.stderr

    def test_utf16_file_from_a_spreadsheet(self, runner, org, tmp_path):
        csv_text = "name\temail\trole\tstart date\nZoë\tzoe@example.com\tsupport-engineer\t2026-01-31\n"
        result = run(runner, "hires", "import", self.write(tmp_path, csv_text, encoding="utf-16"))
        assert result.exit_code == 0, result.stderr
        assert db.session.scalar(select(User.name).where(User.email == "zoe@example.com")) == "Zoë"

    def test_latin1_file_from_a_spreadsheet(self, runner, org, tmp_path):
        csv_text = "name,email,role,start date\nJosé Núñez,jose@example.com,support-engineer,2026-01-31\n"
        result = run(runner, "hires", "import", self.write(tmp_path, csv_text, encoding="cp1252"))
        assert result.exit_code == 0, result.stderr
        assert db.session.scalar(select(User.name).where(User.email == "jose@example.com")) == "José Núñez"


class TestPlansShow:
    def test_json_is_the_contract(self, runner, org):
        run(runner, "hires", "add", "--email", "ada@example.com", "--name", "Ada", "--role-template",
            "support-engineer", "--start", "2026-01-31", "--manager", "grace@example.com")
        result = run(runner, "plans", "show", "ADA@example.com", "--json")
        assert result.exit_code == 0, result.stderr
        document = json.loads(result.output)
        assert list(document) == ["hire", "role", "template_version", "start_on", "status", "phases"]
        assert document["hire"] == {"email": "ada@example.com", "name": "Ada", "manager": "grace@example.com"}
        assert (document["role"], document["template_version"], document["start_on"]) == (
            "Support Engineer", 1, "2026-01-31")
        assert document["status"] in ("complete", "overdue", "at risk", "on track")
        month6 = next(p for p in document["phases"] if p["key"] == "month-6")
        assert list(month6) == ["key", "due_on", "items"]
        assert month6["due_on"] == "2026-07-31"
        assert list(month6["items"][0]) == ["id", "text", "due_on", "state", "children"]
        assert month6["items"][0]["due_on"] == "2026-07-31" and month6["items"][0]["state"] == "open"

    def test_human_view(self, runner, org):
        run(runner, "hires", "add", "--email", "ada@example.com", "--name", "Ada", "--role-template",
            "support-engineer", "--start", "2026-01-31", "--manager", "grace@example.com")
        plan = db.session.scalar(select(Plan))
        desk = next(i for i in plan.items if i.text == "The help desk")
        complete_item(desk, plan.hire, now=plan.created_at)
        db.session.commit()
        result = run(runner, "plans", "show", "ada@example.com")
        assert result.exit_code == 0, result.stderr
        out = result.output
        assert "Ada <ada@example.com> — Support Engineer (template v1)" in out
        assert "Manager: grace@example.com" in out and "Start: 2026-01-31" in out and "Status:" in out
        assert "30-day goals (learn the product) — due 2026-03-02" in out
        assert "  [ ] Learn the ticket queue and its tools:  (due 2026-03-02, open)" in out
        assert "    [x] The help desk  (due 2026-03-02, done)" in out
        assert "6-month milestones (trusted) — due 2026-07-31" in out
        assert "Long-term impact goals (beyond a year) — guidance, no due date" in out

    @pytest.mark.parametrize("email, message", [("nobody@example.com", "no person"), ("bob@example.com", "no plan")])
    def test_no_plan(self, runner, org, email, message):
        result = run(runner, "plans", "show", email)
        assert result.exit_code == 1 and message in result.stderr


def test_import_reports_in_line_order(runner, org, tmp_path):
    path = tmp_path / "hires.csv"
    path.write_text("name,email,role,start date,manager email\n"
                    "Ada,ada@example.com,support-engineer,2026-01-31,grace@example.com\n"
                    "Bo,bo@example.com,support-engineer,2026-01-31,\n"
                    "Ada,ada@example.com,support-engineer,2026-01-31,grace@example.com\n"
                    "Cy,cy@example.com,support-engineer,,grace@example.com\n", encoding="utf-8")
    result = run(runner, "hires", "import", str(path))
    lines = result.stderr.splitlines()
    assert [line.split(":")[0] for line in lines] == ["line 3", "line 4", "line 5"]
    assert lines[1].startswith("line 4: skipped:") and lines[2] == "line 5: the start date is empty"
    assert result.exit_code == 1
