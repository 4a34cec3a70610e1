from certauth.tests.fixtures import ca, citizen_profile, live_ca, pki_dir  # noqa: F401
