"""The operator commands under `flask --app app`."""

from __future__ import annotations

from sqlalchemy import func, select

from coordination.accounts.models import Organisation, User
from coordination.core.db import get_session
from tests.conftest import PASSWORD


def test_init_is_idempotent(runner):
    for _ in range(2):
        result = runner.invoke(args=["init"])
        assert result.exit_code == 0, result.output


def test_org_user_token_commands(app, runner):
    result = runner.invoke(args=["org", "create", "--name", "Bank Contoh", "--kind", "pjk"])
    assert result.exit_code == 0, result.output
    org_id = int(result.output.strip().splitlines()[-1])
    assert get_session().get(Organisation, org_id).kind == "pjk"
    result = runner.invoke(
        args=[
            "user",
            "create",
            "--email",
            "kepatuhan@contoh.example.id",
            "--org",
            "Bank Contoh",
            "--role",
            "supervisor",
        ],
        input=PASSWORD + "\n",
    )
    assert result.exit_code == 0, result.output
    user = get_session().scalar(select(User).where(User.email == "kepatuhan@contoh.example.id"))
    assert user.role == "supervisor" and not user.mfa_enrolled and not user.is_demo
    assert PASSWORD not in result.output
    result = runner.invoke(args=["token", "create", "--email", user.email])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.get_json()["email"] == user.email


def test_commands_refuse_bad_input_clearly_and_write_nothing(runner):
    before = get_session().scalar(select(func.count(Organisation.id)))
    result = runner.invoke(args=["org", "create", "--name", "Bank Aneh", "--kind", "bank"])
    assert result.exit_code != 0 and "kind" in result.output
    result = runner.invoke(
        args=["user", "create", "--email", "a@b.example.id", "--org", "No Such Org", "--role", "member"],
        input=PASSWORD + "\n",
    )
    assert result.exit_code != 0 and "No Such Org" in result.output
    assert get_session().scalar(select(func.count(Organisation.id))) == before


def test_weak_password_on_stdin_is_refused(runner, make_org):
    org = make_org("ngo", "LSM Contoh")
    result = runner.invoke(
        args=["user", "create", "--email", "staf@lsm.example.id", "--org", org.name, "--role", "member"],
        input="password\n",
    )
    assert result.exit_code != 0 and "password" in result.output.lower()
    assert get_session().scalar(select(User).where(User.email == "staf@lsm.example.id")) is None


def test_seed_demo_seeds_every_kind_and_role_once(runner):
    from coordination.core.permissions import ORG_KINDS, ROLES

    result = runner.invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    users = get_session().scalars(select(User)).all()
    assert {(u.organisation.kind, u.role) for u in users} == {(k, r) for k in ORG_KINDS for r in ROLES}
    assert all(u.is_demo for u in users)
    assert all(u.email in result.output for u in users)
    from coordination.alerts.models import Alert
    from coordination.referrals.models import Referral

    assert get_session().scalar(select(func.count(Alert.id))) == 2
    referrals = get_session().scalars(select(Referral)).all()
    assert {(r.from_org.kind, r.to_org.kind, r.purpose) for r in referrals} == {
        ("fiu", "police", "investigation"),
        ("fiu", "ngo", "victim_support"),
        ("ngo", "service", "victim_support"),  # the NGO's own case, from a hotline complaint
    }
    from coordination.forum.models import ActionItem, AgendaItem, Meeting

    meetings = get_session().scalars(select(Meeting).order_by(Meeting.starts_at)).all()
    assert len(meetings) == 2 and meetings[1].follows_meeting_id == meetings[0].id
    carried = get_session().scalars(select(ActionItem).where(ActionItem.meeting_id == meetings[1].id)).all()
    assert [i.status for i in carried] == ["in_progress"]  # the open item of the first meeting, carried over
    agenda = get_session().scalars(select(AgendaItem).where(AgendaItem.meeting_id == meetings[1].id)).all()
    assert [i.kind for i in agenda] == ["case"]
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "already" in again.output
    assert len(get_session().scalars(select(User)).all()) == len(users)
