"""scripts/create_admin.py: the local cloud and operators make an admin with it; running it again changes nothing."""

from __future__ import annotations

import io

import pytest

from chalicelib.adapters.dynamodb.models.accounts import UserItem
from scripts import create_admin as command

PASSWORD = "correct horse battery"


def test_create_admin_makes_an_admin_who_signs_in_with_admin_rights(auth, app_services):
    user_id = command.create_admin("Root@Example.com", PASSWORD, "Root")

    signed_in = auth.login("root@example.com", PASSWORD)

    assert signed_in.status == 200
    assert signed_in.json["user"] == {"id": user_id, "email": "root@example.com", "name": "Root", "role": "admin"}
    assert app_services.tokens.verify(signed_in.json["access_token"]).role == "admin"


def test_create_admin_refuses_an_email_someone_registered_first(auth, app_services, monkeypatch, capsys):
    squatter = auth.register("root@example.com", PASSWORD)
    monkeypatch.setattr("sys.stdin", io.StringIO("the operator's password\n"))

    status = command.main(["--email", "root@example.com", "--password-stdin"])

    assert status == 2
    assert "email_taken" in capsys.readouterr().err
    assert auth.me(auth.login("root@example.com", PASSWORD).json["access_token"]).json == squatter["user"]


def test_promote_existing_gives_the_account_the_operators_password_and_ends_its_logins(
    auth, api, app_services, clock, monkeypatch
):
    squatter = auth.register("alice@example.com", PASSWORD)
    monkeypatch.setattr("sys.stdin", io.StringIO("the operator's password\n"))

    status = command.main(["--email", "alice@example.com", "--password-stdin", "--promote-existing"])
    clock.advance(60)

    assert status == 0
    assert auth.login("alice@example.com", PASSWORD).status == 401
    assert auth.refresh(squatter["refresh_token"]).status == 401
    assert auth.me(squatter["access_token"]).status == 401
    signed_in = auth.login("alice@example.com", "the operator's password").json
    assert auth.me(signed_in["access_token"]).json == {**squatter["user"], "role": "admin"}


def test_create_admin_twice_is_one_admin(app_services):
    first = command.create_admin("root@example.com", PASSWORD, "Root")
    second = command.create_admin("root@example.com", PASSWORD, "Root")

    assert first == second
    assert [(user.id, user.role) for user in UserItem.scan()] == [(first, "admin")]


def test_the_command_reads_the_password_from_stdin_and_prints_the_id(app_services, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))

    status = command.main(["--email", "root@example.com", "--name", "Root", "--password-stdin"])

    assert status == 0
    printed = capsys.readouterr().out.strip().splitlines()[-1]
    assert UserItem.get(printed).role == "admin"


def test_the_command_refuses_a_weak_password_with_the_rule_and_exit_status_2(app_services, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO("root\n"))

    status = command.main(["--email", "root@example.com", "--password-stdin"])

    assert status == 2
    assert "weak_password" in capsys.readouterr().err
    assert list(UserItem.scan()) == []


def test_the_command_never_takes_the_password_as_an_argument(app_services):
    with pytest.raises(SystemExit):
        command.main(["--email", "root@example.com", "--password", PASSWORD])
