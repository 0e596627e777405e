"""The credential vault through the official `skyvern` SDK (PyPI, 1.0.56), unchanged: create a
login, a card and a secret, list and read them (usernames, brands, last four digits and labels,
never a value), overwrite and delete one, push a code in a mail text, and read the refusal of a
vault this appliance does not have."""

import pytest
from conftest import appliance
from skyvern.client import NonEmptyPasswordCredential
from skyvern.client import Skyvern as SkyvernClient
from skyvern.client.core.api_error import ApiError
from skyvern.client.types import CreditCardCredentialResponse, PasswordCredentialResponse, SecretCredentialResponse

API_KEY = "skv_sdk_credentials_key_0123456789"
PASSWORD = "Quillon-harbour-7730-amber"
SEED = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture(scope="module")
def client():
    with appliance(API_KEY, BROWSER__POOL_SIZE="1") as url:
        yield SkyvernClient(base_url=url, api_key=API_KEY)


def test_credentials_are_created_listed_read_overwritten_and_deleted_without_their_values(client):
    login = client.create_credential(
        name="Example shop",
        credential_type="password",
        credential=NonEmptyPasswordCredential(
            username="ada@example.org",
            password=PASSWORD,
            totp=SEED,
            totp_type="authenticator",
            totp_identifier="ada@example.org",
        ),
    )
    card = client.create_credential(
        name="Company card",
        credential_type="credit_card",
        credential={
            "card_number": "4242424242421234",
            "card_cvv": "987",
            "card_exp_month": "12",
            "card_exp_year": "2031",
            "card_brand": "visa",
            "card_holder_name": "Ada Lovelace",
            "billing_address": {"line1": "12 Analytical Row", "city": "London"},
        },
    )
    secret = client.create_credential(
        name="Stripe", credential_type="secret", credential={"secret_value": "sk_live_51Hx", "secret_label": "API key"}
    )

    assert login.credential_id.startswith("cred_") and login.vault_type == "skyvern"
    assert isinstance(login.credential, PasswordCredentialResponse)
    assert (login.credential.username, login.credential.totp_type) == ("ada@example.org", "authenticator")
    assert isinstance(card.credential, CreditCardCredentialResponse)
    assert (card.credential.last_four, card.credential.brand) == ("1234", "visa")
    assert isinstance(secret.credential, SecretCredentialResponse)
    assert secret.credential.secret_label == "API key"

    listed = client.get_credentials(page=1, page_size=10)
    assert [c.credential_id for c in listed] == [secret.credential_id, card.credential_id, login.credential_id]
    shown = " ".join(c.json() for c in listed)
    for value in [PASSWORD, SEED, "4242424242", "Lovelace", "Analytical", "sk_live"]:
        assert value not in shown
    assert [c.name for c in client.get_credentials(credential_type="credit_card")] == ["Company card"]
    assert client.get_credential(login.credential_id) == login

    updated = client.update_credential(
        login.credential_id,
        name="Example shop (work)",
        credential_type="password",
        credential=NonEmptyPasswordCredential(username="ada@work.example", password="another one"),
    )
    assert updated.credential_id == login.credential_id
    assert (updated.name, updated.credential.username) == ("Example shop (work)", "ada@work.example")

    assert client.delete_credential(login.credential_id) is None
    with pytest.raises(ApiError) as gone:
        client.get_credential(login.credential_id)
    assert gone.value.status_code == 404
    assert [c.credential_id for c in client.get_credentials()] == [secret.credential_id, card.credential_id]


def test_a_code_pushed_in_a_mail_text_is_stored_as_the_code(client):
    pushed = client.send_totp_code(
        totp_identifier="ada@example.org", content="Hello Ada, your code is 123456. It expires soon.", source="email"
    )
    assert pushed.totp_code_id.startswith("totp_")
    assert (pushed.code, pushed.totp_identifier, pushed.source) == ("123456", "ada@example.org", "email")
    assert pushed.organization_id == "o_local" and pushed.created_at is not None


def test_another_vault_is_refused_with_422_saying_only_this_one_is_served(client):
    with pytest.raises(ApiError) as refused:
        client.create_credential(
            name="Elsewhere", credential_type="secret", credential={"secret_value": "v"}, vault_type="bitwarden"
        )
    assert refused.value.status_code == 422
    assert refused.value.body["detail"][0]["loc"] == ["body", "vault_type"]
    assert "own vault only" in refused.value.body["message"]
