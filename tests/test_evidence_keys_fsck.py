"""Key rotation re-wraps data keys without touching files; retiring waits until nothing needs
the key; fsck finds what is not evidence (orphans, half-written uploads) and what is missing."""

from __future__ import annotations

import os
import time
import uuid

from coordination.core.db import get_session
from coordination.evidence.models import Evidence
from tests.conftest import bearer
from tests.test_evidence_api import PDF, make_case, upload


def test_rotate_rewraps_without_rewriting_files_and_retire_waits(app, client, runner, make_user):
    police = make_user("police", "member")
    item = upload(client, police, make_case(client, police), PDF).get_json()
    evidence = get_session().get(Evidence, uuid.UUID(item["id"]))
    old_kek = evidence.kek_id
    path = next(app.extensions["simpul.config"].evidence_dir.glob(f"??/??/{evidence.storage_name}.smev"))
    before = path.read_bytes()
    active = runner.invoke(args=["keys", "retire", old_kek])
    assert active.exit_code != 0 and "active" in active.output
    # A rotation interrupted after the new key was written leaves data keys under the old one.
    provider = app.extensions["simpul.key_provider"]
    provider.save(provider.load().with_new_kek())
    refused = runner.invoke(args=["keys", "retire", old_kek])
    assert refused.exit_code != 0 and "still wrapped" in refused.output
    rotated = runner.invoke(args=["keys", "rotate"])
    assert rotated.exit_code == 0, rotated.output
    get_session().refresh(evidence)
    assert evidence.kek_id != old_kek and evidence.kek_id in rotated.output
    assert path.read_bytes() == before  # no content re-encrypted
    assert client.get(f"/api/v1/evidence/{item['id']}/content", headers=bearer(police)).data == PDF
    retired = runner.invoke(args=["keys", "retire", old_kek])
    assert retired.exit_code == 0, retired.output
    assert old_kek not in provider.load().keks
    assert client.get(f"/api/v1/evidence/{item['id']}/content", headers=bearer(police)).data == PDF


def test_fsck_reports_and_repairs(app, client, runner, make_user):
    store = app.extensions["simpul.evidence_store"]
    police = make_user("police", "member")
    kept = upload(client, police, make_case(client, police), PDF).get_json()["id"].replace("-", "")
    orphan = uuid.uuid4().hex
    pending = store.create(orphan)
    pending.write(b"ciphertext of an upload whose row never came")
    pending.finish()
    old = time.time() - 3600
    os.utime(next(store.root.glob(f"??/??/{orphan}.smev")), (old, old))
    half = store.create(uuid.uuid4().hex)
    half.write(b"half")  # the process died here
    report = runner.invoke(args=["evidence", "fsck", "--verify"])
    assert report.exit_code == 1
    assert f"orphan file (no record; not evidence): {orphan}" in report.output
    assert "half-written upload" in report.output and kept not in report.output
    repaired = runner.invoke(args=["evidence", "fsck", "--repair"])
    assert orphan not in list(store.names()) and kept in list(store.names())
    assert list(store.pending()) == [] and "(repaired)" in repaired.output
    next(store.root.glob(f"??/??/{kept}.smev")).unlink()
    missing = runner.invoke(args=["evidence", "fsck"])
    assert missing.exit_code == 1 and f"MISSING file of a record: {kept}" in missing.output
