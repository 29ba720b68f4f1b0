"""Operator commands under `flask --app app ...`; each calls the same operations as the UI."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import Flask
from sqlalchemy import select

from coordination.accounts.models import Organisation
from coordination.accounts.operations.organisations import create_organisation
from coordination.accounts.operations.tokens import create_api_token
from coordination.accounts.operations.users import create_user, find_user_by_email
from coordination.core.db import commit, get_session
from coordination.core.errors import DomainError
from coordination.migrations import upgrade_to_head


def _fail(exc: DomainError) -> None:
    fields = "; ".join(f"{k}: {v}" for k, v in exc.fields.items())
    raise click.ClickException(f"{exc.message}{' (' + fields + ')' if fields else ''}")


def register(app: Flask) -> None:
    @app.cli.command("init")
    def init() -> None:
        """Apply every database migration (idempotent) and record policy file changes in the audit log."""
        from coordination.core.context import config
        from coordination.policy.versions import record_policy_changes

        upgrade_to_head()
        click.echo("database is at the latest schema")
        changed = record_policy_changes(get_session(), config().policies_dir)
        commit()
        if changed:
            click.echo(f"policy files new or changed since last recorded, now in the audit log: {', '.join(changed)}")

    @app.cli.command("seed-demo")
    def seed_demo_command() -> None:
        """Seed the demo organisations and users on an empty database; print their passwords once."""
        from coordination.demo.seed import seed_demo

        accounts = seed_demo()
        if accounts is None:
            click.echo("the database already holds organisations; no demo data was seeded")
            return
        commit()
        click.echo("Demo accounts (MFA off for demo users only). These passwords are shown once:")
        click.echo(f"{'organisation':32} {'role':11} {'e-mail':38} password")
        for a in accounts:
            click.echo(f"{a.organisation:32} {a.role:11} {a.email:38} {a.password}")

    org = click.Group("org", help="Manage organisations.")
    app.cli.add_command(org)

    @org.command("create")
    @click.option("--name", required=True)
    @click.option("--kind", required=True)
    def org_create(name: str, kind: str) -> None:
        """Create an organisation; prints its id."""
        try:
            created = create_organisation(None, name, kind)
            commit()
        except DomainError as exc:
            _fail(exc)
        click.echo(created.id)

    user = click.Group("user", help="Manage users.")
    app.cli.add_command(user)

    @user.command("create")
    @click.option("--email", required=True)
    @click.option("--org", "org_name", required=True, help="Organisation name")
    @click.option("--role", required=True)
    def user_create(email: str, org_name: str, role: str) -> None:
        """Create a user; the password is read from standard input. MFA is enrolled at first sign-in."""
        organisation = get_session().scalar(select(Organisation).where(Organisation.name == org_name))
        if organisation is None:
            raise click.ClickException(f"no organisation named {org_name!r}")
        password = sys.stdin.readline().rstrip("\r\n")
        try:
            created = create_user(None, email, organisation, role, password)
            commit()
        except DomainError as exc:
            _fail(exc)
        click.echo(created.id)

    token = click.Group("token", help="Manage API tokens.")
    app.cli.add_command(token)

    @token.command("create")
    @click.option("--email", required=True)
    @click.option("--name", default="cli", show_default=True)
    def token_create(email: str, name: str) -> None:
        """Create an API token for a user; the token is the last line printed."""
        owner = find_user_by_email(email)
        if owner is None:
            raise click.ClickException(f"no user with e-mail {email!r}")
        try:
            _, secret = create_api_token(owner, name)
            commit()
        except DomainError as exc:
            _fail(exc)
        click.echo(f"API token for {owner.email} (shown once):")
        click.echo(secret)

    keys = click.Group("keys", help="Key-encryption keys of evidence (the keyring file).")
    app.cli.add_command(keys)

    @keys.command("rotate")
    def keys_rotate() -> None:
        """Add a key-encryption key and re-wrap every evidence data key under it (no file is rewritten)."""
        from coordination.evidence.operations.maintenance import rotate_keys

        new, count = rotate_keys()
        click.echo(f"active key-encryption key is now {new}; re-wrapped {count} data keys")

    @keys.command("retire")
    @click.argument("key_id")
    def keys_retire(key_id: str) -> None:
        """Remove a key-encryption key; refused while any data key is still wrapped under it."""
        from coordination.core.keys import KeyringError
        from coordination.evidence.operations.maintenance import retire_key

        try:
            retire_key(key_id)
        except DomainError as exc:
            _fail(exc)
        except KeyringError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"retired {key_id}")

    evidence = click.Group("evidence", help="Evidence store maintenance.")
    app.cli.add_command(evidence)

    @evidence.command("export")
    @click.argument("case_id")
    @click.argument("out", type=click.Path(file_okay=False, path_type=Path))
    def evidence_export(case_id: str, out: Path) -> None:
        """Write a case's evidence, a manifest of hashes and custody, and its Ed25519 signature."""
        import uuid

        from coordination.cases.models import Case
        from coordination.evidence.operations.export import export_case, public_key_pem
        from coordination.evidence.verify_export import fingerprint

        try:
            case = get_session().get(Case, uuid.UUID(case_id))
        except ValueError:
            case = None
        if case is None:
            raise click.ClickException(f"no case {case_id}")
        try:
            manifest = export_case(case, out)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from None
        from cryptography.hazmat.primitives.serialization import load_pem_public_key

        key = fingerprint(load_pem_public_key(public_key_pem()))  # type: ignore[arg-type]
        click.echo(f"exported {len(manifest['items'])} files to {out}; signed by {key}")
        click.echo(f"verify offline: python -m coordination.evidence.verify_export {out}")

    @keys.command("export-public")
    def keys_export_public() -> None:
        """Print the public key that signs court exports (PEM), to publish to courts and partners."""
        from coordination.evidence.operations.export import public_key_pem

        click.echo(public_key_pem().decode(), nl=False)

    @evidence.command("fsck")
    @click.option("--repair", is_flag=True, help="Remove orphan files and half-written uploads.")
    @click.option("--verify", "verify_content", is_flag=True, help="Decrypt and hash every file.")
    def evidence_fsck(repair: bool, verify_content: bool) -> None:
        """Check the evidence store against the database; exit 1 when something is wrong."""
        from coordination.evidence.operations.maintenance import fsck

        report = fsck(repair=repair, verify_content=verify_content)
        for label, names in (
            ("orphan file (no record; not evidence)", report.orphans),
            ("recent file without a record (an upload may be finishing; left alone)", report.young_orphans),
            ("half-written upload", report.pending),
            ("MISSING file of a record", report.missing),
            ("DAMAGED file", report.damaged),
        ):
            for name in names:
                click.echo(f"{label}: {name}")
        click.echo(
            f"checked {report.checked} files: {len(report.orphans)} orphans, {len(report.pending)} half-written, "
            f"{len(report.missing)} missing, {len(report.damaged)} damaged{' (repaired)' if repair else ''}"
        )
        if not report.clean:
            sys.exit(1)

    from coordination.audit.cli import audit

    app.cli.add_command(audit)

    from coordination.screening.cli import screen

    app.cli.add_command(screen)

    from coordination.backup import register_commands

    register_commands(app)
