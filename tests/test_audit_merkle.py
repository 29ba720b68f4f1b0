"""RFC 6962 hashing and proofs: the published test vectors, then every size up to a few hundred
leaves, each proof checked by the verifier and every tampered variant refused."""

from __future__ import annotations

import hashlib

import pytest

from coordination.audit.merkle import (
    EMPTY_ROOT,
    Frontier,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    list_hasher,
    range_hasher,
    root_of,
    verify_consistency,
    verify_inclusion,
)

# transparency-dev/merkle testonly vectors (RFC 6962): entries, then roots of sizes 1..8.
ENTRIES = [
    bytes.fromhex(h)
    for h in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f")
]
ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
LEAVES = [leaf_hash(e) for e in ENTRIES]
H = bytes.fromhex


def test_published_roots_and_empty_tree():
    assert EMPTY_ROOT.hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    for n in range(1, 9):
        assert root_of(LEAVES[:n]).hex() == ROOTS[n - 1]


def test_published_proofs():
    mth = list_hasher(LEAVES)
    assert inclusion_proof(0, 8, mth) == [
        H("96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"),
        H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ]
    assert inclusion_proof(5, 8, mth) == [
        H("bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"),
        H("ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0"),
        H("d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"),
    ]
    assert consistency_proof(2, 8, mth) == [
        H("5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e"),
        H("6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"),
    ]


SIZE = 130  # every shape of the recursion, several power-of-two boundaries
MANY = [leaf_hash(hashlib.sha256(str(i).encode()).digest()) for i in range(SIZE)]


def test_frontier_and_stored_perfect_subtrees_agree_with_the_definition():
    frontier, nodes = Frontier(), {}
    for n, leaf in enumerate(MANY, start=1):
        for level, index, node in frontier.append(leaf):
            nodes[(level, index)] = node
        assert frontier.root() == root_of(MANY[:n]) == list_hasher(MANY)(0, n)
    stored = range_hasher(lambda level, index: nodes[(level, index)])
    for start, end in ((0, 130), (3, 77), (64, 130), (128, 130), (5, 6)):
        assert stored(start, end) == list_hasher(MANY)(start, end)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 9, 31, 64, 65, 100, 130])
def test_every_inclusion_proof_verifies_and_tampering_fails(size):
    mth = list_hasher(MANY)
    root = mth(0, size)
    for index in range(size):
        proof = inclusion_proof(index, size, mth)
        assert verify_inclusion(MANY[index], index, size, proof, root)
        other_head = mth(0, size - 1) if size > 1 else MANY[1]
        assert not verify_inclusion(MANY[index], index, size, proof, other_head)
        if size > 1:
            assert not verify_inclusion(MANY[index], (index + 1) % size, size, proof, root)
            assert not verify_inclusion(MANY[(index + 1) % size], index, size, proof, root)
            assert not verify_inclusion(MANY[index], index, size, [b"\x00" * 32, *proof[1:]], root)


def test_every_consistency_proof_verifies_and_tampering_fails():
    mth = list_hasher(MANY)
    for new in range(1, SIZE + 1, 7):
        for old in range(1, new + 1):
            proof = consistency_proof(old, new, mth)
            assert verify_consistency(old, new, mth(0, old), mth(0, new), proof), (old, new)
            if old < new:
                assert not verify_consistency(old, new, mth(0, old), mth(0, new - 1), proof)
                assert not verify_consistency(old, new, MANY[0], mth(0, new), proof) or old == 1
