"""The request mix: its names, weights and bodies. Imports nothing of locust, so that run.py and
the tests can use it without gevent's monkey-patching.

Weights are per task run of one locust user (a "desk": a PJK's alert feed, a PPATK analyst at
the browser, the analyst's evidence sync). Reading dominates, as it does in a referral
platform: a national deployment receives ~1 million alerts a year (0.03 a second on average,
bursts at the PJKs' nightly batches), while analysts open inboxes, alerts and cases all day.
Each alert raised is a write with sealing, blind-index digests and an audit event; each page
that opens an alert, a case or evidence also writes its audit event.
"""

from __future__ import annotations

import hashlib
import random
import uuid

# task -> (name in locust's statistics, weight)
MIX: dict[str, tuple[str, int]] = {
    "raise_alert": ("POST /api/v1/alerts", 4),
    "list_alerts_api": ("GET /api/v1/alerts", 2),
    "inbox_page": ("GET /alerts", 3),
    "alert_page": ("GET /alerts/{id}", 3),
    "cases_page": ("GET /cases", 1),
    "case_page": ("GET /cases/{id}", 3),
    "dashboard_page": ("GET /", 1),
    "upload_evidence": ("POST /api/v1/cases/{id}/evidence", 1),
    "download_evidence": ("GET /api/v1/evidence/{id}/content", 2),
}
TRIVIAL = "GET /healthz"
EVIDENCE_BYTES = 256 * 1024  # a scanned bank statement of a few pages
BOUNDARY = "simpul-load-boundary"


def _digits(rnd: random.Random, n: int) -> str:
    return "".join(rnd.choice("0123456789") for _ in range(n))


def alert_body(rnd: random.Random) -> dict[str, object]:
    """A PJK's suspicious-transaction alert as its core banking system would post it."""
    victim_phone = "08" + _digits(rnd, 10)
    suspect_account = _digits(rnd, 10)
    day = rnd.randrange(1, 28)
    return {
        "reference": f"LOAD-{uuid.uuid4().hex[:16]}",
        "typologies": [rnd.choice(["grooming_payments", "live_streaming", "sextortion", "csam_purchase"])],
        "indicators": rnd.sample(["fan_in", "coded_note", "minor_receiver", "typology_channel"], 2),
        "narrative": (
            f"Rekening e-wallet {victim_phone} milik nasabah berusia 15 tahun menerima {rnd.randrange(5, 60)} "
            f"transfer kecil dari {rnd.randrange(3, 30)} pengirim dalam {rnd.randrange(2, 14)} hari, sebagian "
            "dengan berita 'buat jajan ya' dan 'top up diamond'."
        ),
        "subjects": [
            {
                "role": "victim",
                "name": rnd.choice(["Putri Lestari", "Wulan Sari", "Dewi Kusuma", "Siti Aminah"]),
                "nik": "3174" + _digits(rnd, 12),
                "birth_date": f"2011-0{rnd.randrange(1, 10)}-{day:02d}",
                "gender": "female",
                "phone": victim_phone,
                "province": rnd.choice(["dki_jakarta", "jawa_barat", "jawa_timur", "banten"]),
                "accounts": [{"type": "e_wallet", "provider": "DompetKita", "identifier": victim_phone}],
            },
            {
                "role": "suspect",
                "name": rnd.choice(["Hendra Wijaya", "Budi Santoso", "Agus Saputra"]),
                "phone": "08" + _digits(rnd, 10),
                "gender": "male",
                "province": "jawa_barat",
                "accounts": [{"type": "bank", "provider": "Bank Nusantara", "identifier": suspect_account}],
            },
        ],
        "transactions": [
            {
                "tx_id": f"TX-{uuid.uuid4().hex[:12]}",
                "timestamp": f"2026-10-{day:02d}T2{n}:1{n}:00+07:00",
                "amount": str(rnd.randrange(50, 2000) * 1000),
                "channel": rnd.choice(["e_wallet", "game_topup", "bank_transfer"]),
                "from_account": suspect_account,
                "to_account": victim_phone,
                "note": rnd.choice(["buat jajan ya", "top up diamond", "jangan bilang siapa2"]),
            }
            for n in range(3)
        ],
    }


def statement_pdf(rnd: random.Random, size: int = EVIDENCE_BYTES) -> bytes:
    """Bytes that the content sniffer takes for a PDF (its magic number), of the given size."""
    head = b"%PDF-1.7\n"
    return head + rnd.randbytes(size - len(head))


def multipart(content: bytes, category: str, description: str, filename: str) -> tuple[bytes, str]:
    """(body, content type) of an evidence upload: the text fields first, then the file."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="category"\r\n\r\n{category}\r\n'.encode(),
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="description"\r\n\r\n{description}\r\n'.encode(),
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode(),
        content,
        f"\r\n--{BOUNDARY}--\r\n".encode(),
    ]
    return b"".join(parts), f"multipart/form-data; boundary={BOUNDARY}"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
