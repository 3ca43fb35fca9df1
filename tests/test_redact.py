"""The one redactor: registered and extra secrets, their URL-encoded forms, credential parameters."""

from __future__ import annotations

from bomcheck.redact import redact, redact_query_secrets, register_secret


def test_a_registered_secret_is_masked_in_any_text_as_written_and_url_encoded():
    register_secret("k3y/with+plus=")
    text = "sent https://x/?q=1&key=k3y%2Fwith%2Bplus%3D and k3y/with+plus= and k3y%2Fwith%2Bplus%3D"
    assert "k3y" not in redact(text)
    assert redact(text).count("***") == 3


def test_extra_secrets_count_for_one_call_only():
    assert redact("token abcd-1234 here", ["abcd-1234"]) == "token *** here"
    assert redact("token abcd-1234 here") == "token abcd-1234 here"


def test_short_values_are_not_taken_as_secrets_so_words_survive():
    register_secret("abc")
    assert redact("abc def") == "abc def"


def test_a_secret_containing_another_is_masked_whole():
    assert redact("xx longsecret-extended yy", ["longsecret", "longsecret-extended"]) == "xx *** yy"


def test_credential_query_parameters_are_masked_whatever_their_value():
    text = "GET /search?apiKey=SEEKRIT&client_secret=c5&refresh_token=r-1&code=zz&q=LM358"
    shown = redact_query_secrets(text)
    assert shown == "GET /search?apiKey=***&client_secret=***&refresh_token=***&code=***&q=LM358"


def test_a_settings_or_token_file_holds_credentials_and_a_bom_does_not():
    from bomcheck.redact import holds_credentials

    assert holds_credentials(['client_secret = "CS_SECRET_777777"'])
    assert holds_credentials(["API_KEY=abcdef123"])  # a .env line
    assert holds_credentials(['{"access_token": "eyJ0", "expires_in": 1800}'])
    register_secret("registered-key-0042")
    assert holds_credentials(["LM358 registered-key-0042"])
    bom_texts = ["GRM188R71C104KA01D", "Cap 100n 0603 X7R", "password-protected", "Keypad: 4x4",
                 "API key button", "R1, R2", "Texas Instruments", "token ring connector"]
    assert not holds_credentials(bom_texts)
