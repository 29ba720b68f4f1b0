"""Cases: built by PPATK, police, the ministry or a service unit from alerts of several PJKs."""
