"""Explanations and scores, shared by the engine and the reference so their outputs are comparable.

Each rule hands over the numbers it saw; the functions here word them in English and in Bahasa
Indonesia, with numbers written the Indonesian way ("Rp 75.000"), and `flag_account` turns an
account's hits into a score and, at or above the policy's threshold, a FlaggedAccount.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from coordination.screening.model import FlaggedAccount, IndicatorHit
from coordination.screening.policy import RuleIndicator, ScreeningPolicy

DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
CHANNEL_WORDS = {
    "bank_transfer": ("bank transfer", "transfer bank"),
    "e_wallet": ("e-wallet", "dompet elektronik"),
    "payment_gateway": ("payment gateway", "payment gateway"),
    "remittance": ("remittance", "remitansi"),
    "crypto": ("crypto", "kripto"),
    "pulsa": ("phone credit", "pulsa"),
    "game_topup": ("game top-up", "top up game"),
    "live_gift": ("live-streaming gift", "hadiah live streaming"),
    "card": ("card", "kartu"),
    "cash": ("cash", "tunai"),
}


@dataclass(frozen=True)
class Found:
    """An indicator that fired for an account, before scoring: its evidence and its words."""

    tx_ids: frozenset[str]
    en: str
    id: str


def rupiah(value: float | int | Decimal) -> str:
    whole = int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return "Rp " + f"{whole:,}".replace(",", ".")


def days(span_us: int) -> tuple[str, str]:
    n = max(1, math.ceil(span_us / DAY_US))
    return f"{n} day{'s' if n != 1 else ''}", f"{n} hari"


def hours(span_us: int) -> tuple[str, str]:
    n = max(1, math.ceil(span_us / HOUR_US))
    return f"{n} hour{'s' if n != 1 else ''}", f"{n} jam"


def _more(n: int) -> tuple[str, str]:
    return (f"; {n} more such series", f"; {n} rangkaian serupa lainnya") if n else ("", "")


def counterparty_burst(
    params: Mapping, counterparties: int, span_us: int, median: float, abroad: int, account_age: int | None
) -> tuple[str, str]:
    """ "27 distinct senders in 6 days, median Rp 75.000, 9 from abroad"."""
    direction = params["direction"]
    noun_en = {"incoming": "senders", "outgoing": "receivers", "any": "counterparties"}[direction]
    noun_id = {"incoming": "pengirim", "outgoing": "penerima", "any": "lawan transaksi"}[direction]
    adult_en = "adult " if params["counterparty_min_age"] else ""
    adult_id = " dewasa" if params["counterparty_min_age"] else ""
    cross_en = "cross-border " if params["cross_border_only"] else ""
    cross_id = " lintas negara" if params["cross_border_only"] else ""
    d_en, d_id = days(span_us)
    en = f"{counterparties} distinct {cross_en}{adult_en}{noun_en} in {d_en}"
    id_ = f"{counterparties} {noun_id}{adult_id}{cross_id} berbeda dalam {d_id}"
    if account_age is not None:
        role_en = {"incoming": "to", "outgoing": "from", "any": "with"}[direction]
        en += f" {role_en} an account holder aged {account_age}"
        id_ += f", pemilik rekening berusia {account_age} tahun"
    en += f", median {rupiah(median)}"
    id_ += f", median {rupiah(median)}"
    if abroad and not params["cross_border_only"]:
        en += f", {abroad} {'from ' if direction == 'incoming' else ''}abroad"
        id_ += f", {abroad} {'dari' if direction == 'incoming' else 'di'} luar negeri"
    return en, id_


def repeated_amount(amount: int, times: int, span_us: int, sent: bool, more: int) -> tuple[str, str]:
    d_en, d_id = days(span_us)
    m_en, m_id = _more(more)
    party_en = "to the same receiver" if sent else "from the same sender"
    party_id = "ke penerima yang sama" if sent else "dari pengirim yang sama"
    return (
        f"{rupiah(amount)} {party_en} {times} times in {d_en}{m_en}",
        f"{rupiah(amount)} {party_id} {times} kali dalam {d_id}{m_id}",
    )


def note_keywords(
    coded: int,
    coded_words: Iterable[str],
    coded_parties: int,
    disguised: int,
    disguise_words: Iterable[str],
    disguise_parties: int,
) -> tuple[str, str]:
    en, id_ = [], []
    if coded:
        words = ", ".join(sorted(coded_words))
        en.append(
            f"{coded} transfer note{'s' if coded != 1 else ''} with coded words ({words}), "
            f"{coded_parties} counterpart{'ies' if coded_parties != 1 else 'y'}"
        )
        id_.append(f"{coded} berita transfer dengan kata kode ({words}), {coded_parties} lawan transaksi")
    if disguised:
        words = ", ".join(sorted(disguise_words))
        en.append(f"{disguised} notes disguising the purpose ({words}) with {disguise_parties} counterparties")
        id_.append(
            f"{disguised} berita transfer yang menyamarkan tujuan ({words}) dengan {disguise_parties} lawan transaksi"
        )
    return "; ".join(en), "; ".join(id_)


def escalating_payments(
    payments: int, first: int, last: int, span_us: int, paid: bool, payer_age: int, more: int
) -> tuple[str, str]:
    h_en, h_id = hours(span_us)
    m_en, m_id = _more(more)
    rise = f"from {rupiah(first)} to {rupiah(last)}"
    naik = f"dari {rupiah(first)} menjadi {rupiah(last)}"
    if paid:
        return (
            f"{payments} payments rising {rise} within {h_en} to a new counterparty, paid by an "
            f"account holder aged {payer_age}{m_en}",
            f"{payments} pembayaran naik {naik} dalam {h_id} kepada pihak baru, oleh pemilik rekening "
            f"berusia {payer_age} tahun{m_id}",
        )
    return (
        f"received {payments} payments rising {rise} within {h_en} from a new counterparty aged {payer_age}{m_en}",
        f"menerima {payments} pembayaran naik {naik} dalam {h_id} dari pihak baru berusia {payer_age} tahun{m_id}",
    )


def odd_hours(params: Mapping, odd: int, total: int, nights: int, label: str) -> tuple[str, str]:
    share = odd * 100 // total
    span = f"{params['start_hour']:02d}:00 and {params['end_hour']:02d}:00 {label}"
    span_id = f"{params['start_hour']:02d}:00 dan {params['end_hour']:02d}:00 {label}"
    return (
        f"{odd} of {total} transactions ({share}%) between {span}, on {nights} night{'s' if nights != 1 else ''}",
        f"{odd} dari {total} transaksi ({share}%) antara {span_id}, pada {nights} malam",
    )


def pass_through(params: Mapping, occurrences: int, total_in: int, total_out: int) -> tuple[str, str]:
    h_en, h_id = hours(params["window_hours"] * HOUR_US)
    share = params["min_out_share_percent"]
    return (
        f"{occurrences} incoming payments totalling {rupiah(total_in)} were at least {share}% paid "
        f"out within {h_en} ({rupiah(total_out)} out)",
        f"{occurrences} dana masuk sebesar {rupiah(total_in)} minimal {share}% keluar lagi dalam "
        f"{h_id} ({rupiah(total_out)} keluar)",
    )


def channel_with_other_signal(
    transactions: int, channels: Iterable[str], counterparties: int, others: Iterable[RuleIndicator]
) -> tuple[str, str]:
    chosen = sorted(channels)
    others = sorted(others, key=lambda o: o.id)
    return (
        f"{transactions} payments by {', '.join(CHANNEL_WORDS[c][0] for c in chosen)} with "
        f"{counterparties} counterparties, "
        f"together with: {'; '.join(o.labels.en for o in others)}",
        f"{transactions} pembayaran lewat {', '.join(CHANNEL_WORDS[c][1] for c in chosen)} dengan "
        f"{counterparties} lawan transaksi, "
        f"bersama: {'; '.join(o.labels.id for o in others)}",
    )


def flag_account(
    account: str,
    found: Mapping[str, Found],
    channel_stats: Mapping[str, tuple[frozenset[str], int, frozenset[str], int]],
    policy: ScreeningPolicy,
    identity: tuple[str | None, str | None, date | None] = (None, None, None),
) -> FlaggedAccount | None:
    """Score an account's hits. A channel rule's stats (evidence, transactions, channels,
    counterparties) count only when one of its `with_indicators` fired for the same account."""
    hits = dict(found)
    for ident, (evidence, transactions, channels, parties) in channel_stats.items():
        indicator = policy.indicators[ident]
        others = [policy.indicators[o] for o in indicator.params["with_indicators"] if o in found]
        if others:
            en, id_ = channel_with_other_signal(transactions, channels, parties, others)
            hits[ident] = Found(evidence, en, id_)
    score = sum(policy.indicators[i].weight for i in hits)
    if score < policy.flag_threshold:
        return None
    ordered = sorted(hits, key=lambda i: (-policy.indicators[i].weight, i))
    indicators = tuple(
        IndicatorHit(i, tuple(sorted(hits[i].tx_ids))[: policy.max_evidence], hits[i].en, hits[i].id) for i in ordered
    )
    return FlaggedAccount(account, score, indicators, *identity)


def ordered(flagged: Iterable[FlaggedAccount]) -> list[FlaggedAccount]:
    return sorted(flagged, key=lambda f: (-f.score, f.account))
