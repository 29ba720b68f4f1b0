"""Synthetic Indonesian transaction exports with planted red-flag typologies and ground truth.

The screening engine is judged on data we cannot have (real PJK exports with known cases), so
this module makes a stand-in: ordinary person-to-person and merchant traffic over one quarter,
into which it plants each typology from DOMAIN.md and a set of benign look-alikes that share
surface features with them (parents' "jajan" transfers, marketplace sellers, migrant workers'
remittances, game shops, payroll, friends splitting a bill). It returns the frame and the
ground truth at account level:

- ``"<typology>"``: the primary account of a planted scheme (the account the indicator is
  about: the collector, the payer, the minor, the mule...). Recall is measured on these.
- ``"party:<typology>"``: the other side of a planted scheme (buyers, the extortionist...). Not
  counted for recall; a flag on one is not a false positive either.
- ``"benign:<kind>"``: a look-alike, or a background merchant (``benign:merchant``).
  Unlabelled accounts are ordinary background people.

Everything is vectorised with numpy/polars (no Python loop per row; loops run per typology or
per planted row only for the few thousand coded notes), so ten million rows take about a minute.
``write`` generates large files in independent chunks so memory stays bounded.
"""

from __future__ import annotations

import math
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

# The quarter the traffic covers; ages are computed against its first day.
QUARTER_START = int(datetime(2026, 6, 30, 17, 0, tzinfo=UTC).timestamp())  # 2026-07-01 00:00 WIB
QUARTER_DAYS = 92
QUARTER_END = QUARTER_START + QUARTER_DAYS * 86400
WIB = 7 * 3600
DAY = 86400
HOUR = 3600
REFERENCE_YEAR = 2026

TYPOLOGIES = (
    "fan_in",
    "fan_out",
    "repeated_amount",
    "small_cross_border",
    "coded_note",
    "typology_channel",
    "minor_receiver",
    "minor_payer_escalation",
    "odd_hours",
    "pass_through",
)
LOOKALIKES = ("parent_allowance", "marketplace_seller", "migrant_remittance", "game_shop", "payroll", "bill_split")

CHANNELS = (
    "bank_transfer",
    "e_wallet",
    "payment_gateway",
    "remittance",
    "crypto",
    "pulsa",
    "game_topup",
    "live_gift",
    "card",
    "cash",
)
_CH = {name: i for i, name in enumerate(CHANNELS)}

COLUMNS = (
    "tx_id",
    "timestamp",
    "amount",
    "currency",
    "channel",
    "sender_account",
    "sender_name",
    "sender_country",
    "sender_birth_date",
    "receiver_account",
    "receiver_name",
    "receiver_country",
    "receiver_birth_date",
    "note",
)

# fmt: off
FIRST_NAMES = (
    "Adi", "Agus", "Ahmad", "Aldi", "Andi", "Anisa", "Arif", "Ayu", "Bagus", "Bambang", "Bayu", "Budi", "Cahya",
    "Citra", "Dani", "Dedi", "Dewi", "Dian", "Dimas", "Dina", "Eka", "Endang", "Fajar", "Fitri", "Gilang",
    "Hadi", "Hendra", "Heru", "Ika", "Indah", "Intan", "Irfan", "Joko", "Kartika", "Lestari", "Lina", "Made",
    "Maya", "Mega", "Muhammad", "Nanda", "Nur", "Nurul", "Oki", "Putri", "Putu", "Rahmat", "Rani", "Ratna",
    "Reza", "Rina", "Rizki", "Rudi", "Sari", "Sinta", "Siti", "Slamet", "Sri", "Suharto", "Surya", "Syahrul",
    "Taufik", "Teguh", "Tri", "Tuti", "Umar", "Wahyu", "Wati", "Wayan", "Yanti", "Yoga", "Yudi", "Yuli", "Zahra",
    "Ketut", "Asep", "Ujang", "Dodi", "Neneng", "Euis", "Ucok", "Butet", "Tigor", "Fauzan", "Hana", "Salsabila",
    "Aulia", "Kevin", "Nadia", "Raka", "Bintang", "Keisha",
)
LAST_NAMES = (
    "Saputra", "Wijaya", "Santoso", "Pratama", "Kusuma", "Hidayat", "Nugroho", "Setiawan", "Siregar", "Nasution",
    "Harahap", "Lubis", "Simanjuntak", "Sitompul", "Hutapea", "Pangaribuan", "Gunawan", "Halim", "Tanoto", "Lim",
    "Wibowo", "Susanto", "Purnomo", "Hartono", "Suryadi", "Rahayu", "Utami", "Lestari", "Permana", "Ramadhan",
    "Firmansyah", "Kurniawan", "Maulana", "Syahputra", "Putra", "Putri", "Sembiring", "Ginting", "Tarigan",
    "Manurung", "Sinaga", "Situmorang", "Panjaitan", "Tambunan", "Pohan", "Daulay", "Rangkuti", "Wahyudi",
    "Effendi", "Hakim", "Sulistyo",
)
FOREIGN_NAMES = (
    "John Smith", "David Brown", "Michael Lee", "James Wilson", "Robert Taylor", "Mark Johnson", "Peter Clark",
    "Daniel White", "Ahmad Razak", "Mohd Faizal", "Lim Wei Ming", "Tan Chee Keong", "Wong Kar Fai",
    "Chan Siu Ming", "Jose Santos", "Mark Reyes", "Juan dela Cruz", "Abdullah Al Harbi", "Khalid Al Otaibi",
    "Thomas Muller", "Jan de Vries", "Chris Anderson", "Paul Martin",
)
# fmt: on
MERCHANT_PREFIX = ("TOKO", "WARUNG", "CV", "PT", "KEDAI", "APOTEK", "BENGKEL", "LAUNDRY", "TOKO ONLINE")
GAME_SHOP_NAMES = ("TOPUP STORE", "GAME CENTER", "DIAMOND SHOP", "VOUCHER GAME", "GAMERS MART")

# Countries of foreign persons in ordinary traffic, and of offenders abroad in the typologies.
BACKGROUND_FOREIGN = ("MY", "SG", "SA", "HK", "AU", "US", "PH")
BACKGROUND_FOREIGN_P = (0.28, 0.22, 0.14, 0.1, 0.1, 0.08, 0.08)
OFFENDER_FOREIGN = ("AU", "US", "SG", "MY", "GB", "NL", "DE", "PH", "HK", "JP")
MIGRANT_HOST = ("MY", "SA", "HK", "SG", "TW", "AE")

# Ordinary notes (most rows have none). A few contain "makan": real traffic does.
# Innocent notes that brush against the code words: a bank's name, a booking, a child's birthday.
TRICKY_NOTES = ("transfer bjb", "dp open booking", "kado ultah adik ke 15", "kado ultah ke 15 thn", "umur panjang ya")
BACKGROUND_NOTES = (
    "transfer",
    "bayar utang",
    "arisan",
    "sewa kos",
    "cicilan motor",
    "ongkir",
    "thr",
    "kondangan",
    "uang bensin",
    "titip beli",
    "makan siang kantor",
    "bayar listrik",
    "iuran rt",
    "pulsa",
    "zakat",
    "sumbangan masjid",
    "bayar kontrakan",
    "ganti uang",
    "dp",
    "lunas",
)
# Phrases offenders and groomers use (DOMAIN.md); obfuscated at random when planted.
CODED_PHRASES = (
    "open bo",
    "vcs",
    "bj",
    "video call sex",
    "buat makan ya",
    "jajan",
    "untuk shopping ya",
    "buat jajan ya",
    "umur 15",
    "masih 14 th",
    "abg 16 thn",
    "usia 13",
    "premium place",
    "open bo 2 jam",
    "vcs 30 menit",
)
ALLOWANCE_NOTES = ("buat makan ya", "jajan", "uang saku", "uang kos", "buat jajan ya nak", "uang jajan minggu ini", "")
SPLIT_NOTES = ("patungan", "split bill", "bayar makan tadi", "makan bareng", "nonton", "")
GAME_NOTES = ("topup ml 86 diamond", "ff 140 dm", "pubg 60 uc", "genshin 300 crystal", "")
GAME_PRICES = (15_000, 20_000, 30_000, 50_000, 75_000, 100_000, 150_000, 300_000)

# Share of activity per WIB hour for ordinary traffic: quiet at night, peaks at noon and evening.
_HOUR_WEIGHTS = np.array(
    [
        0.6,
        0.3,
        0.2,
        0.2,
        0.4,
        1.2,
        2.5,
        4.0,
        5.5,
        6.5,
        7.0,
        7.2,
        7.5,
        7.0,
        6.5,
        6.2,
        6.0,
        5.8,
        6.2,
        7.0,
        7.2,
        6.5,
        4.5,
        2.0,
    ]
)
_HOUR_P = _HOUR_WEIGHTS / _HOUR_WEIGHTS.sum()
NIGHT_HOURS = np.array([23, 0, 1, 2, 3])  # "dini hari", WIB


@dataclass(frozen=True)
class Mix:
    """How many accounts of each kind to plant per million rows (at least ``minimum`` each)."""

    planted_per_million: dict[str, int] = field(default_factory=lambda: {t: 300 for t in TYPOLOGIES})
    lookalike_per_million: dict[str, int] = field(default_factory=lambda: {k: 400 for k in LOOKALIKES})
    minimum: int = 3
    # Background: persons per row and merchants per row (sets how many transactions each has).
    persons_per_row: float = 0.2
    merchants_per_row: float = 0.0008
    foreign_person_share: float = 0.06
    birth_date_share: float = 0.6
    utc_timestamp_share: float = 0.2  # rows written as ...Z instead of +07:00

    def count(self, kind: str, n_rows: int) -> int:
        per_million = self.planted_per_million.get(kind, self.lookalike_per_million.get(kind, 0))
        if per_million <= 0:
            return 0
        return max(self.minimum, round(per_million * n_rows / 1_000_000))


DEFAULT_MIX = Mix()


# --------------------------------------------------------------------------------------------
# Building blocks


class _Vocab:
    """Strings stored once; rows hold indices (notes repeat a lot)."""

    def __init__(self, initial: tuple[str, ...] = ("",)) -> None:
        self.items: list[str] = []
        self.index: dict[str, int] = {}
        for s in initial:
            self.add(s)

    def add(self, s: str) -> int:
        i = self.index.get(s)
        if i is None:
            i = self.index[s] = len(self.items)
            self.items.append(s)
        return i

    def many(self, strings: list[str]) -> np.ndarray:
        return np.fromiter((self.add(s) for s in strings), dtype=np.int32, count=len(strings))


@dataclass
class _Accounts:
    """Account table built up in pieces; transactions refer to accounts by row index."""

    ids: list[pl.Series] = field(default_factory=list)
    names: list[pl.Series] = field(default_factory=list)
    countries: list[np.ndarray] = field(default_factory=list)
    birth: list[np.ndarray] = field(default_factory=list)  # birth day as days since 1970, -1 = unknown
    size: int = 0


@dataclass
class _Rows:
    """A block of transactions as parallel arrays."""

    sender: np.ndarray
    receiver: np.ndarray
    ts: np.ndarray  # seconds since epoch, UTC
    amount: np.ndarray  # IDR, int64
    channel: np.ndarray  # index into CHANNELS
    note: np.ndarray  # index into the note vocabulary


class _Builder:
    def __init__(self, n_rows: int, seed: int, mix: Mix, chunk: int) -> None:
        self.rng = np.random.default_rng([seed, chunk])
        self.mix = mix
        self.chunk = chunk
        self.n_rows = n_rows
        self.acc = _Accounts()
        self.notes = _Vocab()
        self.blocks: list[_Rows] = []
        self.labels: dict[int, str] = {}
        self.party: dict[int, str] = {}
        self.background_people = np.zeros(0, dtype=np.int64)  # set by _background

    # ---- accounts
    def new_accounts(
        self,
        n: int,
        *,
        countries: np.ndarray | str = "ID",
        age: tuple[int, int] = (18, 70),
        birth_share: float | None = None,
        names: pl.Series | None = None,
        kind: str = "person",
    ) -> np.ndarray:
        """Append n accounts; returns their indices. Birth dates are present for birth_share of them."""
        rng = self.rng
        start = self.acc.size
        idx = np.arange(start, start + n)
        # Bank accounts (10 digits) and e-wallets (phone numbers); unique through the running index.
        ewallet = rng.random(n) < 0.5
        serial = pl.Series(idx + self.chunk * 100_000_000, dtype=pl.Int64).cast(pl.Utf8).str.zfill(9)
        prefix = pl.Series(np.where(ewallet, "0812", "7")).cast(pl.Utf8)
        self.acc.ids.append(prefix + serial)
        if isinstance(countries, str):
            countries = np.full(n, countries, dtype="<U2")
        if names is None:
            names = self._person_names(n, countries)
        self.acc.names.append(names)
        self.acc.countries.append(countries.astype("<U2"))
        share = self.mix.birth_date_share if birth_share is None else birth_share
        years = rng.integers(age[0], age[1] + 1, n)
        # The last birthday fell 1-272 days before the quarter: nobody changes age (a minor stays one) inside it.
        days = QUARTER_START // DAY - (years * 365.25).astype(np.int64) - rng.integers(1, 365 - QUARTER_DAYS, n)
        known = rng.random(n) < share
        if kind != "person":
            known[:] = False
        self.acc.birth.append(np.where(known, days, -1))
        self.acc.size += n
        return idx

    def _person_names(self, n: int, countries: np.ndarray) -> pl.Series:
        rng = self.rng
        first = pl.Series(FIRST_NAMES)[rng.integers(0, len(FIRST_NAMES), n)]
        last = pl.Series(LAST_NAMES)[rng.integers(0, len(LAST_NAMES), n)]
        single = pl.Series(rng.random(n) < 0.2)  # many Indonesians have one name
        local = pl.select(pl.when(single).then(first).otherwise(first + " " + last)).to_series()
        foreign = pl.Series(FOREIGN_NAMES)[rng.integers(0, len(FOREIGN_NAMES), n)]
        is_id = pl.Series(countries == "ID")
        return pl.select(pl.when(is_id).then(local).otherwise(foreign)).to_series().str.to_uppercase()

    def merchant_names(self, n: int, prefixes: tuple[str, ...] = MERCHANT_PREFIX) -> pl.Series:
        rng = self.rng
        pre = pl.Series(prefixes)[rng.integers(0, len(prefixes), n)]
        base = pl.Series(FIRST_NAMES + LAST_NAMES)[rng.integers(0, len(FIRST_NAMES) + len(LAST_NAMES), n)]
        return (pre + " " + base.str.to_uppercase()).alias("name")

    def foreign_countries(self, n: int, pool: tuple[str, ...] = OFFENDER_FOREIGN) -> np.ndarray:
        return np.array(pool, dtype="<U2")[self.rng.integers(0, len(pool), n)]

    # ---- rows
    def add(self, sender, receiver, ts, amount, channel, note) -> None:
        n = len(ts)

        def as_arr(v, dt) -> np.ndarray:
            return np.broadcast_to(np.asarray(v, dtype=dt), (n,)).copy()

        self.blocks.append(
            _Rows(
                as_arr(sender, np.int64),
                as_arr(receiver, np.int64),
                as_arr(ts, np.int64),
                as_arr(amount, np.int64),
                as_arr(channel, np.int8),
                as_arr(note, np.int32),
            )
        )

    def planted_rows(self) -> int:
        return sum(len(b.ts) for b in self.blocks)

    def label(self, accounts: np.ndarray, name: str) -> None:
        for a in accounts.tolist():
            self.labels[a] = name

    def mark_party(self, accounts: np.ndarray, typology: str) -> None:
        for a in np.unique(accounts).tolist():
            self.party.setdefault(a, f"party:{typology}")

    # ---- randomness helpers
    def pick(self, options, n: int, p=None) -> np.ndarray:
        options = np.asarray(options)
        return options[self.rng.choice(len(options), size=n, p=p)]

    def channels(self, n: int, weights: dict[str, float]) -> np.ndarray:
        names = list(weights)
        p = np.array([weights[k] for k in names], dtype=float)
        codes = np.array([_CH[k] for k in names], dtype=np.int8)
        return codes[self.rng.choice(len(names), size=n, p=p / p.sum())]

    def day_time(self, n: int) -> np.ndarray:
        """Seconds into a WIB day, following the ordinary daily cycle."""
        hours = self.rng.choice(24, size=n, p=_HOUR_P)
        return hours * HOUR + self.rng.integers(0, HOUR, n)

    def night_time(self, n: int) -> np.ndarray:
        return self.pick(NIGHT_HOURS, n) * HOUR + self.rng.integers(0, HOUR, n)

    def daytime_hours(self, n: int, lo: int, hi: int) -> np.ndarray:
        return self.rng.integers(lo, hi, n) * HOUR + self.rng.integers(0, HOUR, n)

    def at(self, day: np.ndarray, seconds_of_day: np.ndarray) -> np.ndarray:
        """UTC timestamp of a WIB day index (from the quarter's start) and a time of day."""
        return QUARTER_START + day.astype(np.int64) * DAY + seconds_of_day

    def episode_days(self, counts: np.ndarray, span_days: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For accounts with counts[k] rows spread over span_days[k] days: (owner per row, day per row)."""
        owner = np.repeat(np.arange(len(counts)), counts)
        start = self.rng.integers(0, np.maximum(1, QUARTER_DAYS - span_days))  # episode start day
        offset = (self.rng.random(len(owner)) * span_days[owner]).astype(np.int64)
        return owner, start[owner] + offset

    def round_amount(self, x: np.ndarray, step: int = 1000) -> np.ndarray:
        return np.maximum(step, (np.round(x / step) * step).astype(np.int64))

    def obfuscate(self, phrases: list[str]) -> list[str]:
        """Coded phrases spelt the ways people dodge filters: case, spacing, repeats, digits for letters."""
        rng = self.rng
        leet = str.maketrans({"o": "0", "i": "1", "e": "3", "a": "4", "s": "5"})
        out = []
        for phrase in phrases:
            s = phrase
            style = rng.integers(0, 6)
            if style == 1:
                s = s.translate(leet) if not any(ch.isdigit() for ch in s) else s.replace("o", "0")
            elif style == 2:
                s = " ".join(s.replace(" ", ""))  # "v c s"
            elif style == 3:
                j = int(rng.integers(0, len(s)))
                if s[j].isalpha():
                    s = s[: j + 1] + s[j] * int(rng.integers(1, 4)) + s[j + 1 :]  # "jajaaan"
            elif style == 4:
                s = s.upper()
            elif style == 5:
                s = "".join(ch.upper() if rng.random() < 0.5 else ch for ch in s)
            context = rng.integers(0, 4)
            if context == 1:
                s = f"tf {s}"
            elif context == 2:
                s = f"{s} ya kak"
            out.append(s)
        return out


# --------------------------------------------------------------------------------------------
# Background traffic


def _background(b: _Builder, n: int) -> None:
    """Ordinary payments: person to person, and persons paying merchants."""
    rng, mix = b.rng, b.mix
    n_persons = max(200, int(b.n_rows * mix.persons_per_row))
    n_merchants = max(20, int(b.n_rows * mix.merchants_per_row))
    foreign = rng.random(n_persons) < mix.foreign_person_share
    countries = np.where(foreign, b.pick(BACKGROUND_FOREIGN, n_persons, p=BACKGROUND_FOREIGN_P), "ID")
    persons = b.new_accounts(n_persons, countries=countries, age=(18, 70))
    # Some teenagers hold e-wallets (they buy game top-ups, get allowances): minors in ordinary traffic.
    teens = b.new_accounts(max(10, n_persons // 25), age=(12, 17), birth_share=0.8)
    people = np.concatenate([persons, teens])
    merchants = b.new_accounts(n_merchants, names=b.merchant_names(n_merchants), kind="merchant")
    b.label(merchants, "benign:merchant")
    b.background_people = persons[~foreign]  # planted schemes draw counterparties from ordinary local adults

    # Activity per person is skewed (a few people transact a lot), merchant popularity is Zipf-like.
    # Capped: the busiest person does a few payments a day, not dozens.
    activity = np.minimum(rng.pareto(2.0, len(people)), 15.0) + 0.3
    activity /= activity.sum()
    popularity = 1.0 / np.arange(1, n_merchants + 1) ** 0.9
    popularity /= popularity.sum()

    is_p2p = rng.random(n) < 0.55
    sender = people[rng.choice(len(people), size=n, p=activity)]
    receiver = np.where(
        is_p2p,
        people[rng.choice(len(people), size=n, p=activity)],
        merchants[rng.choice(n_merchants, size=n, p=popularity)],
    )
    clash = sender == receiver
    receiver[clash] = people[(np.searchsorted(people, receiver[clash]) + 1) % len(people)]
    # People abroad deal with a few contacts at home (family, a friend), not with random strangers,
    # and do not pay Indonesian shops: their counterparty is one of three fixed local contacts.
    is_foreign = np.zeros(b.acc.size, dtype=bool)
    is_foreign[persons] = foreign
    local = b.background_people
    abroad_sender = is_foreign[sender]
    contact = local[(sender * 7919 + rng.integers(0, 3, n)) % len(local)]
    receiver = np.where(abroad_sender, contact, receiver)
    is_p2p |= abroad_sender
    abroad_receiver = is_foreign[receiver]
    contact = local[(receiver * 7919 + rng.integers(0, 3, n)) % len(local)]
    sender = np.where(abroad_receiver, contact, sender)
    cross = abroad_sender | abroad_receiver
    # Children are paid by their family (a few fixed adults), not by strangers; they pay friends
    # (other children), and shops like anyone else.
    is_teen = np.zeros(b.acc.size, dtype=bool)
    is_teen[teens] = True
    to_teen = is_p2p & is_teen[receiver]
    family = local[(receiver * 104_729 + rng.integers(0, 3, n)) % len(local)]
    sender = np.where(to_teen & ~is_teen[sender], family, sender)
    from_teen = is_p2p & is_teen[sender] & ~to_teen
    friend = teens[(sender * 31 + rng.integers(1, 5, n)) % len(teens)]  # a fixed circle of four
    receiver = np.where(from_teen & (rng.random(n) < 0.6), friend, receiver)
    receiver = np.where(receiver == sender, merchants[0], receiver)

    # Amounts: lognormal around Rp 150k for people, Rp 85k for shop payments, Rp 1 million for money
    # sent home from abroad; rounded like people do.
    amount = np.where(is_p2p, rng.lognormal(np.log(150_000), 1.1, n), rng.lognormal(np.log(85_000), 0.9, n))
    amount = np.where(cross, rng.lognormal(np.log(1_000_000), 0.9, n), amount)
    step = np.where(amount > 1_000_000, 50_000, np.where(is_p2p, 5_000, 500))
    amount = np.clip((np.round(amount / step) * step).astype(np.int64), 1_000, 200_000_000)

    channel = np.where(
        is_p2p,
        b.channels(n, {"bank_transfer": 0.52, "e_wallet": 0.4, "pulsa": 0.04, "crypto": 0.01, "cash": 0.03}),
        b.channels(
            n, {"card": 0.3, "payment_gateway": 0.25, "e_wallet": 0.38, "cash": 0.03, "pulsa": 0.02, "game_topup": 0.02}
        ),
    )
    channel = np.where(cross, b.channels(n, {"remittance": 0.6, "bank_transfer": 0.25, "e_wallet": 0.15}), channel)

    note = np.zeros(n, dtype=np.int32)
    has_note = is_p2p & (rng.random(n) < 0.3)
    vocab = b.notes.many(list(BACKGROUND_NOTES))
    note[has_note] = vocab[rng.integers(0, len(vocab), has_note.sum())]
    tricky = has_note & (rng.random(n) < 0.002)
    note[tricky] = b.notes.many(list(TRICKY_NOTES))[rng.integers(0, len(TRICKY_NOTES), tricky.sum())]
    shop_note = ~is_p2p & (rng.random(n) < 0.15)
    note[shop_note] = b.notes.add("pembayaran")

    ts = b.at(rng.integers(0, QUARTER_DAYS, n), b.day_time(n))
    b.add(sender, receiver, ts, amount, channel, note)


def _adults(b: _Builder, n: int) -> np.ndarray:
    """Ordinary adults drawn from the background to act as counterparties."""
    return b.background_people[b.rng.integers(0, len(b.background_people), n)]


# --------------------------------------------------------------------------------------------
# Planted typologies. Each one has its core pattern, plus supporting signals drawn at random,
# as in the cases the sources describe; none of them carries every signal.


def _plant_fan_in(b: _Builder, k: int) -> None:
    """Collector for live-streamed abuse / CSAM sales: many small payments from many buyers."""
    rng = b.rng
    collectors = b.new_accounts(k)
    b.label(collectors, "fan_in")
    counts = rng.integers(10, 31, k)
    owner, day = b.episode_days(counts, rng.integers(3, 11, k))
    n = len(owner)
    foreign = rng.random(n) < 0.4
    buyers = np.where(foreign, 0, _adults(b, n))
    fresh = b.new_accounts(int(foreign.sum()), countries=b.foreign_countries(int(foreign.sum())))
    buyers[foreign] = fresh
    b.mark_party(buyers, "fan_in")
    price = b.pick([50_000, 100_000, 150_000, 200_000, 250_000, 300_000, 500_000], k)[owner]
    amount = np.where(rng.random(n) < 0.7, price, b.round_amount(price * rng.uniform(0.5, 2.0, n), 10_000))
    channel = np.where(
        foreign,
        b.channels(n, {"remittance": 0.4, "payment_gateway": 0.35, "e_wallet": 0.25}),
        b.channels(
            n, {"e_wallet": 0.45, "payment_gateway": 0.15, "live_gift": 0.15, "game_topup": 0.1, "bank_transfer": 0.15}
        ),
    )
    night = rng.random(n) < 0.5
    ts = b.at(day, np.where(night, b.night_time(n), b.day_time(n)))
    note = np.zeros(n, dtype=np.int32)
    coded = rng.random(n) < 0.15
    note[coded] = b.notes.many(b.obfuscate(list(b.pick(["bj", "vcs", "vid", "open bo", "pap"], int(coded.sum())))))
    b.add(buyers, collectors[owner], ts, amount, channel, note)


def _plant_fan_out(b: _Builder, k: int) -> None:
    """A buyer abroad (or at home) paying many unrelated receivers small amounts."""
    rng = b.rng
    abroad = rng.random(k) < 0.6
    payers = b.new_accounts(k, countries=np.where(abroad, b.foreign_countries(k), "ID"))
    b.label(payers, "fan_out")
    counts = rng.integers(8, 21, k)
    owner, day = b.episode_days(counts, rng.integers(3, 15, k))
    n = len(owner)
    receivers = b.new_accounts(n, age=(13, 30), birth_share=0.7)
    b.mark_party(receivers, "fan_out")
    amount = b.round_amount(rng.lognormal(np.log(250_000), 0.6, n), 10_000)
    channel = np.where(
        abroad[owner],
        b.channels(n, {"remittance": 0.45, "payment_gateway": 0.3, "e_wallet": 0.25}),
        b.channels(n, {"e_wallet": 0.6, "bank_transfer": 0.3, "pulsa": 0.1}),
    )
    ts = b.at(day, np.where(rng.random(n) < 0.35, b.night_time(n), b.day_time(n)))
    note = np.zeros(n, dtype=np.int32)
    coded = rng.random(n) < 0.15
    note[coded] = b.notes.many(b.obfuscate(list(b.pick(CODED_PHRASES, int(coded.sum())))))
    b.add(payers[owner], receivers, ts, amount, channel, note)


def _plant_repeated_amount(b: _Builder, k: int) -> None:
    """Grooming gifts or a subscription to abuse: one adult pays one receiver the same sum, often."""
    rng = b.rng
    abroad = rng.random(k) < 0.3
    payers = b.new_accounts(k, countries=np.where(abroad, b.foreign_countries(k), "ID"))
    minor = rng.random(k) < 0.4
    receivers = (
        np.concatenate(
            [b.new_accounts(1, age=(12, 17) if m else (18, 25), birth_share=1.0 if m else 0.6) for m in minor]
        )
        if k
        else np.zeros(0, dtype=np.int64)
    )
    b.label(receivers, "repeated_amount")
    b.mark_party(payers, "repeated_amount")
    counts = rng.integers(5, 13, k)
    owner, day = b.episode_days(counts, rng.integers(10, 43, k))
    n = len(owner)
    price = b.pick([200_000, 250_000, 300_000, 350_000, 500_000, 750_000], k)[owner]
    channel = np.where(
        abroad[owner],
        b.channels(n, {"remittance": 0.5, "e_wallet": 0.5}),
        b.channels(n, {"e_wallet": 0.6, "bank_transfer": 0.3, "pulsa": 0.1}),
    )
    ts = b.at(day, np.where(rng.random(n) < 0.4, b.night_time(n), b.day_time(n)))
    note = np.zeros(n, dtype=np.int32)
    coded = rng.random(n) < 0.3
    note[coded] = b.notes.many(
        b.obfuscate(list(b.pick(["buat makan ya", "jajan", "untuk shopping ya"], int(coded.sum()))))
    )
    b.add(payers[owner], receivers[owner], ts, price, channel, note)


def _plant_small_cross_border(b: _Builder, k: int) -> None:
    """CSAM bought from abroad: a few small payments from foreign senders to one Indonesian account."""
    rng = b.rng
    sellers = b.new_accounts(k)
    b.label(sellers, "small_cross_border")
    counts = rng.integers(4, 9, k)
    owner, day = b.episode_days(counts, rng.integers(7, 29, k))
    n = len(owner)
    buyers = b.new_accounts(n, countries=b.foreign_countries(n))
    b.mark_party(buyers, "small_cross_border")
    amount = b.round_amount(rng.lognormal(np.log(150_000), 0.5, n), 5_000)
    channel = b.channels(n, {"remittance": 0.4, "payment_gateway": 0.35, "e_wallet": 0.2, "crypto": 0.05})
    ts = b.at(day, np.where(rng.random(n) < 0.4, b.night_time(n), b.day_time(n)))
    note = np.zeros(n, dtype=np.int32)
    coded = rng.random(n) < 0.25
    note[coded] = b.notes.many(b.obfuscate(list(b.pick(["bj", "vid", "vcs", "pap"], int(coded.sum())))))
    b.add(buyers, sellers[owner], ts, amount, channel, note)


def _plant_coded_note(b: _Builder, k: int) -> None:
    """ "Open BO" / VCS sold to a handful of buyers; the notes carry the code words."""
    rng = b.rng
    sellers = b.new_accounts(k, age=(15, 30))
    b.label(sellers, "coded_note")
    counts = rng.integers(3, 8, k)
    owner, day = b.episode_days(counts, rng.integers(5, 31, k))
    n = len(owner)
    buyers = _adults(b, n)
    b.mark_party(buyers, "coded_note")
    amount = b.round_amount(rng.lognormal(np.log(400_000), 0.5, n), 50_000)
    channel = b.channels(n, {"e_wallet": 0.55, "bank_transfer": 0.35, "payment_gateway": 0.1})
    ts = b.at(day, np.where(rng.random(n) < 0.4, b.night_time(n), b.day_time(n)))
    coded = rng.random(n) < 0.75
    note = np.zeros(n, dtype=np.int32)
    note[coded] = b.notes.many(b.obfuscate(list(b.pick(CODED_PHRASES, int(coded.sum())))))
    b.add(buyers, sellers[owner], ts, amount, channel, note)


def _plant_typology_channel(b: _Builder, k: int) -> None:
    """Video-call sex paid as diamonds, live gifts or phone credit to a person, not a shop."""
    rng = b.rng
    performers = b.new_accounts(k, age=(14, 25))
    b.label(performers, "typology_channel")
    counts = rng.integers(5, 13, k)
    owner, day = b.episode_days(counts, rng.integers(5, 29, k))
    n = len(owner)
    n_payers = rng.integers(2, 7, k)
    payer_pool = _adults(b, int(n_payers.sum()))
    first = np.concatenate([[0], np.cumsum(n_payers)[:-1]])
    payers = payer_pool[first[owner] + rng.integers(0, n_payers[owner])]
    b.mark_party(payers, "typology_channel")
    # Regulars pay the performer's tariff per session, mostly late at night.
    tariff = b.pick(GAME_PRICES[3:], k)[owner]
    amount = np.where(rng.random(n) < 0.7, tariff, b.pick(GAME_PRICES[3:], n))
    channel = b.channels(n, {"game_topup": 0.35, "live_gift": 0.35, "pulsa": 0.2, "crypto": 0.1})
    ts = b.at(day, np.where(rng.random(n) < 0.6, b.night_time(n), b.day_time(n)))
    note = np.zeros(n, dtype=np.int32)
    coded = rng.random(n) < 0.1
    note[coded] = b.notes.many(b.obfuscate(list(b.pick(["vcs", "vcs 30 menit", "pap"], int(coded.sum())))))
    b.add(payers, performers[owner], ts, amount, channel, note)


def _plant_minor_receiver(b: _Builder, k: int) -> None:
    """A child (birth date on file, 12-17) paid by many unrelated adults."""
    rng = b.rng
    children = b.new_accounts(k, age=(12, 17), birth_share=1.0)
    b.label(children, "minor_receiver")
    counts = rng.integers(6, 16, k)
    owner, day = b.episode_days(counts, rng.integers(7, 29, k))
    n = len(owner)
    foreign = rng.random(n) < 0.15
    adults = _adults(b, n)
    adults[foreign] = b.new_accounts(int(foreign.sum()), countries=b.foreign_countries(int(foreign.sum())))
    b.mark_party(adults, "minor_receiver")
    amount = b.round_amount(rng.lognormal(np.log(150_000), 0.6, n), 5_000)
    channel = b.channels(
        n, {"e_wallet": 0.5, "pulsa": 0.15, "game_topup": 0.15, "live_gift": 0.1, "bank_transfer": 0.1}
    )
    ts = b.at(day, np.where(rng.random(n) < 0.35, b.night_time(n), b.day_time(n)))
    note = np.zeros(n, dtype=np.int32)
    coded = rng.random(n) < 0.25
    note[coded] = b.notes.many(
        b.obfuscate(list(b.pick(["buat jajan ya", "untuk shopping ya", "buat makan ya"], int(coded.sum()))))
    )
    b.add(adults, children[owner], ts, amount, channel, note)


def _plant_minor_payer_escalation(b: _Builder, k: int) -> None:
    """Sextortion: a child with ordinary history pays a new counterparty rising sums within days."""
    rng = b.rng
    children = b.new_accounts(k, age=(12, 17), birth_share=1.0)
    b.label(children, "minor_payer_escalation")
    abroad = rng.random(k) < 0.3
    extorters = b.new_accounts(k, countries=np.where(abroad, b.foreign_countries(k), "ID"))
    b.mark_party(extorters, "minor_payer_escalation")
    # Ordinary history first: allowances from a parent, a few game top-ups at shops.
    h = rng.integers(3, 7, k)
    h_owner = np.repeat(np.arange(k), h)
    hn = len(h_owner)
    parents = _adults(b, k)
    from_parent = rng.random(hn) < 0.5
    h_day = rng.integers(0, 30, hn)
    h_sender = np.where(from_parent, parents[h_owner], children[h_owner])
    h_receiver = np.where(from_parent, children[h_owner], _adults(b, hn))
    h_amount = np.where(from_parent, b.pick([50_000, 100_000, 200_000], hn), b.pick(GAME_PRICES[:5], hn))
    b.add(
        h_sender,
        h_receiver,
        b.at(h_day, b.daytime_hours(hn, 8, 21)),
        h_amount,
        np.where(from_parent, _CH["e_wallet"], _CH["game_topup"]),
        0,
    )
    # Then the extortion: 3-6 payments over 1-5 days, each larger than the one before.
    counts = rng.integers(3, 7, k)
    owner = np.repeat(np.arange(k), counts)
    n = len(owner)
    step = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    base = b.pick([50_000, 100_000, 150_000, 200_000], k)[owner]
    # Each payment 1.4-2.2 times the one before: a running product of factors within each child.
    growth = np.where(step == 0, 0.0, np.log(rng.uniform(1.4, 2.2, n)))
    running = np.cumsum(growth)
    running -= np.repeat(running[np.cumsum(counts) - counts], counts)
    amount = b.round_amount(base * np.exp(running), 10_000)
    start = b.at(rng.integers(35, QUARTER_DAYS - 6, k), np.where(rng.random(k) < 0.5, b.night_time(k), b.day_time(k)))
    gap = rng.integers(1, 6, k) * DAY // np.maximum(1, counts - 1)  # all within 1-5 days, at least ~5 h apart
    ts = start[owner] + step * gap[owner] + rng.integers(0, HOUR, n)
    channel = b.channels(n, {"e_wallet": 0.6, "bank_transfer": 0.2, "pulsa": 0.1, "game_topup": 0.1})
    b.add(children[owner], extorters[owner], ts, amount, channel, 0)


def _plant_odd_hours(b: _Builder, k: int) -> None:
    """Night-time paid video calls: a few regulars pay the same sum between 23:00 and 04:00 WIB."""
    rng = b.rng
    receivers = b.new_accounts(k, age=(15, 30))
    b.label(receivers, "odd_hours")
    counts = rng.integers(6, 15, k)
    owner, day = b.episode_days(counts, rng.integers(10, 36, k))
    n = len(owner)
    regulars = _adults(b, 3 * k).reshape(k, 3) if k else np.zeros((0, 3), dtype=np.int64)
    payers = regulars[owner, rng.integers(0, 3, n)]
    b.mark_party(payers, "odd_hours")
    price = b.pick([100_000, 150_000, 200_000, 300_000], k)[owner]
    channel = b.channels(n, {"e_wallet": 0.5, "live_gift": 0.3, "bank_transfer": 0.2})
    b.add(payers, receivers[owner], b.at(day, b.night_time(n)), price, channel, 0)


def _plant_pass_through(b: _Builder, k: int) -> None:
    """Money mule: several small payments in, nearly all of it out within hours, a few times over."""
    rng = b.rng
    mules = b.new_accounts(k, age=(17, 35))
    b.label(mules, "pass_through")
    cycles = rng.integers(2, 7, k)
    c_owner = np.repeat(np.arange(k), cycles)
    nc = len(c_owner)
    c_day = rng.integers(0, QUARTER_DAYS - 1, nc)
    c_start = b.at(c_day, b.daytime_hours(nc, 8, 22))
    ins = rng.integers(3, 9, nc)
    i_cycle = np.repeat(np.arange(nc), ins)
    ni = len(i_cycle)
    senders = _adults(b, ni)
    foreign = rng.random(ni) < 0.3
    senders[foreign] = b.new_accounts(int(foreign.sum()), countries=b.foreign_countries(int(foreign.sum())))
    b.mark_party(senders, "pass_through")
    i_amount = b.round_amount(rng.lognormal(np.log(300_000), 0.5, ni), 10_000)
    i_ts = c_start[i_cycle] + rng.integers(0, 2 * HOUR, ni)
    b.add(
        senders,
        mules[c_owner[i_cycle]],
        i_ts,
        i_amount,
        b.channels(ni, {"e_wallet": 0.5, "bank_transfer": 0.3, "payment_gateway": 0.2}),
        0,
    )
    total_in = np.bincount(i_cycle, weights=i_amount, minlength=nc)
    out_amount = b.round_amount(total_in * rng.uniform(0.85, 0.99, nc), 1_000)
    outs = b.new_accounts(k, countries=np.where(rng.random(k) < 0.5, b.foreign_countries(k), "ID"))
    b.mark_party(outs, "pass_through")
    out_ts = c_start + 2 * HOUR + rng.integers(10 * 60, 4 * HOUR, nc)
    b.add(
        mules[c_owner],
        outs[c_owner],
        out_ts,
        out_amount,
        b.channels(nc, {"crypto": 0.4, "remittance": 0.3, "bank_transfer": 0.3}),
        0,
    )


# --------------------------------------------------------------------------------------------
# Benign look-alikes


def _lookalike_parent_allowance(b: _Builder, k: int) -> None:
    """Parents sending a student child "jajan" money, weekly or monthly, in the daytime."""
    rng = b.rng
    minor = rng.random(k) < 0.5
    children = (
        np.concatenate([b.new_accounts(1, age=(12, 17) if m else (18, 22), birth_share=0.8) for m in minor])
        if k
        else np.zeros(0, dtype=np.int64)
    )
    b.label(children, "benign:parent_allowance")
    two = rng.random(k) < 0.4
    parents = b.new_accounts(2 * k, age=(38, 60)).reshape(k, 2) if k else np.zeros((0, 2), dtype=np.int64)
    weekly = rng.random(k) < 0.5
    counts = np.where(weekly, 13, 3)
    owner = np.repeat(np.arange(k), counts)
    n = len(owner)
    step = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    first = rng.integers(0, 7, k)
    day = first[owner] + step * np.where(weekly[owner], 7, 30) + rng.integers(0, 2, n)
    parent = parents[owner, np.where(two[owner], rng.integers(0, 2, n), 0)]
    amount = np.where(
        weekly,
        b.pick([100_000, 150_000, 200_000, 300_000], k),
        b.pick([500_000, 750_000, 1_000_000, 1_500_000, 2_000_000], k),
    )[owner]
    notes = b.notes.many(list(ALLOWANCE_NOTES))
    note = notes[rng.integers(0, len(notes), k)][owner]  # each family writes the same thing every time
    channel = np.where(rng.random(k) < 0.5, _CH["bank_transfer"], _CH["e_wallet"])[owner]
    b.add(
        parent,
        children[owner],
        b.at(np.minimum(day, QUARTER_DAYS - 1), b.daytime_hours(n, 7, 20)),
        amount,
        channel,
        note,
    )


def _lookalike_marketplace_seller(b: _Builder, k: int) -> None:
    """An online seller: many small buyers, at shopping hours, notes with order numbers."""
    rng = b.rng
    sellers = b.new_accounts(k)
    b.label(sellers, "benign:marketplace_seller")
    counts = rng.integers(20, 121, k)
    owner = np.repeat(np.arange(k), counts)
    n = len(owner)
    buyers = _adults(b, n)
    # One seller in ten also ships abroad: a few buyers in Malaysia or Singapore pay by gateway.
    abroad = (rng.random(k) < 0.1)[owner] & (rng.random(n) < 0.08)
    buyers[abroad] = b.new_accounts(int(abroad.sum()), countries=b.foreign_countries(int(abroad.sum()), ("MY", "SG")))
    amount = b.round_amount(rng.lognormal(np.log(120_000), 0.7, n), 500)
    orders = rng.integers(100_000, 999_999, n)
    pattern = rng.integers(0, 3, n)
    templates = ("pembayaran pesanan #%d", "order %d")
    texts = [templates[p] % o if p < 2 else "" for p, o in zip(pattern.tolist(), orders.tolist(), strict=True)]
    note = b.notes.many(texts)
    channel = b.channels(n, {"payment_gateway": 0.45, "e_wallet": 0.35, "bank_transfer": 0.2})
    b.add(
        buyers, sellers[owner], b.at(rng.integers(0, QUARTER_DAYS, n), b.daytime_hours(n, 8, 23)), amount, channel, note
    )


def _lookalike_migrant_remittance(b: _Builder, k: int) -> None:
    """A migrant worker abroad sends the family money twice a month; now and then a small extra."""
    rng = b.rng
    families = b.new_accounts(k, age=(30, 65))
    b.label(families, "benign:migrant_remittance")
    workers = b.new_accounts(k, countries=b.foreign_countries(k, MIGRANT_HOST), age=(22, 45))
    counts = rng.integers(3, 8, k)
    owner = np.repeat(np.arange(k), counts)
    n = len(owner)
    step = np.arange(n) - np.repeat(np.cumsum(counts) - counts, counts)
    day = (rng.integers(0, 10, k)[owner] + step * 14) % QUARTER_DAYS
    amount = np.where(
        rng.random(n) < 0.85,
        b.pick([1_500_000, 2_000_000, 3_000_000, 4_000_000, 5_000_000], k)[owner],
        b.pick([200_000, 300_000, 500_000], n),
    )
    note = np.where(rng.random(n) < 0.3, b.notes.add("kiriman bulanan"), 0)
    b.add(
        workers[owner],
        families[owner],
        b.at(day, b.daytime_hours(n, 8, 21)),
        amount,
        b.channels(n, {"remittance": 0.8, "bank_transfer": 0.2}),
        note,
    )


def _lookalike_game_shop(b: _Builder, k: int) -> None:
    """A shop selling game vouchers: many small game top-up payments, young buyers among them."""
    rng = b.rng
    shops = b.new_accounts(k, names=b.merchant_names(k, GAME_SHOP_NAMES), kind="merchant")
    b.label(shops, "benign:game_shop")
    counts = rng.integers(30, 151, k)
    owner = np.repeat(np.arange(k), counts)
    n = len(owner)
    teens = rng.random(n) < 0.3
    buyers = _adults(b, n)
    buyers[teens] = b.new_accounts(int(teens.sum()), age=(12, 17), birth_share=0.7)
    amount = b.pick(GAME_PRICES, n)
    note = b.notes.many(list(GAME_NOTES))[rng.integers(0, len(GAME_NOTES), n)]
    channel = b.channels(n, {"game_topup": 0.6, "e_wallet": 0.3, "pulsa": 0.1})
    b.add(
        buyers, shops[owner], b.at(rng.integers(0, QUARTER_DAYS, n), b.daytime_hours(n, 9, 24)), amount, channel, note
    )


def _lookalike_payroll(b: _Builder, k: int) -> None:
    """An employer paying its staff the same salary every month on the 25th, in office hours."""
    rng = b.rng
    employers = b.new_accounts(k, names=b.merchant_names(k, ("PT", "CV")), kind="merchant")
    b.label(employers, "benign:payroll")
    staff = rng.integers(8, 41, k)
    s_owner = np.repeat(np.arange(k), staff)
    employees = b.new_accounts(len(s_owner), age=(19, 58))
    salary = b.round_amount(rng.lognormal(np.log(4_500_000), 0.35, len(s_owner)), 50_000)
    months = 3
    emp = np.repeat(np.arange(len(s_owner)), months)
    month = np.tile(np.arange(months), len(s_owner))
    n = len(emp)
    day = month * 31 + 24 + rng.integers(0, 2, n)
    note = np.array([b.notes.add(f"gaji {m}") for m in ("juli", "agustus", "september")])[month]
    b.add(
        employers[s_owner[emp]],
        employees[emp],
        b.at(np.minimum(day, QUARTER_DAYS - 1), b.daytime_hours(n, 9, 12)),
        salary[emp],
        _CH["bank_transfer"],
        note,
    )


def _lookalike_bill_split(b: _Builder, k: int) -> None:
    """Friends paying back one of them the same share after dinner, a few evenings a quarter."""
    rng = b.rng
    hosts = b.new_accounts(k, age=(18, 35))
    b.label(hosts, "benign:bill_split")
    evenings = rng.integers(1, 4, k)
    e_owner = np.repeat(np.arange(k), evenings)
    ne = len(e_owner)
    friends = rng.integers(3, 9, ne)
    e = np.repeat(np.arange(ne), friends)
    n = len(e)
    circle = _adults(b, 8 * k).reshape(k, 8) if k else np.zeros((0, 8), dtype=np.int64)
    payers = circle[e_owner[e], np.arange(n) - np.repeat(np.cumsum(friends) - friends, friends)]
    share = b.round_amount(rng.uniform(40_000, 250_000, ne), 500)[e]
    start = b.at(rng.integers(0, QUARTER_DAYS - 1, ne), b.daytime_hours(ne, 19, 23))
    ts = start[e] + rng.integers(0, 3 * HOUR, n)  # some pay after midnight
    note = b.notes.many(list(SPLIT_NOTES))[rng.integers(0, len(SPLIT_NOTES), n)]
    b.add(payers, hosts[e_owner[e]], ts, share, b.channels(n, {"e_wallet": 0.7, "bank_transfer": 0.3}), note)


_PLANTERS = {
    "fan_in": _plant_fan_in,
    "fan_out": _plant_fan_out,
    "repeated_amount": _plant_repeated_amount,
    "small_cross_border": _plant_small_cross_border,
    "coded_note": _plant_coded_note,
    "typology_channel": _plant_typology_channel,
    "minor_receiver": _plant_minor_receiver,
    "minor_payer_escalation": _plant_minor_payer_escalation,
    "odd_hours": _plant_odd_hours,
    "pass_through": _plant_pass_through,
    "parent_allowance": _lookalike_parent_allowance,
    "marketplace_seller": _lookalike_marketplace_seller,
    "migrant_remittance": _lookalike_migrant_remittance,
    "game_shop": _lookalike_game_shop,
    "payroll": _lookalike_payroll,
    "bill_split": _lookalike_bill_split,
}


# --------------------------------------------------------------------------------------------
# Assembly


def _generate_chunk(n_rows: int, seed: int, mix: Mix, chunk: int, tx_offset: int) -> tuple[pl.DataFrame, dict]:
    b = _Builder(n_rows, seed, mix, chunk)
    # Background first (it makes the people planted schemes draw from) with a provisional size;
    # the planted rows then replace the surplus so the frame has exactly n_rows.
    _background(b, n_rows)
    background = b.blocks.pop()
    for kind, planter in _PLANTERS.items():
        planter(b, mix.count(kind, n_rows))
    planted = b.planted_rows()
    if planted > n_rows:
        raise ValueError(f"{n_rows} rows cannot hold the mix's {planted} planted rows; ask for more rows")
    keep = n_rows - planted
    b.blocks.append(
        _Rows(*(getattr(background, f)[:keep] for f in ("sender", "receiver", "ts", "amount", "channel", "note")))
    )
    rows = _Rows(
        *(
            np.concatenate([getattr(x, f) for x in b.blocks])
            for f in ("sender", "receiver", "ts", "amount", "channel", "note")
        )
    )
    # Shuffle so planted rows are not clustered at the end, then order by time as exports are.
    order = np.lexsort((b.rng.random(n_rows), rows.ts))
    frame = _to_frame(b, rows, order, tx_offset)
    labels = {}
    ids = pl.concat(b.acc.ids)
    for idx, name in b.party.items():
        labels[ids[idx]] = name
    for idx, name in b.labels.items():  # primary and benign labels win over party
        labels[ids[idx]] = name
    return frame, labels


def _to_frame(b: _Builder, rows: _Rows, order: np.ndarray, tx_offset: int) -> pl.DataFrame:
    acc = b.acc
    birth = np.concatenate(acc.birth)
    accounts = pl.DataFrame(
        {
            "account": pl.concat(acc.ids),
            "name": pl.concat(acc.names),
            "country": pl.Series(np.concatenate(acc.countries)),
            "birth": pl.Series(birth).cast(pl.Int32),
        }
    ).with_columns(pl.when(pl.col("birth") >= 0).then(pl.col("birth")).cast(pl.Date).alias("birth"))
    sender = pl.Series(rows.sender[order])
    receiver = pl.Series(rows.receiver[order])
    ts = pl.Series(rows.ts[order])
    n = len(order)
    utc = pl.Series(b.rng.random(n) < b.mix.utc_timestamp_share)
    local = pl.from_epoch(ts + WIB, time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%S") + "+07:00"
    zulu = pl.from_epoch(ts, time_unit="s").dt.strftime("%Y-%m-%dT%H:%M:%S") + "Z"
    s = accounts[sender]
    r = accounts[receiver]
    return pl.DataFrame(
        {
            "tx_id": "TX" + pl.Series(np.arange(tx_offset, tx_offset + n)).cast(pl.Utf8).str.zfill(10),
            "timestamp": pl.select(pl.when(utc).then(zulu).otherwise(local)).to_series(),
            "amount": pl.Series(rows.amount[order].astype(np.float64)),
            "currency": pl.repeat("IDR", n, eager=True),
            "channel": pl.Series(CHANNELS)[rows.channel[order].astype(np.int64)],
            "sender_account": s["account"],
            "sender_name": s["name"],
            "sender_country": s["country"],
            "sender_birth_date": s["birth"].dt.strftime("%Y-%m-%d"),
            "receiver_account": r["account"],
            "receiver_name": r["name"],
            "receiver_country": r["country"],
            "receiver_birth_date": r["birth"].dt.strftime("%Y-%m-%d"),
            "note": pl.Series(b.notes.items)[rows.note[order].astype(np.int64)],
        }
    )


def generate(n_rows: int, seed: int = 7, mix: Mix | None = None) -> tuple[pl.DataFrame, dict[str, str]]:
    """One quarter of traffic with planted typologies: (frame, labels by account)."""
    return _generate_chunk(n_rows, seed, mix or DEFAULT_MIX, chunk=0, tx_offset=0)


def write(
    path: Path | str,
    n_rows: int,
    seed: int = 7,
    fmt: str | None = None,
    mix: Mix | None = None,
    chunk_rows: int = 1_000_000,
) -> dict[str, str]:
    """Write n_rows to path as csv, parquet or jsonl (from the suffix unless fmt); returns the labels.

    Above chunk_rows the traffic is made in independent chunks (their own people, merchants and
    planted schemes, same quarter), each written and dropped before the next, so memory stays at
    about one chunk.
    """
    path = Path(path)
    fmt = (fmt or path.suffix.lstrip(".")).lower()
    if fmt not in ("csv", "parquet", "jsonl", "ndjson"):
        raise ValueError(f"unknown format {fmt!r}: csv, parquet or jsonl")
    mix = mix or DEFAULT_MIX
    n_chunks = max(1, math.ceil(n_rows / chunk_rows))
    sizes = [n_rows // n_chunks + (1 if i < n_rows % n_chunks else 0) for i in range(n_chunks)]
    labels: dict[str, str] = {}
    parts_dir = Path(tempfile.mkdtemp(prefix=".synthetic-", dir=path.parent))
    try:
        offset = 0
        parts = []
        for i, size in enumerate(sizes):
            frame, chunk_labels = _generate_chunk(size, seed, mix, chunk=i, tx_offset=offset)
            labels.update(chunk_labels)
            offset += size
            if n_chunks == 1:
                _write_frame(frame, path, fmt)
                break
            part = parts_dir / f"part-{i:04d}.{fmt}"
            _write_frame(frame, part, fmt)
            parts.append(part)
            del frame
        if parts:
            _join_parts(parts, path, fmt)
    finally:
        shutil.rmtree(parts_dir, ignore_errors=True)
    return labels


def _write_frame(frame: pl.DataFrame, path: Path, fmt: str) -> None:
    if fmt == "csv":
        frame.write_csv(path)
    elif fmt == "parquet":
        frame.write_parquet(path, row_group_size=256_000)
    else:
        frame.write_ndjson(path)


def _join_parts(parts: list[Path], path: Path, fmt: str) -> None:
    """One file from the chunk files without holding them in memory."""
    if fmt == "parquet":
        pl.scan_parquet(parts).sink_parquet(path, row_group_size=256_000)
        return
    with path.open("wb") as out:
        for i, part in enumerate(parts):
            with part.open("rb") as src:
                if fmt == "csv" and i > 0:
                    src.readline()  # one header only
                shutil.copyfileobj(src, out, 16 << 20)


def summary(labels: dict[str, str]) -> dict[str, int]:
    """Accounts per label (party labels folded into one count per typology)."""
    out: dict[str, int] = {}
    for name in labels.values():
        out[name] = out.get(name, 0) + 1
    return dict(sorted(out.items()))


def with_counts(mix: Mix, **per_million: int) -> Mix:
    """A copy of mix with some kinds' per-million counts changed (for tests and experiments)."""
    planted = dict(mix.planted_per_million)
    lookalike = dict(mix.lookalike_per_million)
    for kind, n in per_million.items():
        (planted if kind in planted else lookalike)[kind] = n
    return replace(mix, planted_per_million=planted, lookalike_per_million=lookalike)


if __name__ == "__main__":  # pragma: no cover - a convenience for making inputs by hand
    import argparse

    parser = argparse.ArgumentParser(description="Write synthetic transactions with planted typologies")
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    found = write(args.path, args.rows, args.seed)
    for name, count in summary(found).items():
        print(f"{name}\t{count}")
