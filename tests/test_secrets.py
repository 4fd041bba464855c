"""Credentials at rest: sealed with PLANSYNC_SECRET_KEY, opened only with it, the key never shown."""

from __future__ import annotations

import pytest

from config.secrets import NEW_SECRET_KEY_VARIABLE, SecretBox, SecretKeyError, new_key, secret_box
from reconciliation.agency import AgencyCredentials


def test_a_sealed_secret_is_not_the_secret_and_opens_with_the_same_key() -> None:
    key = new_key()
    token = secret_box({"PLANSYNC_SECRET_KEY": key}).seal("hunter2-token")
    assert "hunter2" not in token
    assert secret_box({"PLANSYNC_SECRET_KEY": f"  {key}\n"}).open(token, agency="acme") == "hunter2-token"


def test_two_seals_of_one_secret_differ() -> None:
    box = SecretBox(new_key())
    assert box.seal("same") != box.seal("same")


def test_another_key_cannot_open_it_and_says_so_naming_the_agency() -> None:
    token = SecretBox(new_key()).seal("s3cret")
    with pytest.raises(SecretKeyError) as raised:
        SecretBox(new_key()).open(token, agency="acme")
    assert str(raised.value) == ("PLANSYNC_SECRET_KEY cannot decrypt the credentials of agency acme: "
                                 "wrong key?")


@pytest.mark.parametrize("env", [{}, {"PLANSYNC_SECRET_KEY": ""}, {"PLANSYNC_SECRET_KEY": "   "}])
def test_a_missing_key_is_one_line_naming_the_variable(env: dict[str, str]) -> None:
    with pytest.raises(SecretKeyError, match=r"^PLANSYNC_SECRET_KEY is not set: .*plansync agencies new-key"):
        secret_box(env)


@pytest.mark.parametrize("key", ["short", "x" * 44, "é" * 44])
def test_a_malformed_key_is_refused_without_echoing_it(key: str) -> None:
    with pytest.raises(SecretKeyError) as raised:
        secret_box({"PLANSYNC_SECRET_KEY": key})
    assert str(raised.value).startswith("PLANSYNC_SECRET_KEY is not a Fernet key")
    assert key not in str(raised.value)


def test_the_new_key_variable_is_named_in_its_own_errors() -> None:
    with pytest.raises(SecretKeyError, match=f"^{NEW_SECRET_KEY_VARIABLE} is not set"):
        secret_box({"PLANSYNC_SECRET_KEY": new_key()}, variable=NEW_SECRET_KEY_VARIABLE)


def test_the_box_knows_its_key_and_never_shows_it() -> None:
    key = new_key()
    box = SecretBox(key)
    assert box.same_key_as(SecretBox(key)) and not box.same_key_as(SecretBox(new_key()))
    assert key not in repr(box)


def test_decrypted_credentials_never_show_in_a_repr() -> None:
    credentials = AgencyCredentials(perfectquote_token="pq-tok-1", benefitpoint_password="bp-pw-2",
                                    carrier_exchange_api_key="ex-key-3")
    for shown in (repr(credentials), str(credentials), f"{credentials}"):
        assert "pq-tok-1" not in shown and "bp-pw-2" not in shown and "ex-key-3" not in shown
    assert credentials.perfectquote_token == "pq-tok-1"
