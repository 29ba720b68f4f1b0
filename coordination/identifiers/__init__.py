"""Personal identifiers (NIK, phone, e-mail, account ids): normalised, sealed, blind-indexed.

Identifiers are stored only sealed (AES-GCM under the keyring); to find "this e-wallet account
already appears elsewhere" the platform compares keyed HMAC digests of the normalised value
(a blind index), so no plaintext column exists to leak.
"""
