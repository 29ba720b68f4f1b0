"""Court export: files in clear, a signed manifest of hashes and custody, verified offline."""

from __future__ import annotations

import json

from coordination.evidence.verify_export import main as verify_main
from tests.test_evidence_api import PDF, PNG, make_case, upload


def test_export_verifies_offline_and_any_change_is_named(client, runner, make_user, tmp_path, capsys):
    police = make_user("police", "member")
    case_id = make_case(client, police)
    upload(client, police, case_id, PDF, name="rekening.pdf", category="bank_statement")
    upload(client, police, case_id, PNG, name="layar.png", category="screenshot")
    out = tmp_path / "export"
    result = runner.invoke(args=["evidence", "export", case_id, str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "manifest.json").read_text())
    assert [i["filename"] for i in manifest["items"]] == ["rekening.pdf", "layar.png"]
    assert (out / manifest["items"][0]["file"]).read_bytes() == PDF
    assert manifest["items"][0]["custody"][0]["action"] == "upload"
    published = runner.invoke(args=["keys", "export-public"]).output
    assert published.encode() == (out / "signing-key.pub").read_bytes()
    key = tmp_path / "published.pem"
    key.write_text(published)
    assert verify_main([str(out), "--public-key", str(key)]) == 0
    assert "intact: case" in capsys.readouterr().out

    picture = out / manifest["items"][1]["file"]
    picture.write_bytes(picture.read_bytes() + b"!")
    assert verify_main([str(out)]) == 1
    assert manifest["items"][1]["file"] in capsys.readouterr().err
    picture.write_bytes(PNG)
    (out / "manifest.json").write_text((out / "manifest.json").read_text().replace("layar.png", "lain.png"))
    assert verify_main([str(out)]) == 1
    assert "signature does not verify" in capsys.readouterr().err
    again = runner.invoke(args=["evidence", "export", case_id, str(out)])
    assert again.exit_code != 0 and "not empty" in again.output


def test_export_is_audited_per_item(client, runner, make_user, tmp_path):
    from sqlalchemy import select

    from coordination.audit.models import AuditEvent
    from coordination.core.db import get_session

    police = make_user("police", "member")
    case_id = make_case(client, police)
    item = upload(client, police, case_id, PDF).get_json()["id"]
    assert runner.invoke(args=["evidence", "export", case_id, str(tmp_path / "x")]).exit_code == 0
    events = get_session().scalars(
        select(AuditEvent).where(AuditEvent.action == "evidence.export", AuditEvent.object_id == item)
    )
    assert len(list(events)) == 1
