"""The people and payments of a case, recorded on an alert (by the PJK) or on the case itself
(by the organisation working it, e.g. an NGO from a complaint)."""
