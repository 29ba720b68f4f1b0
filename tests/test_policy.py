"""The role policy loader: the real file loads, and every kind of mistake names file and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from coordination.core.permissions import ORG_KINDS, PERMISSIONS, ROLES
from coordination.policy import load_policies
from coordination.policy.loader import PolicyError
from coordination.policy.roles import load_role_policy

POLICIES = Path(__file__).resolve().parent.parent / "policies"


def load(path: Path):  # type: ignore[no-untyped-def]
    return load_role_policy(path, known_kinds=ORG_KINDS, known_roles=ROLES, known_permissions=PERMISSIONS)


def variant(tmp_path: Path, old: str, new: str) -> Path:
    text = (POLICIES / "roles.yaml").read_text()
    assert old in text, old
    path = tmp_path / "roles.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def test_shipped_policy_loads_and_covers_every_kind_and_role():
    policy = load_policies(POLICIES)["roles"]
    for kind in ORG_KINDS:
        for role in ROLES:
            assert "account.self" in policy.permissions_of(kind, role), (kind, role)


def test_csam_is_for_police_and_fiu_only():
    policy = load(POLICIES / "roles.yaml")
    holders = {kind for (kind, _role), perms in policy.grants.items() if "evidence.view_csam" in perms}
    assert holders == {"police", "fiu"}


def test_org_admins_manage_people_not_case_data():
    policy = load(POLICIES / "roles.yaml")
    case_data = {p for p in PERMISSIONS if p.split(".")[0] in {"alert", "case", "referral", "evidence"}}
    for kind in ORG_KINDS:
        assert not policy.permissions_of(kind, "org_admin") & case_data, kind


def test_only_platform_admins_manage_organisations():
    policy = load(POLICIES / "roles.yaml")
    assert {key for key, perms in policy.grants.items() if "orgs.manage" in perms} == {("operator", "org_admin")}


def test_unknown_permission_in_grants_names_file_and_line(tmp_path):
    path = variant(
        tmp_path,
        "member:     [dashboard.view, account.self, api_tokens.manage, alert.view, alert.create",
        "member:     [dashboard.view, account.self, api_tokens.manage, alert.view, alert.craete",
    )
    with pytest.raises(PolicyError) as caught:
        load(path)
    assert caught.value.path == path
    assert caught.value.line == line_of(path, "alert.craete")
    assert "unknown permission 'alert.craete'" in str(caught.value)
    assert str(caught.value).startswith(f"{path}:{caught.value.line}:")


def test_unknown_kind_is_refused(tmp_path):
    path = variant(tmp_path, "\n  regulator:\n    member:", "\n  bank:\n    member:")
    with pytest.raises(PolicyError, match="unknown organisation kind 'bank'") as caught:
        load(path)
    assert caught.value.line == line_of(path, "  bank:")


def test_unknown_role_is_refused(tmp_path):
    path = variant(
        tmp_path,
        "    supervisor: [dashboard.view, account.self, api_tokens.manage, alert.view, alert.create, alert.triage",
        "    boss: [dashboard.view, account.self, api_tokens.manage, alert.view, alert.create, alert.triage",
    )
    with pytest.raises(PolicyError, match="unknown role 'boss'"):
        load(path)


def test_permission_missing_from_catalogue_is_refused(tmp_path):
    path = variant(tmp_path, "  forum.manage:", "  forum.manag:")
    with pytest.raises(PolicyError, match=r"unknown permission 'forum\.manag'"):
        load(path)


def test_duplicate_key_is_refused_rather_than_silently_overwritten(tmp_path):
    path = variant(tmp_path, "\n  ngo:\n    member:", "\n  ngo:\n    member: [dashboard.view]\n    member:")
    with pytest.raises(PolicyError, match="'member' appears twice"):
        load(path)


def test_missing_language_label_is_refused(tmp_path):
    path = variant(tmp_path, '{id: "Anggota", en: "Member"}', '{id: "Anggota"}')
    with pytest.raises(PolicyError, match="lacks its 'en' label"):
        load(path)


def test_broken_yaml_reports_its_line(tmp_path):
    path = variant(tmp_path, "grants:\n", "grants:\n  pjk: [unclosed\n")
    with pytest.raises(PolicyError, match="not valid YAML") as caught:
        load(path)
    assert caught.value.line > 1


def test_app_refuses_to_start_on_a_broken_policy(tmp_path):
    import shutil
    import subprocess
    import sys

    policies = tmp_path / "policies"
    shutil.copytree(POLICIES, policies)
    (policies / "roles.yaml").write_text((policies / "roles.yaml").read_text().replace("audit.read]", "audit.reed]", 1))
    env = {"PATH": "/usr/bin:/bin", "SIMPUL_DATA_DIR": str(tmp_path / "data"), "SIMPUL_POLICIES_DIR": str(policies)}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "routes"],
        cwd=POLICIES.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "roles.yaml:" in result.stderr and "unknown permission 'audit.reed'" in result.stderr
    assert "Traceback" not in result.stderr
