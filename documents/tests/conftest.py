from documents.tests.fixtures import ca, citizen, pki_dir, sekap_trust, setup  # noqa: F401
