"""An offline stand-in for the Arrow and DigiKey APIs, served on loopback with a synthetic catalog."""

SANDBOX_ARROW_LOGIN = "sandbox"
SANDBOX_ARROW_API_KEY = "sandbox-arrow-apikey-0000"
SANDBOX_DIGIKEY_CLIENT_ID = "sandbox-digikey-client-id"
SANDBOX_DIGIKEY_CLIENT_SECRET = "sandbox-digikey-client-secret-0000"
SANDBOX_DIGIKEY_ACCOUNT_ID = "1000001"
SANDBOX_REDIRECT_URI = "https://localhost"
SANDBOX_MOUSER_API_KEY = "00000000-5a4d-b0c5-0000-5a4db0c5a4d1"  # a Search API key is a UUID
